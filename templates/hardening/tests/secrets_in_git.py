"""Protection 3 in the repository: no key is tracked by git, and .env never can be.

Keys in these tests are made at run time, so this file holds nothing the scan would flag.
"""

import secrets
import shutil
import subprocess

import pytest

from ..secret_scan import looks_like_secret, scan_repository, scan_text

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


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


@needs_git
def test_an_env_file_that_is_not_ignored_fails(repo):
    (repo / ".gitignore").write_text("__pycache__/\n", encoding="utf-8")
    assert where(scan_repository(repo)) == [(".env", 0, ".env is not ignored by git")]


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
    text = line.format(key=secrets.token_urlsafe(32))
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
    assert [(leak.line, leak.what) for leak in found] == [
        (1, "a private key"),
        (2, "a GitHub token"),
    ]


def test_the_allow_marker_accepts_a_line():
    line = f'TEST_VECTOR_KEY = "{secrets.token_hex(32)}"  # secret-scan: allow (RFC test vector)'
    assert scan_text(line, "file") == []


def test_generated_keys_look_like_secrets():
    assert looks_like_secret(secrets.token_hex(32))
    assert looks_like_secret(secrets.token_urlsafe(32))
    assert not looks_like_secret("a" * 64)
