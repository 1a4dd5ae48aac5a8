"""Protection 3 in the repository: no key is tracked by git, and .env never can be.

Keys in these tests are made at run time, so this file holds nothing the scan would flag.
"""

import secrets
import shutil
import subprocess

import pytest

from .. import secret_scan
from ..secret_scan import (
    MAX_FILE_BYTES,
    Leak,
    SecretScanError,
    looks_like_secret,
    scan_repository,
    scan_text,
)

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


# One secrets.token_urlsafe(32) output, fixed: about one random draw in a thousand holds a
# placeholder word ("your", "todo") and is rightly not taken for a key, which made tests flaky.
URLSAFE_SAMPLE = "9NH_N_b9pIb3s11uGm8HK2dwSybj68kMSkx316SQXdU"


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)  # noqa: S603, S607


def where(report):
    return [(leak.path, leak.line, leak.what) for leak in report.leaks]


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "--quiet")
    (tmp_path / ".gitignore").write_text(".env\n.env.*\n!.env.example\n", encoding="utf-8")
    (tmp_path / ".env").write_text(f"SECRET_KEY={secrets.token_hex(32)}\n", encoding="utf-8")
    (tmp_path / ".env.example").write_text("SECRET_KEY=replace-me\n", encoding="utf-8")
    (tmp_path / "config.py").write_text('SECRET_KEY = os.environ["SECRET_KEY"]\n', encoding="utf-8")
    git(tmp_path, "add", ".")
    return tmp_path


@needs_git
def test_a_clean_repository_passes(repo):
    report = scan_repository(repo)
    assert [str(leak) for leak in report.leaks] == []
    assert set(report.files) == {".gitignore", ".env.example", "config.py"}


@needs_git
def test_a_tracked_env_file_fails(repo):
    git(repo, "add", "--force", ".env")
    assert where(scan_repository(repo)) == [
        (".env", 0, "an environment file with secrets is tracked by git"),
        (".env", 1, "SECRET_KEY is set to a key-looking literal"),
    ]
    assert all(leak.fix for leak in scan_repository(repo).leaks)


@needs_git
def test_an_env_file_that_is_not_ignored_fails(repo):
    (repo / ".gitignore").write_text("__pycache__/\n", encoding="utf-8")
    report = scan_repository(repo)
    assert where(report) == [(".env", 0, ".env is not ignored by git")]
    assert ".gitignore" in report.leaks[0].fix


@needs_git
def test_a_key_in_tracked_code_fails(repo):
    (repo / "config.py").write_text(f'SECRET_KEY = "{secrets.token_hex(32)}"\n', encoding="utf-8")
    report = scan_repository(repo)
    assert where(report) == [("config.py", 1, "SECRET_KEY is set to a key-looking literal")]
    assert "rotate" in report.leaks[0].fix


@pytest.mark.parametrize(
    "line",
    [
        'SECRET_KEY = "{key}"',
        "SECRET_KEY={key}",
        'app.config["SECRET_KEY"] = "{key}"',
        '"api_token": "{key}",',
        "DATABASE_PASSWORD: {key}",
        "secret_key=b'{key}'",
    ],
)
def test_key_looking_assignments_are_found(line):
    text = line.format(key=URLSAFE_SAMPLE)
    assert [leak.line for leak in scan_text(text, "file")] == [1]


@pytest.mark.parametrize(
    "line",
    [
        "SECRET_KEY=replace-me-with-flask-security-gen-secret",
        'SECRET_KEY = os.environ["SECRET_KEY"]',
        "SECRET_KEY = keys.current",
        "token: ${{ secrets.DEPLOY_TOKEN }}",
        'password = "changeme-changeme-changeme"',
        'SECRET_KEY_POLICY = "ephemeral"',
        'TOKEN_HEADER = "X-CSRFToken"',
    ],
)
def test_placeholders_and_references_are_not_secrets(line):
    assert scan_text(line, "file") == []


def test_known_token_formats_are_found_anywhere():
    private_key = "-----BEGIN " + "PRIVATE KEY-----"
    github = "gh" + "p_" + secrets.token_hex(18)
    found = scan_text(f"{private_key}\nsee {github}\n", "notes.txt")
    assert [(leak.path, leak.line, leak.what) for leak in found] == [
        ("notes.txt", 1, "a private key"),
        ("notes.txt", 2, "a GitHub token"),
    ]
    assert all("revoke" in leak.fix for leak in found)


def test_the_allow_marker_accepts_a_line():
    line = f'TEST_VECTOR_KEY = "{secrets.token_hex(32)}"  # secret-scan: allow (RFC test vector)'
    assert scan_text(line, "file") == []


def test_generated_keys_look_like_secrets():
    assert looks_like_secret(secrets.token_hex(32))
    assert looks_like_secret(URLSAFE_SAMPLE)
    assert not looks_like_secret("a" * 64)


