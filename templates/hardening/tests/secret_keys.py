"""Protection 3: the secret key comes from the environment, is strong, and can be rotated."""

import ast
import secrets
from pathlib import Path

import pytest
from flask import Flask, request

from ..secrets import SecretKeyError, SecretKeys, check_strength, load_secret_keys


def _env_example_key(project_root: Path) -> str:
    example = project_root / ".env.example"
    if not example.is_file():
        pytest.skip("the project has no .env.example")
    for line in example.read_text(encoding="utf-8").splitlines():
        if line.startswith("SECRET_KEY="):
            return line.partition("=")[2]
    pytest.fail(".env.example has no SECRET_KEY line")


def test_missing_key_is_refused_in_production(build):
    with pytest.raises(SecretKeyError, match="SECRET_KEY is not set"):
        build("production")


@pytest.mark.parametrize(
    "key",
    [
        "dev",
        "abc123",
        secrets.token_hex(16),  # 16 bytes: half of what is needed
        secrets.token_hex(31),
        "0" * 64,
        "ab" * 32,
        "change-me",
        "super-secret-key-" + secrets.token_hex(32),
        "your-secret-key-here",
    ],
)
def test_weak_or_placeholder_key_is_refused_in_production(build, monkeypatch, key):
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(SecretKeyError):
        build("production")


def test_env_example_placeholder_is_refused(project_root):
    with pytest.raises(SecretKeyError, match="placeholder"):
        check_strength(_env_example_key(project_root))


@pytest.mark.parametrize("key", [secrets.token_hex(32), secrets.token_urlsafe(32)])
def test_strong_key_is_accepted(build, monkeypatch, key):
    monkeypatch.setenv("SECRET_KEY", key)
    assert build("production").secret_key == key


def test_key_file_is_read(build, tmp_path, monkeypatch):
    key = secrets.token_hex(32)
    key_file = tmp_path / "secret_key"
    key_file.write_text(key + "\n", encoding="utf-8")
    monkeypatch.setenv("SECRET_KEY_FILE", str(key_file))
    assert build("production").secret_key == key


