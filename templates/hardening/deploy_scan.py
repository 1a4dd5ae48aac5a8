"""Finds debug switches in the files that start or configure the service outside development.

Debug mode is rarely left on in the code; it comes back through a deploy file: ``FLASK_DEBUG=1``
in a systemd unit, ``--reload`` on a gunicorn command line, ``flask run`` in a Procfile. This
module reads those files (comments and docstrings removed, so documentation that warns about a
switch is not mistaken for the switch) and reports each one with the line it is on.

``.env`` is not read: it is development-only and never deployed. ``.flaskenv`` is, because it
is committed and the ``flask`` command loads it wherever it runs.
"""

import io
import re
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# Kinds of file, by how they are read and which rules apply.
PYTHON = "python"
SYSTEMD = "systemd"
ENV = "env"
CONTAINER = "container"
CI = "ci"
OTHER = "other"

# (glob relative to the project root, kind). Later patterns never re-add a file.
DEPLOY_FILES: tuple[tuple[str, str], ...] = (
    ("gunicorn.conf.py", PYTHON),
    ("wsgi.py", PYTHON),
    (".flaskenv", ENV),
    ("deploy/**/*.service", SYSTEMD),
    ("deploy/**/*.socket", SYSTEMD),
    ("deploy/**/*.conf", OTHER),
    ("deploy/**/*.env", ENV),
    ("deploy/**/*.sh", CONTAINER),
    ("Procfile", CONTAINER),
    ("Procfile.*", CONTAINER),
    ("Dockerfile", CONTAINER),
    ("Dockerfile.*", CONTAINER),
    ("*.dockerfile", CONTAINER),
    ("Containerfile", CONTAINER),
    ("docker-compose*.yml", CONTAINER),
    ("docker-compose*.yaml", CONTAINER),
    ("compose*.yml", CONTAINER),
    ("compose*.yaml", CONTAINER),
    (".github/workflows/*.yml", CI),
    (".github/workflows/*.yaml", CI),
    (".gitlab-ci.yml", CI),
)

_TRUTHY = r"""["']?(?:1|true|yes|on)\b["']?"""

# The debugger and the reloader are development tools; the dev server is one too.
_DEBUGGER_FIX = "remove it: the Werkzeug debugger runs any code its visitor types"
_RELOAD_FIX = "remove it: systemd restarts the service, a reloader only watches files"
_DEV_SERVER_FIX = "serve with gunicorn -c gunicorn.conf.py wsgi:app behind nginx"


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    fix: str
    # Kinds of file the rule applies to; a CI workflow may run the dev server in a test.
    kinds: frozenset[str]


_ALL = frozenset({PYTHON, SYSTEMD, ENV, CONTAINER, CI, OTHER})
_PRODUCTION = _ALL - {CI}

RULES: tuple[Rule, ...] = (
    Rule(
        "FLASK_DEBUG",
        re.compile(rf"\bFLASK_DEBUG\b[\"']?\]?\s*[=:,]?\s*{_TRUTHY}", re.I),
        _DEBUGGER_FIX,
        _ALL,
    ),
    Rule("--debug", re.compile(r"(?<![\w-])--debug(?![\w-])"), _DEBUGGER_FIX, _ALL),
    Rule(
        "debug=True",
        re.compile(rf"(?<![\w-])debug\b[\"']?\]?\s*[=:]\s*{_TRUTHY}", re.I),
        _DEBUGGER_FIX,
        _ALL,
    ),
    Rule("DebuggedApplication", re.compile(r"\bDebuggedApplication\b"), _DEBUGGER_FIX, _ALL),
    Rule("use_debugger", re.compile(r"\buse_debugger\s*=\s*True\b"), _DEBUGGER_FIX, _ALL),
    Rule(
        "reload",
        re.compile(rf"(?<![\w-])reload\b[\"']?\s*[=:]\s*{_TRUTHY}", re.I),
        _RELOAD_FIX,
        _ALL,
    ),
    Rule("--reload", re.compile(r"(?<![\w-])--reload(?![\w-])"), _RELOAD_FIX, _ALL),
    Rule("use_reloader", re.compile(r"\buse_reloader\s*=\s*True\b"), _RELOAD_FIX, _ALL),
    Rule("flask run", re.compile(r"\bflask\b[^\n#]*?\srun(?![\w-])"), _DEV_SERVER_FIX, _PRODUCTION),
    Rule(
        "app.run()",
        re.compile(r"\b(?:app|application)\.run\("),
        _DEV_SERVER_FIX,
        frozenset({PYTHON}),
    ),
)


@dataclass(frozen=True)
class DebugSwitch:
    """One debug switch: where it is, which rule found it and how to remove it."""

    path: str
    line: int
    rule: str
    text: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text} ({self.rule}): {self.fix}"


def deploy_files(root: Path) -> list[tuple[Path, str]]:
    """The deploy files present under ``root``, each with its kind, in a stable order."""
    seen: set[Path] = set()
    found = []
    for pattern, kind in DEPLOY_FILES:
        for path in sorted(root.glob(pattern)):
            if path.is_file() and path not in seen and ".venv" not in path.parts:
                seen.add(path)
                found.append((path, kind))
    return found


def scan(root: Path) -> tuple[list[str], list[DebugSwitch]]:
    """Scans every deploy file under ``root``; returns the files read and the switches found."""
    files = deploy_files(root)
    switches = [switch for path, kind in files for switch in scan_file(path, kind, root)]
    return [path.relative_to(root).as_posix() for path, _ in files], switches


def scan_file(path: Path, kind: str, root: Path) -> list[DebugSwitch]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return list(scan_text(text, kind, path.relative_to(root).as_posix()))


def scan_text(text: str, kind: str, name: str) -> Iterator[DebugSwitch]:
    """The debug switches in one file's text, comments and docstrings excluded."""
    lines = _code_lines(text, kind)
    for number, line in lines:
        for rule in RULES:
            if kind not in rule.kinds:
                continue
            match = rule.pattern.search(line)
            if match:
                yield DebugSwitch(name, number, rule.name, match.group(0).strip(), rule.fix)


def _code_lines(text: str, kind: str) -> Iterable[tuple[int, str]]:
    if kind == PYTHON:
        return _python_code_lines(text)
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        # systemd also treats ";" as a comment, but only at the start of a line.
        if (
            not stripped
            or stripped.startswith("#")
            or (kind == SYSTEMD and stripped.startswith(";"))
        ):
            continue
        # Elsewhere "#" after a space ends the line (YAML, shell, env files, nginx).
        lines.append((number, raw if kind == SYSTEMD else re.sub(r"\s#.*$", "", raw)))
    return lines


def _python_code_lines(text: str) -> list[tuple[int, str]]:
    """Source lines with comments and bare string statements (docstrings) blanked out."""
    lines = text.splitlines()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return list(enumerate(lines, start=1))
    previous = tokenize.NEWLINE
    for token in tokens:
        statement_start = previous in {
            tokenize.NEWLINE,
            tokenize.NL,
            tokenize.INDENT,
            tokenize.DEDENT,
        }
        if token.type == tokenize.COMMENT or (token.type == tokenize.STRING and statement_start):
            _blank(lines, token.start, token.end)
        if token.type not in {tokenize.COMMENT, tokenize.NL}:
            previous = token.type
    return [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]


def _blank(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> None:
    (first, first_col), (last, last_col) = start, end
    for number in range(first, last + 1):
        line = lines[number - 1]
        begin = first_col if number == first else 0
        stop = last_col if number == last else len(line)
        lines[number - 1] = line[:begin] + " " * (stop - begin) + line[stop:]