def test_a_leak_reads_as_file_line_what_and_fix():
    assert str(Leak("config.py", 3, "a GitHub token", "revoke it")) == (
        "config.py:3: a GitHub token: revoke it"
    )
    assert str(Leak(".env", 0, ".env is not ignored by git", "ignore it")) == (
        ".env: .env is not ignored by git: ignore it"
    )


@needs_git
def test_symlinks_and_deleted_files_are_not_read(repo):
    (repo / "config.py").write_text(f'SECRET_KEY = "{secrets.token_hex(32)}"\n', encoding="utf-8")
    (repo / "link.py").symlink_to("config.py")
    (repo / "gone.py").write_text("x = 1\n", encoding="utf-8")
    git(repo, "add", ".")
    (repo / "gone.py").unlink()  # tracked, but no longer in the work tree
    assert [(leak.path, leak.line) for leak in scan_repository(repo).leaks] == [("config.py", 1)]


@needs_git
def test_files_up_to_the_size_limit_are_read(repo):
    line = f'SECRET_KEY = "{secrets.token_hex(32)}"\n'
    for name, size in (("at_limit.py", MAX_FILE_BYTES), ("over_limit.py", MAX_FILE_BYTES + 1)):
        rest = size - len(line)  # filled with 100-byte comment lines, the last one shorter
        filler = ("#" * 99 + "\n") * (rest // 100) + "#" * (rest % 100 - 1) + "\n"
        (repo / name).write_text(line + filler, encoding="utf-8")
        assert (repo / name).stat().st_size == size
    git(repo, "add", ".")
    assert [leak.path for leak in scan_repository(repo).leaks] == ["at_limit.py"]


@needs_git
def test_binary_files_are_skipped_and_bad_utf8_is_still_read(repo):
    key = f'SECRET_KEY = "{secrets.token_hex(32)}"\n'.encode()
    (repo / "image.bin").write_bytes(b"\0" + key)
    # A NUL only after the first 8 KiB: text that happens to hold one.
    (repo / "late_nul.txt").write_bytes(b"#" * 8192 + b"\0\n" + key)
    (repo / "latin1.txt").write_bytes(b"caf\xe9\n" + key)
    git(repo, "add", ".")
    found = sorted((leak.path, leak.line) for leak in scan_repository(repo).leaks)
    assert found == [("late_nul.txt", 2), ("latin1.txt", 2)]


def test_unquoted_values_count_in_config_files_but_not_in_code():
    line = "API_TOKEN = lookup_the_token_value2024"
    assert scan_text(line, "settings.py") == []
    assert [leak.line for leak in scan_text(line, "deploy/app.env")] == [1]
    # An expression first on the line does not hide a literal after it.
    both = f'API_TOKEN = lookup_the_token_value2024; SECRET_KEY = "{secrets.token_hex(32)}"'
    assert [leak.what for leak in scan_text(both, "settings.py")] == [
        "SECRET_KEY is set to a key-looking literal"
    ]


def test_the_allow_marker_accepts_only_its_own_line():
    allowed = f'TEST_VECTOR_KEY = "{secrets.token_hex(32)}"  # secret-scan: allow (RFC test vector)'
    leaked = f'SECRET_KEY = "{secrets.token_hex(32)}"'
    assert [leak.line for leak in scan_text(f"{allowed}\n{leaked}\n", "file")] == [2]


@pytest.mark.parametrize(
    "value",
    [
        "ChangeMe2024ChangeMe2024",  # a placeholder word, whatever its case
        "/var/lib/aB3dE5gH7jK9mN1pQ2rS",
        "./aB3dE5gH7jK9mN1pQ2rS",
        "../aB3dE5gH7jK9mN1pQ2rS",
        "~/aB3dE5gH7jK9mN1pQ2rS",
        "https://aB3dE5gH7jK9mN1pQ2rS.net",
        "app.config.secretKeyFromVault2",  # a dotted name: code
        "qwertyuiopasdfghjklzxcvbnm",  # one case and no digit: a word
        "a1" * 12,  # varied in form only: 1 bit per character
        "aB3dE5gH7jK9mN1pQ2r",  # one character short of MIN_SECRET_LENGTH
    ],
)
def test_values_that_do_not_look_like_keys(value):
    assert not looks_like_secret(value)


@pytest.mark.parametrize(
    "value",
    [
        "aB3dE5gH7jK9mN1pQ2rS",  # exactly MIN_SECRET_LENGTH characters
        "qWeRtYuIoPaSdFgHjKlZxCvB",  # mixed case is enough without a digit
        "abcdEFG1" * 3,  # 8 symbols equally often: exactly MIN_BITS_PER_CHAR (3.0)
    ],
)
def test_values_at_the_limits_look_like_keys(value):
    assert looks_like_secret(value)


def test_the_scan_says_when_git_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(secret_scan.shutil, "which", lambda name: None)
    with pytest.raises(SecretScanError, match="git is not installed"):
        scan_repository(tmp_path)


@needs_git
def test_the_scan_says_why_git_failed(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    with pytest.raises(SecretScanError, match=r"git ls-files failed in .*: fatal: not a git repo"):
        scan_repository(tmp_path)