def test_systemd_credential_is_read(build, tmp_path, monkeypatch):
    key = secrets.token_hex(32)
    (tmp_path / "secret_key").write_text(key, encoding="utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    assert build("production").secret_key == key


def test_weak_key_file_is_refused(build, tmp_path, monkeypatch):
    key_file = tmp_path / "secret_key"
    key_file.write_text("changeme", encoding="utf-8")
    monkeypatch.setenv("SECRET_KEY_FILE", str(key_file))
    with pytest.raises(SecretKeyError, match="placeholder"):
        build("production")


def test_unreadable_key_file_is_refused(build, tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(SecretKeyError, match="cannot be read"):
        build("production")


def test_key_and_key_file_together_are_refused(build, tmp_path, monkeypatch):
    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_hex(32), encoding="utf-8")
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("SECRET_KEY_FILE", str(key_file))
    with pytest.raises(SecretKeyError, match="one source"):
        build("production")


def test_key_and_systemd_credential_together_are_refused(build, tmp_path, monkeypatch):
    # A leftover SECRET_KEY would otherwise win over the credential the runbook rotates.
    (tmp_path / "secret_key").write_text(secrets.token_hex(32), encoding="utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    with pytest.raises(SecretKeyError, match="SECRET_KEY and the systemd credential secret_key"):
        build("production")


def test_fallbacks_from_two_sources_are_refused(build, tmp_path, monkeypatch):
    (tmp_path / "secret_key").write_text(secrets.token_hex(32), encoding="utf-8")
    (tmp_path / "secret_key_fallbacks").write_text("", encoding="utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", secrets.token_hex(32))
    with pytest.raises(SecretKeyError, match="one source"):
        build("production")


def test_a_two_line_key_file_is_refused(build, tmp_path, monkeypatch):
    key_file = tmp_path / "secret_key"
    key_file.write_text(f"{secrets.token_hex(32)}\n{secrets.token_hex(32)}\n", encoding="utf-8")
    monkeypatch.setenv("SECRET_KEY_FILE", str(key_file))
    with pytest.raises(SecretKeyError, match="more than one line"):
        build("production")


@pytest.mark.parametrize(
    "key",
    [
        "a1b2c3d4" * 8,
        "0123456789abcdef" * 4,
        "Passw0rd!" * 8,
        secrets.token_hex(16) * 2,
        "Tr0ub4dor&3" * 6,
    ],
)
def test_patterned_keys_are_refused(key):
    with pytest.raises(SecretKeyError):
        check_strength(key)


def test_random_keys_pass_the_pattern_check():
    # Hex, as gen-secret makes them: no placeholder word can hide in one, so any refusal here
    # would be the pattern check misjudging a random key.
    for _ in range(300):
        check_strength(secrets.token_hex(32))
        check_strength(secrets.token_hex(64))


def test_development_needs_a_key_and_says_where(build):
    with pytest.raises(SecretKeyError, match=r"\.env"):
        build("development")


def test_testing_makes_a_fresh_random_key(build):
    first, second = build("testing").secret_key, build("testing").secret_key
    assert first != second
    check_strength(first)


@pytest.mark.parametrize("source", ["SECRET_KEY_FALLBACKS", "SECRET_KEY_FALLBACKS_FILE"])
def test_fallbacks_come_from_a_comma_separated_variable_or_a_file(
    build, tmp_path, monkeypatch, source
):
    old = [secrets.token_hex(32), secrets.token_hex(32)]
    fallback_file = tmp_path / "fallbacks"
    fallback_file.write_text("\n".join(old) + "\n", encoding="utf-8")
    value = str(fallback_file) if source.endswith("_FILE") else f"{old[0]}, {old[1]}"
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv(source, value)
    assert build("production").config["SECRET_KEY_FALLBACKS"] == old


def test_weak_fallback_is_refused_in_production(build, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", "old-dev-key")
    with pytest.raises(SecretKeyError, match="SECRET_KEY_FALLBACKS"):
        build("production")


def _signed_session(app: Flask, data: dict) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(data)


def _loaded_session(app: Flask, cookie: str) -> dict:
    headers = {"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"}
    with app.test_request_context("/", base_url="https://localhost", headers=headers):
        return dict(app.session_interface.open_session(app, request) or {})


def test_rotation_keeps_existing_sessions(build, monkeypatch):
    old, new = secrets.token_hex(32), secrets.token_hex(32)
    monkeypatch.setenv("SECRET_KEY", old)
    cookie = _signed_session(build("production"), {"user": "ada"})

    monkeypatch.setenv("SECRET_KEY", new)
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", old)
    rotated = build("production")
    assert _loaded_session(rotated, cookie) == {"user": "ada"}

    # New cookies are signed with the new key, so they survive retiring the old one.
    fresh = _signed_session(rotated, {"user": "grace"})
    monkeypatch.delenv("SECRET_KEY_FALLBACKS")
    retired = build("production")
    assert _loaded_session(retired, fresh) == {"user": "grace"}
    assert _loaded_session(retired, cookie) == {}


def _production_code(package: Path, wsgi: Path) -> list[Path]:
    # pytest's own asserts are what tests are made of; only the code that runs in production counts.
    checks = pytest.importorskip(
        f"{__package__.rpartition('.')[0]}.checks",
        reason="the package has no checks.py yet (a retrofit run with --only left it out)",
    )
    code = [
        path for path in sorted(package.rglob("*.py")) if checks.is_production_code(path, package)
    ]
    return [path for path in [*code, wsgi] if path.is_file()]


def test_no_literal_secret_key_or_assert_in_the_package(
    production_app, project_root, hardening_wsgi
):
    # A key in the source ends up in every clone and image; `assert` vanishes under python -O.
    problems = []
    package = Path(production_app.root_path)
    for path in _production_code(package, project_root / hardening_wsgi):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.name}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Assert):
                problems.append(f"{where}: assert")
            if _assigns_literal_secret(node):
                problems.append(f"{where}: literal SECRET_KEY")
    assert problems == []


def _assigns_literal_secret(node: ast.AST) -> bool:
    def is_key(target: ast.AST) -> bool:
        if isinstance(target, ast.Name | ast.Attribute):
            return getattr(target, "id", getattr(target, "attr", None)) == "SECRET_KEY"
        subscript = isinstance(target, ast.Subscript)
        return subscript and getattr(target.slice, "value", None) == "SECRET_KEY"

    if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Constant):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(is_key(target) for target in targets)
    if isinstance(node, ast.Call):
        literal = (k for k in node.keywords if isinstance(k.value, ast.Constant))
        return any(k.arg == "SECRET_KEY" for k in literal)
    return False


def test_dotenv_stays_out_of_git_and_images(project_root):
    ignore_files = [".gitignore"]
    if (project_root / ".dockerignore").exists() or (project_root / "Dockerfile").exists():
        ignore_files.append(".dockerignore")
    for ignore_file in ignore_files:
        lines = (project_root / ignore_file).read_text(encoding="utf-8").splitlines()
        assert ".env" in lines, f"{ignore_file} must exclude .env"


# --- the key sources, read directly (no app: fast enough for every mutant) -------------------

STRONG = "9f" * 4 + secrets.token_hex(28)  # 64 hex characters


