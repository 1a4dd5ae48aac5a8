"""Finds secrets that git tracks, or is about to: ``flask security scan-secrets``.

A key in git is a key in every clone, fork and backup of the repository, for good: removing
the file later does not remove it from history. The scan fails when

- ``.env`` (or any ``.env.*`` except ``.env.example``) is tracked;
- ``.env`` is not ignored, so the next ``git add .`` would track it;
- a tracked file assigns a key-looking literal to a name such as ``SECRET_KEY``, ``*_TOKEN`` or
  ``*_PASSWORD``, or holds a private key or a well-known token format.

Placeholders (``replace-me``, ``changeme``, ``${SECRET_KEY}``) are not secrets. A line that must
keep a key-like value that is not a secret (a published test vector, say) can end with the
comment ``secret-scan: allow`` and a reason.
"""

import math
import re
import shutil

# Only to run git, with fixed arguments and no shell.
import subprocess  # nosec B404
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ALLOW_MARKER = "secret-scan: allow"
MAX_FILE_BYTES = 1_000_000
MIN_SECRET_LENGTH = 20
MIN_BITS_PER_CHAR = 3.0

# Names whose values are secrets.
_SENSITIVE_NAME = (
    r"[A-Za-z0-9_.-]*(?:secret|passw(?:or)?d|pwd|token|api[_-]?key|private[_-]?key|"
    r"access[_-]?key|auth[_-]?key|signing[_-]?key|encryption[_-]?key)[A-Za-z0-9_-]*"
)
# NAME = "value", NAME: value, "NAME": "value", config["NAME"] = "value", NAME=value.
_ASSIGNMENT = re.compile(
    rf"""(?P<name>{_SENSITIVE_NAME})["']?\]?\s*(?:=|:|=>)\s*(?:[bBrRuU]{{1,2}}(?=["']))?(?P<quote>["']?)"""
    r"""(?P<value>[A-Za-z0-9+/=_\-.~!@%^&*]{8,})(?P=quote)""",
    re.IGNORECASE,
)
# Formats that are secrets wherever they appear.
_TOKENS = (
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY( BLOCK)?-----")),
    ("AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    (
        "GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b"),
    ),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    ("Stripe live key", re.compile(r"\b[rs]k_live_[A-Za-z0-9]{20,}\b")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
)
_PLACEHOLDER_WORDS = (
    "change",
    "replace",
    "example",
    "placeholder",
    "dummy",
    "your",
    "xxxx",
    "todo",
    "fixme",
    "redacted",
)
_DOTTED_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_CODE_SUFFIXES = frozenset({".py", ".js", ".mjs", ".ts", ".html", ".jinja", ".j2"})
_ENV_FILE = re.compile(r"(?:^|/)\.env(?:\..+)?$")
_ENV_EXAMPLE = re.compile(r"(?:^|/)\.env\.(?:example|sample|template)$")


class SecretScanError(RuntimeError):
    """The scan could not run: git is missing or this is not a git work tree."""


@dataclass(frozen=True)
class Leak:
    path: str
    line: int
    what: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.what}: {self.fix}"


@dataclass
class ScanReport:
    files: list[str]
    leaks: list[Leak]

    @property
    def ok(self) -> bool:
        return not self.leaks


def scan_repository(root: Path) -> ScanReport:
    """Scans what git tracks under ``root``, and whether ``.env`` is ignored."""
    listing = _git(root, "ls-files", "-z", "--cached").stdout
    tracked = [name for name in listing.split("\0") if name]
    leaks = []
    for name in tracked:
        if _ENV_FILE.search(name) and not _ENV_EXAMPLE.search(name):
            fix = f"untrack it (git rm --cached {name}) and rotate every key it held"
            leaks.append(Leak(name, 0, "an environment file with secrets is tracked by git", fix))
    if not _is_ignored(root, ".env"):
        fix = "add .env to .gitignore"
        leaks.append(Leak(".env", 0, ".env is not ignored by git", fix))
    for name in tracked:
        path = root / name
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_FILE_BYTES:
            leaks.extend(scan_text(_read_text(path), name))
    return ScanReport(tracked, leaks)


def scan_text(text: str, name: str) -> list[Leak]:
    """Key-looking literals and known token formats in one file's text."""
    leaks = []
    in_code = PurePosixPath(name).suffix in _CODE_SUFFIXES
    for number, line in enumerate(text.splitlines(), start=1):
        if ALLOW_MARKER in line:
            continue
        for label, pattern in _TOKENS:
            if pattern.search(line):
                fix = "remove it from the repository and revoke it"
                leaks.append(Leak(name, number, f"a {label}", fix))
        for match in _ASSIGNMENT.finditer(line):
            if in_code and not match.group("quote"):
                continue  # in code, a literal is quoted; anything else is an expression
            if looks_like_secret(match.group("value")):
                what = f"{match.group('name')} is set to a key-looking literal"
                fix = "read it from the environment instead, and rotate it: git history keeps it"
                leaks.append(Leak(name, number, what, fix))
    return leaks


def looks_like_secret(value: str) -> bool:
    """Long, varied and not a placeholder: what a generated key looks like."""
    lowered = value.lower()
    if len(value) < MIN_SECRET_LENGTH or any(word in lowered for word in _PLACEHOLDER_WORDS):
        return False
    if value.startswith(("/", "./", "../", "~/")) or "://" in value:
        return False  # a path or a URL
    if _DOTTED_NAME.fullmatch(value):
        return False  # code such as keys.current or document.querySelector
    # Generated keys mix digits or cases; words, dotted names (keys.current) and paths do not.
    has_digit = any(ch.isdigit() for ch in value)
    mixed_case = any(ch.isupper() for ch in value) and any(ch.islower() for ch in value)
    if not has_digit and not mixed_case:
        return False
    return _bits_per_char(value) >= MIN_BITS_PER_CHAR


def _bits_per_char(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return ""  # binary
    return data.decode("utf-8", errors="replace")


def _is_ignored(root: Path, name: str) -> bool:
    # --no-index: ask the ignore rules, even about a file that is already tracked.
    result = _git(root, "check-ignore", "--quiet", "--no-index", name, allowed=(0, 1))
    return result.returncode == 0


def _git(
    root: Path, *args: str, allowed: tuple[int, ...] = (0,)
) -> subprocess.CompletedProcess[str]:
    git = shutil.which("git")
    if git is None:
        message = "git is not installed; the secret scan reads what git tracks"
        raise SecretScanError(message)
    result = subprocess.run(  # noqa: S603  # nosec B603
        [git, "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in allowed:
        detail = (result.stderr.strip().splitlines() or ["no message"])[-1]
        message = f"git {args[0]} failed in {root}: {detail}"
        raise SecretScanError(message)
    return result