def test_each_source_gives_the_key_and_the_fallbacks(tmp_path):
    old, older = secrets.token_hex(32), secrets.token_hex(32)
    assert load_secret_keys({"SECRET_KEY": f"  {STRONG}\n"}, "strong") == SecretKeys(STRONG)
    (tmp_path / "key").write_text(f"{STRONG}\n", encoding="utf-8")
    (tmp_path / "old").write_text(f"{old}\n\n{older}\n", encoding="utf-8")
    files = {
        "SECRET_KEY_FILE": str(tmp_path / "key"),
        "SECRET_KEY_FALLBACKS_FILE": str(tmp_path / "old"),
    }
    assert load_secret_keys(files, "strong") == SecretKeys(STRONG, (old, older))
    (tmp_path / "secret_key").write_text(STRONG, encoding="utf-8")
    (tmp_path / "secret_key_fallbacks").write_text(f"{old}\n", encoding="utf-8")
    credentials = {"CREDENTIALS_DIRECTORY": str(tmp_path)}
    assert load_secret_keys(credentials, "strong") == SecretKeys(STRONG, (old,))
    listed = {"SECRET_KEY": STRONG, "SECRET_KEY_FALLBACKS": f" {old} ,, {older},"}
    assert load_secret_keys(listed, "strong") == SecretKeys(STRONG, (old, older))


def test_an_empty_key_file_is_no_key(tmp_path):
    (tmp_path / "key").write_text("\n", encoding="utf-8")
    with pytest.raises(SecretKeyError, match=r"^SECRET_KEY is not set\. .*gen-secret`\.$"):
        load_secret_keys({"SECRET_KEY_FILE": str(tmp_path / "key")}, "strong")


def test_a_missing_credential_directory_entry_is_no_source(tmp_path):
    assert load_secret_keys({"CREDENTIALS_DIRECTORY": str(tmp_path)}, "present", "k") == SecretKeys(
        "k"
    )


def test_the_app_key_is_used_only_without_an_environment_key():
    assert load_secret_keys({"SECRET_KEY": STRONG}, "strong", "app-set") == SecretKeys(STRONG)
    with pytest.raises(SecretKeyError, match="SECRET_KEY is a placeholder"):
        load_secret_keys({}, "strong", "change-me-please-0123456789abcdef")


def test_development_takes_any_key_and_testing_makes_one():
    assert load_secret_keys({"SECRET_KEY": "dev"}, "present") == SecretKeys("dev")
    made = load_secret_keys({}, "ephemeral")
    assert len(made.current) == 64
    assert set(made.current) <= set("0123456789abcdef")
    assert made.current != load_secret_keys({}, "ephemeral").current
    with pytest.raises(SecretKeyError, match=r"put it in \.env \(see \.env\.example\)\.$"):
        load_secret_keys({}, "present")


def test_two_sources_are_named_in_the_refusal(tmp_path):
    (tmp_path / "secret_key").write_text(STRONG, encoding="utf-8")
    environ = {
        "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "CREDENTIALS_DIRECTORY": str(tmp_path),
    }
    message = (
        "SECRET_KEY_FILE and the systemd credential secret_key are both set: "
        "give the key one source, not two."
    )
    with pytest.raises(SecretKeyError) as refused:
        load_secret_keys(environ, "strong")
    assert str(refused.value) == message


def test_an_unreadable_file_is_named(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(SecretKeyError) as refused:
        load_secret_keys({"SECRET_KEY_FILE": str(missing)}, "strong")
    assert (
        str(refused.value)
        == f"SECRET_KEY_FILE ({missing}) cannot be read: No such file or directory."
    )


def test_a_key_with_a_space_is_refused_but_fallbacks_may_have_several(tmp_path):
    with pytest.raises(SecretKeyError, match=r"^SECRET_KEY holds more than one line or word"):
        load_secret_keys({"SECRET_KEY": f"{STRONG} {STRONG}"}, "present")
    with pytest.raises(SecretKeyError, match="SECRET_KEY_FALLBACKS entry 2 is too short"):
        load_secret_keys({"SECRET_KEY": STRONG, "SECRET_KEY_FALLBACKS": f"{STRONG},abc"}, "strong")


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("f" * 64, "too short or too regular"),
        (secrets.token_hex(31), "too short or too regular"),  # 62 hex: 248 bits
        ("0123456789abcdef" * 4, "repeats a pattern"),
        ("P4ssw0rd" + secrets.token_hex(32), "a placeholder"),
        ("YourKey" + secrets.token_hex(32), "a placeholder"),
    ],
)
def test_weak_keys_are_refused_with_the_reason(key, reason):
    with pytest.raises(SecretKeyError, match=f"^KEY (is )?{reason}"):
        check_strength(key, "KEY")


@pytest.mark.parametrize(
    "key", [secrets.token_hex(32), secrets.token_urlsafe(32), secrets.token_urlsafe(40)]
)
def test_strong_keys_pass(key):
    check_strength(key)
