"""Finds debug switches in the files that start or configure the service outside development.

Debug mode is rarely left on in the code; it comes back through a deploy file: ``FLASK_DEBUG=1``
in a systemd unit, ``--reload`` on a gunicorn command line, ``flask run`` in a Procfile. This
module reads those files (comments and docstrings removed, so documentation that warns about a
switch is not mistaken for the switch) and reports each one with the line it is on.

``.env`` is not read: it is development-only and never deployed. ``.flaskenv`` is, because it
is committed and the ``flask`` command loads it wherever it runs.

The second half reads the files that really protect production and reports what weakens them:
gunicorn's listener (``gunicorn.conf.py``), nginx's site and headers snippet (compared with the
headers the app itself sends: nginx's are the ones browsers get), and the systemd sandbox.
"""

import ast
import io
import re
import shutil
import subprocess  # nosec B404
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


# ---------------------------------------------------------------------------------------------
# What really protects production: gunicorn's listener, nginx's site and snippet, and the
# systemd sandbox. Each finding names the protection it weakens, the file and the line.

WSGI_SERVER = "production WSGI server (gunicorn.conf.py)"
NGINX_HEADERS = "security headers (nginx)"
NGINX_TLS = "TLS (nginx)"
NGINX_LIMITS = "request limits (nginx)"
NGINX_STATIC = "static files (nginx)"
SANDBOX = "sandbox (systemd)"
PROTECTIONS = (WSGI_SERVER, NGINX_HEADERS, NGINX_TLS, NGINX_LIMITS, NGINX_STATIC, SANDBOX)


@dataclass(frozen=True)
class Finding:
    """A deploy file that weakens a protection: which one, where, what and how to fix it."""

    protection: str
    path: str
    line: int
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}"


@dataclass(frozen=True)
class AppPolicy:
    """What the built app sends and accepts, for comparing nginx with it."""

    headers: dict[str, str]
    max_content_length: int | None


# --- gunicorn ---------------------------------------------------------------------------------

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
LOOPBACK_IPS = frozenset({"127.0.0.1", "::1"})
_BIND_FIX = 'bind = "unix:/run/<service>/gunicorn.sock" or "127.0.0.1:<port>": only nginx connects'


def check_gunicorn(root: Path) -> list[Finding]:
    """gunicorn listens on loopback or a unix socket, trusts only loopback, preloads the app."""
    path = root / "gunicorn.conf.py"
    name = "gunicorn.conf.py"
    if not path.is_file():
        return [Finding(WSGI_SERVER, name, 0, "gunicorn.conf.py is missing", "restore it")]
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError as exc:
        return [Finding(WSGI_SERVER, name, exc.lineno or 0, f"cannot parse: {exc.msg}", "fix it")]
    settings: dict[str, tuple[int, object]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                settings[target.id] = (node.lineno, _literal(node.value))
    findings = []
    line, bind = settings.get("bind", (0, None))
    binds = _as_list(bind)
    if binds is None:
        problem = "bind is not a literal (gunicorn's default follows $PORT to 0.0.0.0)"
        findings.append(Finding(WSGI_SERVER, name, line, problem, _BIND_FIX))
    for address in binds or []:
        if not _is_loopback_bind(address):
            problem = f"bind {address!r} is reachable from other hosts, bypassing nginx"
            findings.append(Finding(WSGI_SERVER, name, line, problem, _BIND_FIX))
    line, trusted = settings.get("forwarded_allow_ips", (0, None))
    ips = _as_list(trusted)
    fix = 'forwarded_allow_ips = "127.0.0.1,::1": only the local nginx sets X-Forwarded-*'
    if ips is None:
        findings.append(Finding(WSGI_SERVER, name, line, "forwarded_allow_ips is not set", fix))
    elif any(ip not in LOOPBACK_IPS for ip in ips):
        problem = f"forwarded_allow_ips {trusted!r} lets other hosts claim to be https"
        findings.append(Finding(WSGI_SERVER, name, line, problem, fix))
    line, preload = settings.get("preload_app", (0, None))
    if preload is not True:
        problem = "preload_app is off: a bad key fails only the workers, after READY=1"
        fix = "preload_app = True, so the master refuses to start before systemd hears it is ready"
        findings.append(Finding(WSGI_SERVER, name, line, problem, fix))
    return findings


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def _as_list(value: object) -> list[str] | None:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return [str(item).strip() for item in value]
    return None


def _is_loopback_bind(address: str) -> bool:
    if address.startswith(("unix:", "fd://")):
        return True
    host = address.rpartition(":")[0] if ":" in address else address
    return host in LOOPBACK_HOSTS


# --- nginx: a small parser ----------------------------------------------------------------


@dataclass
class Directive:
    """One nginx directive; ``block`` holds the children of ``server { ... }`` and the like."""

    name: str
    args: list[str]
    path: str
    line: int
    block: list["Directive"] | None = None


class NginxSyntaxError(ValueError):
    def __init__(self, path: str, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}")


# nginx's punctuation, as tokens.
OPEN, CLOSE, END = "{", "}", ";"


def parse_nginx(text: str, path: str, includes: dict[str, str] | None = None) -> list[Directive]:
    """Directives of an nginx file; ``include``s of files in ``includes`` are expanded in place."""
    tokens = list(_nginx_tokens(text))
    position = 0

    def block() -> list[Directive]:
        nonlocal position
        directives: list[Directive] = []
        words: list[tuple[str, int]] = []
        while position < len(tokens):
            token, line, quoted = tokens[position]
            position += 1
            if not quoted and token == CLOSE:
                if words:
                    raise NginxSyntaxError(path, line, "unexpected }")
                return directives
            if not quoted and token in {END, OPEN}:
                if not words:
                    raise NginxSyntaxError(path, line, f"unexpected {token}")
                name, first = words[0]
                args = [word for word, _ in words[1:]]
                if token == OPEN:
                    directives.append(Directive(name, args, path, first, block()))
                elif name == "include" and includes is not None and args:
                    directives.extend(_included(args[0], includes, path, first))
                else:
                    directives.append(Directive(name, args, path, first))
                words = []
                continue
            words.append((token, line))
        if words:
            raise NginxSyntaxError(path, words[-1][1], "unexpected end of file")
        return directives

    return block()


def _included(target: str, includes: dict[str, str], path: str, line: int) -> list[Directive]:
    name = target.rsplit("/", 1)[-1]
    if name in includes:
        return parse_nginx(includes[name], f"deploy/nginx/{name}", includes=None)
    return [Directive("include", [target], path, line)]


def _nginx_tokens(text: str) -> Iterator[tuple[str, int, bool]]:
    index, line, length = 0, 1, len(text)
    while index < length:
        char = text[index]
        if char == "\n":
            line += 1
            index += 1
        elif char.isspace():
            index += 1
        elif char == "#":
            while index < length and text[index] != "\n":
                index += 1
        elif char in "{};":
            yield char, line, False
            index += 1
        elif char in "\"'":
            start_line, index, word = line, index + 1, []
            while index < length and text[index] != char:
                # As nginx reads it: only \" \' and \\ lose their backslash (regexes keep \.).
                if text[index] == "\\" and text[index + 1 : index + 2] in {'"', "'", "\\"}:
                    index += 1
                if text[index] == "\n":
                    line += 1
                word.append(text[index])
                index += 1
            index += 1
            yield "".join(word), start_line, True
        else:
            start = index
            while index < length and not text[index].isspace() and text[index] not in "{};\"'":
                index += 1
            yield text[start:index], line, False


def _find(directives: list[Directive], name: str) -> list[Directive]:
    return [directive for directive in directives if directive.name == name]


def _effective(chain: list[list[Directive]], name: str) -> list[Directive]:
    """The directives ``name`` in force at the innermost level: nginx inherits only when a
    level sets none of its own (which is why one add_header in a location drops the rest)."""
    for level in reversed(chain):
        found = _find(level, name)
        if found:
            return found
    return []


def _locations(
    chain: list[list[Directive]], block: list[Directive]
) -> Iterator[tuple[Directive, list[list[Directive]]]]:
    for directive in block:
        if directive.name == "location" and directive.block is not None:
            inner = [*chain, directive.block]
            yield directive, inner
            yield from _locations(inner, directive.block)


def _seconds(value: str) -> float | None:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    match = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", value)
    return int(match.group(1)) * units[match.group(2) or "s"] if match else None


def _bytes(value: str) -> int | None:
    match = re.fullmatch(r"(\d+)([kKmMgG])?", value)
    if not match:
        return None
    scale = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[(match.group(2) or "").lower()]
    return int(match.group(1)) * scale


# --- nginx: the checks ------------------------------------------------------------------------

MOZILLA_INTERMEDIATE_CIPHERS = frozenset(
    {
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
    }
)
TLS_PROTOCOLS = frozenset({"TLSv1.2", "TLSv1.3"})
TLS_CURVES = frozenset({"X25519", "prime256v1", "secp384r1"})
# The slowest a client may be between two reads or writes, in seconds (nginx's default is 60).
MAX_TIMEOUTS = {
    "client_header_timeout": 10,
    "client_body_timeout": 10,
    "send_timeout": 10,
    "keepalive_timeout": 5,
}
# Paths under a static location that must not be served: dotfiles and editor or backup copies.
HIDDEN_PROBES = (".env", ".git/config", ".htpasswd", "app.js~", ".app.js.swp", "app.js.swp")
HIDDEN_PROBES += ("app.js.bak", "app.js.orig")
FETCH_DIRECTIVES = frozenset(
    {
        "child-src",
        "connect-src",
        "font-src",
        "frame-src",
        "img-src",
        "manifest-src",
        "media-src",
        "object-src",
        "script-src",
        "script-src-attr",
        "script-src-elem",
        "style-src",
        "style-src-attr",
        "style-src-elem",
        "worker-src",
    }
)
_HEADERS_FIX = (
    "include the security headers snippet in every location (and keep it as rendered from "
    "security-headers.json): nginx's headers are the ones browsers get"
)


def nginx_sites(root: Path) -> tuple[list[tuple[str, list[Directive]]], list[Finding]]:
    """The nginx site files under deploy/nginx/ (files with ``server`` blocks), parsed, with
    every include of a file in the same folder expanded."""
    folder = root / "deploy" / "nginx"
    files = {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.conf"))}
    sites, findings = [], []
    for name, text in files.items():
        relative = f"deploy/nginx/{name}"
        try:
            directives = parse_nginx(text, relative, includes=files)
        except NginxSyntaxError as exc:
            fix = "fix the syntax (nginx -t shows the same)"
            findings.append(Finding(NGINX_TLS, relative, 0, f"cannot parse: {exc}", fix))
            continue
        if _find(directives, "server"):
            sites.append((relative, directives))
    if not sites and not findings:
        problem = "no nginx site (a file with server blocks) in deploy/nginx/"
        findings.append(Finding(NGINX_TLS, "deploy/nginx", 0, problem, "restore the site file"))
    return sites, findings


def check_nginx(root: Path, app: AppPolicy | None) -> list[Finding]:
    sites, findings = nginx_sites(root)
    for _path, http in sites:
        servers = [d for d in _find(http, "server") if d.block is not None]
        tls = [s for s in servers if any("ssl" in d.args for d in _find(s.block or [], "listen"))]
        default = [
            s
            for s in tls
            if any("default_server" in d.args for d in _find(s.block or [], "listen"))
        ]
        named = [s for s in tls if s not in default]
        findings += _check_tls(http, default, named)
        for server in named:
            chain = [http, server.block or []]
            findings += _check_limits(http, server, chain, app)
            for location, location_chain in _locations(chain, server.block or []):
                if app is not None:
                    findings += _check_location_headers(http, location, location_chain, app)
                findings += _check_location_limits(http, location, location_chain)
                findings += _check_static(location)
    unique: dict[tuple[str, str, int, str], Finding] = {}
    for finding in findings:
        unique.setdefault(
            (finding.protection, finding.path, finding.line, finding.problem), finding
        )
    return list(unique.values())


def _check_tls(
    http: list[Directive], default: list[Directive], named: list[Directive]
) -> list[Finding]:
    findings = []
    if not default and named:
        problem = "no default_server on the TLS port, where nginx takes curves and sessions from"
        fix = "keep the site's default_server (ssl_reject_handshake on, curves, session cache)"
        findings.append(Finding(NGINX_TLS, named[0].path, named[0].line, problem, fix))
    for server in default:
        findings += _check_default_server([http, server.block or []], server)
    for server in [*default, *named]:
        args, at = _setting([http, server.block or []], "ssl_session_tickets", server)
        if args != ["off"]:
            problem = "session tickets are on: their keys never rotate, so no forward secrecy"
            findings.append(Finding(NGINX_TLS, *at, problem, "ssl_session_tickets off;"))
    for server in named:
        # In the server itself: Debian's nginx.conf allows TLS 1.0 and 1.1 in http {}.
        args, at = _setting([server.block or []], "ssl_protocols", server)
        if not args or not set(args) <= TLS_PROTOCOLS:
            extra = " ".join(sorted(set(args or []) - TLS_PROTOCOLS)) or "nginx.conf's defaults"
            problem = f"ssl_protocols allows {extra}"
            findings.append(Finding(NGINX_TLS, *at, problem, "ssl_protocols TLSv1.2 TLSv1.3;"))
        args, at = _setting([http, server.block or []], "ssl_ciphers", server)
        listed = set(args[0].split(":")) if args else set()
        if not listed or not listed <= MOZILLA_INTERMEDIATE_CIPHERS:
            extra = ":".join(sorted(listed - MOZILLA_INTERMEDIATE_CIPHERS)) or "OpenSSL's defaults"
            fix = "ssl_ciphers as Mozilla's intermediate profile lists them (forward-secret AEAD)"
            findings.append(Finding(NGINX_TLS, *at, f"ssl_ciphers allows {extra}", fix))
    return findings


def _check_default_server(chain: list[list[Directive]], server: Directive) -> list[Finding]:
    """What nginx reads from the default server of the TLS port, for every name on it."""
    findings = []
    curves_fix = "ssl_ecdh_curve X25519:prime256v1:secp384r1; in the default server"
    args, at = _setting(chain, "ssl_ecdh_curve", server)
    offered = set(args[0].split(":")) if args else set()
    if not offered or not offered <= TLS_CURVES:
        extra = ":".join(sorted(offered - TLS_CURVES)) or "every curve (secp521r1, X448)"
        problem = f"the default TLS server's ssl_ecdh_curve allows {extra}"
        findings.append(Finding(NGINX_TLS, *at, problem, curves_fix))
    args, at = _setting(chain, "ssl_session_cache", server)
    if not any(arg.startswith("shared:") for arg in args or []):
        problem = "the default TLS server has no shared ssl_session_cache: no session is resumed"
        fix = "ssl_session_cache shared:TLS:10m; in the default server"
        findings.append(Finding(NGINX_TLS, *at, problem, fix))
    args, at = _setting(chain, "ssl_reject_handshake", server)
    if args != ["on"]:
        problem = "the default TLS server completes handshakes for names it does not serve"
        fix = "ssl_reject_handshake on; in the default server"
        findings.append(Finding(NGINX_TLS, *at, problem, fix))
    args, at = _setting(chain, "client_header_timeout", server)
    seconds = _seconds(args[0]) if args else None
    if seconds is None or seconds > MAX_TIMEOUTS["client_header_timeout"]:
        problem = "the default server's client_header_timeout (every name's) is not 10s or less"
        fix = "client_header_timeout 10s; in the default server"
        findings.append(Finding(NGINX_LIMITS, *at, problem, fix))
    return findings


def _setting(
    chain: list[list[Directive]], name: str, owner: Directive
) -> tuple[list[str] | None, tuple[str, int]]:
    """The arguments of the directive in force, and where to point: the directive or its owner."""
    found = _effective(chain, name)
    if not found:
        return None, (owner.path, owner.line)
    return found[-1].args, (found[-1].path, found[-1].line)


def _check_limits(
    http: list[Directive], server: Directive, chain: list[list[Directive]], app: AppPolicy | None
) -> list[Finding]:
    findings = []
    where = (server.path, server.line)
    for name, limit in MAX_TIMEOUTS.items():
        found = _effective(chain, name)
        seconds = _seconds(found[-1].args[0]) if found and found[-1].args else None
        if seconds is None or seconds > limit:
            shown = " ".join(found[-1].args) if found else "not set (nginx waits 60s)"
            at = (found[-1].path, found[-1].line) if found else where
            problem = f"{name} {shown}: slow clients hold connections longer than {limit}s"
            findings.append(Finding(NGINX_LIMITS, *at, problem, f"{name} {limit}s;"))
    body = _effective(chain, "client_max_body_size")
    size = _bytes(body[-1].args[0]) if body and body[-1].args else 1024**2
    if app is not None and app.max_content_length is not None and size != app.max_content_length:
        at = (body[-1].path, body[-1].line) if body else where
        flask = app.max_content_length
        problem = f"client_max_body_size is {size} bytes, Flask's MAX_CONTENT_LENGTH {flask}"
        findings.append(
            Finding(
                NGINX_LIMITS,
                *at,
                problem,
                "make both the same, so both layers refuse the same bodies",
            )
        )
    if not [z for z in _find(http, "limit_req_zone") if z.args[:1] == ["$binary_remote_addr"]]:
        problem = "no per-address rate limit (limit_req_zone $binary_remote_addr ...)"
        findings.append(
            Finding(NGINX_LIMITS, *where, problem, "restore the site's limit_req_zone lines")
        )
    if not [z for z in _find(http, "limit_conn_zone") if z.args[:1] == ["$binary_remote_addr"]]:
        problem = "no per-address connection limit (limit_conn_zone $binary_remote_addr ...)"
        findings.append(
            Finding(NGINX_LIMITS, *where, problem, "restore the site's limit_conn_zone line")
        )
    for name in ("limit_req_status", "limit_conn_status"):
        found = _effective(chain, name)
        if not found or found[-1].args != ["429"]:
            findings.append(Finding(NGINX_LIMITS, *where, f"{name} is not 429", f"{name} 429;"))
    findings += _check_access_log(http, chain, where)
    return findings


def _check_access_log(
    http: list[Directive], chain: list[list[Directive]], where: tuple[str, int]
) -> list[Finding]:
    logs = _effective(chain, "access_log")
    fix = "access_log ... if=$<site>_loggable; with a map $status that gives 429 the value 0"
    if not logs:
        problem = "the access log is nginx.conf's, which writes every rejected request to disk"
        return [Finding(NGINX_LIMITS, *where, problem, fix)]
    if any(log.args == ["off"] for log in logs):
        return []  # "off" cancels every access_log of its level, before or after it
    findings = []
    maps = {d.args[-1]: d for d in _find(http, "map") if d.args and d.block is not None}
    for log in logs:
        condition = next((arg[3:] for arg in log.args if arg.startswith("if=")), None)
        mapped = maps.get(condition or "")
        values = (
            {d.name: d.args[0] if d.args else "" for d in (mapped.block or [])} if mapped else {}
        )
        if mapped is None or mapped.args[0] != "$status" or values.get("429") not in {"0", ""}:
            problem = (
                "429 responses are written to the access log: one flooding client fills the disk"
            )
            findings.append(Finding(NGINX_LIMITS, log.path, log.line, problem, fix))
    return findings


def _check_location_limits(
    http: list[Directive], location: Directive, chain: list[list[Directive]]
) -> list[Finding]:
    if any(d.name in {"return", "deny"} for d in location.block or []):
        return []  # answers at once: nothing to limit
    findings = []
    where = (location.path, location.line)
    path = " ".join(location.args)
    zones = {
        z.args[1].removeprefix("zone=").split(":")[0]
        for z in _find(http, "limit_req_zone")
        if len(z.args) > 1
    }
    used = {
        arg.removeprefix("zone=")
        for d in _effective(chain, "limit_req")
        for arg in d.args
        if arg.startswith("zone=")
    }
    for zone in sorted(zones - used):
        problem = f"location {path} is not rate-limited by zone {zone}"
        findings.append(
            Finding(
                NGINX_LIMITS,
                *where,
                problem,
                f"limit_req zone={zone} ...; in the server (a location's limit_req replaces it)",
            )
        )
    if not _effective(chain, "limit_conn"):
        problem = f"location {path} has no per-address connection limit"
        findings.append(
            Finding(NGINX_LIMITS, *where, problem, "limit_conn <zone> 20; in the server")
        )
    return findings


def _check_static(location: Directive) -> list[Finding]:
    block = location.block or []
    if not _find(block, "alias") and not _find(block, "root"):
        return []
    prefix = location.args[-1] if location.args else "/"
    probes = [prefix.rstrip("/") + "/" + probe for probe in HIDDEN_PROBES]
    guarded = set()
    for nested in _find(block, "location"):
        modifier, *regex = nested.args or [""]
        if modifier not in {"~", "~*"} or not regex:
            continue
        refuses = any(
            (d.name == "deny" and d.args == ["all"])
            or (d.name == "return" and d.args[:1] in (["403"], ["404"]))
            for d in nested.block or []
        )
        if not refuses:
            continue
        flags = re.IGNORECASE if modifier == "~*" else 0
        try:
            pattern = re.compile(regex[0], flags)
        except re.error:
            continue
        guarded |= {probe for probe in probes if pattern.search(probe)}
    served = [probe for probe in probes if probe not in guarded]
    if not served:
        return []
    problem = f"location {prefix} serves dotfiles and backup files ({', '.join(served[:3])}, ...)"
    fix = 'a nested location ~ "(^|/)\\.|~$|\\.(swp|bak|orig)$" { return 404; }'
    return [Finding(NGINX_STATIC, location.path, location.line, problem, fix)]


def _check_location_headers(
    http: list[Directive], location: Directive, chain: list[list[Directive]], app: AppPolicy
) -> list[Finding]:
    added: dict[str, Directive] = {}
    for directive in _effective(chain, "add_header"):
        if directive.args:
            added[directive.args[0].lower()] = directive
    path = " ".join(location.args)
    if not added:
        problem = f"location {path} sends none of the security headers (no include of the snippet)"
        return [Finding(NGINX_HEADERS, location.path, location.line, problem, _HEADERS_FIX)]
    findings = []
    for name, expected in app.headers.items():
        directive = added.get(name.lower())
        if directive is None:
            problem = f"location {path} sends no {name}"
            findings.append(
                Finding(NGINX_HEADERS, location.path, location.line, problem, _HEADERS_FIX)
            )
            continue
        where = (directive.path, directive.line)
        if "always" not in directive.args[2:]:
            problem = f"{name} is not sent on error responses (no `always`)"
            findings.append(Finding(NGINX_HEADERS, *where, problem, _HEADERS_FIX))
        value = directive.args[1] if len(directive.args) > 1 else ""
        for given in _header_values(http, value):
            for weakness in header_weakenings(name, expected, given):
                findings.append(Finding(NGINX_HEADERS, *where, f"{name}: {weakness}", _HEADERS_FIX))
    return findings


def _header_values(http: list[Directive], value: str) -> list[str]:
    """The values an add_header can send: a literal, or each literal a ``map`` gives the variable
    (the upstream's own header, i.e. the app's, needs no comparing)."""
    if not value.startswith("$"):
        return [value]
    mapped = next(
        (d for d in _find(http, "map") if d.args[1:] == [value] and d.block is not None), None
    )
    if mapped is None:
        return [f"(unresolved {value})"]
    values = []
    for entry in mapped.block or []:
        if not entry.args:
            continue  # a parameter of the map (hostnames, volatile), not a value
        result = entry.args[0]
        if result.startswith("$upstream_http_"):
            continue
        values.append(result if not result.startswith("$") else f"(unresolved {result})")
    return values


def header_weakenings(name: str, expected: str, given: str) -> list[str]:
    """How ``given`` (what nginx sends) is weaker than ``expected`` (what the app sends)."""
    lowered = name.lower()
    if given.startswith("(unresolved"):
        return [f"nginx sends {given}, which cannot be compared with the app's policy"]
    if lowered in {"content-security-policy", "content-security-policy-report-only"}:
        return csp_weakenings(expected, given)
    if lowered == "strict-transport-security":
        return _hsts_weakenings(expected, given)
    if lowered == "permissions-policy":
        wanted = _permissions(expected)
        sent = _permissions(given)
        return [
            f"{feature}={sent.get(feature, '(any origin)')}, the app says {allow}"
            for feature, allow in wanted.items()
            if sent.get(feature) not in {allow, "()"}
        ]
    if " ".join(given.split()).lower() != " ".join(expected.split()).lower():
        return [f"nginx sends {given!r}, the app {expected!r}"]
    return []


def csp_weakenings(expected: str, given: str) -> list[str]:
    """Directives of ``given`` that allow more than ``expected`` (nonces of the app aside)."""
    wanted, sent = _csp(expected), _csp(given)
    problems = []
    for directive, sources in wanted.items():
        allowed = {source for source in sources if not _is_nonce(source)}
        if directive in sent:
            offered = sent[directive]
        elif directive in FETCH_DIRECTIVES and "default-src" in sent:
            offered = sent["default-src"]
        else:
            problems.append(f"no {directive} (the app sends {' '.join([directive, *sources])})")
            continue
        if offered == ["'none'"]:
            continue
        extra = [source for source in offered if source not in allowed]
        if extra:
            problems.append(f"{directive} allows {' '.join(extra)}")
    return problems


def _csp(policy: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), words[1:])
    return directives


def _is_nonce(source: str) -> bool:
    return source.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-"))


def _hsts_weakenings(expected: str, given: str) -> list[str]:
    def parse(value: str) -> tuple[int, bool]:
        parts = [part.strip().lower() for part in value.split(";")]
        ages = [int(p.split("=", 1)[1]) for p in parts if re.fullmatch(r"max-age=\d+", p)]
        return (ages[0] if ages else 0), "includesubdomains" in parts

    (want_age, want_sub), (age, sub) = parse(expected), parse(given)
    problems = []
    if age != want_age:
        problems.append(
            f"nginx sends max-age={age}, the app max-age={want_age} (HSTS_MAX_AGE): browsers get "
            "nginx's, so set both to the same value"
        )
    if want_sub and not sub:
        problems.append("includeSubDomains is missing")
    return problems


def _permissions(policy: str) -> dict[str, str]:
    features = {}
    for part in policy.split(","):
        feature, _, allow = part.strip().partition("=")
        if feature:
            features[feature.strip()] = allow.strip()
    return features


# --- systemd ------------------------------------------------------------------------------

SANDBOX_ON = (
    "NoNewPrivileges",
    "ProtectHome",
    "PrivateTmp",
    "PrivateDevices",
    "PrivateUsers",
    "PrivateIPC",
    "PrivateMounts",
    "ProtectKernelTunables",
    "ProtectKernelModules",
    "ProtectKernelLogs",
    "ProtectControlGroups",
    "ProtectClock",
    "ProtectHostname",
    "RestrictNamespaces",
    "RestrictRealtime",
    "RestrictSUIDSGID",
    "LockPersonality",
    "MemoryDenyWriteExecute",
    "RemoveIPC",
)
SANDBOX_EXACT = {
    "ProtectSystem": "strict",
    "ProtectProc": "invisible",
    "ProcSubset": "pid",
    "SystemCallArchitectures": "native",
    "DevicePolicy": "closed",
}
ADDRESS_FAMILIES = frozenset({"AF_UNIX", "AF_INET", "AF_INET6"})
# systemd-analyze security rates exposure 0.0 to 10.0; --threshold takes it times ten.
MAX_EXPOSURE = 1.5
_TRUE = frozenset({"yes", "true", "on", "1"})
# UMask bits that keep group and others out of every file the service creates.
PRIVATE = 0o077


def parse_unit(text: str) -> dict[str, list[tuple[str, int]]]:
    """The [Service] assignments of a unit file: key -> [(value, line)], in order."""
    service: dict[str, list[tuple[str, int]]] = {}
    section = ""
    pending, pending_line = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith(("#", ";"))):
            continue
        if line.endswith("\\"):
            pending, pending_line = pending + line[:-1] + " ", pending_line or number
            continue
        line, start = pending + line, pending_line or number
        pending, pending_line = "", 0
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "Service" and "=" in line:
            key, _, value = line.partition("=")
            service.setdefault(key.strip(), []).append((value.strip(), start))
    return service


def _list_setting(values: list[tuple[str, int]]) -> list[str]:
    """A list setting as systemd builds it: an empty assignment resets it."""
    items: list[str] = []
    for value, _line in values:
        items = [] if not value else [*items, *value.split()]
    return items


def check_unit_text(text: str, path: str) -> list[Finding]:
    """The sandbox directives of a unit, as written (systemd-analyze adds its own rating)."""
    service = parse_unit(text)
    findings = []
    first = min((line for values in service.values() for _, line in values), default=0)

    def last(key: str) -> tuple[str | None, int]:
        values = service.get(key)
        return (values[-1][0], values[-1][1]) if values else (None, first)

    for key in SANDBOX_ON:
        value, line = last(key)
        if value is None or value.lower() not in _TRUE:
            shown = f"{key}={value}" if value is not None else f"{key} is not set"
            findings.append(Finding(SANDBOX, path, line, shown, f"{key}=yes"))
    for key, wanted in SANDBOX_EXACT.items():
        value, line = last(key)
        if value != wanted:
            shown = f"{key}={value}" if value is not None else f"{key} is not set"
            findings.append(Finding(SANDBOX, path, line, shown, f"{key}={wanted}"))
    for key in ("CapabilityBoundingSet", "AmbientCapabilities"):
        values = service.get(key, [])
        granted = _list_setting(values)
        if not values or granted:
            line = values[-1][1] if values else first
            shown = (
                f"{key} grants {' '.join(granted)}"
                if granted
                else f"{key} is not set (all capabilities)"
            )
            findings.append(Finding(SANDBOX, path, line, shown, f"{key}= (empty: no capabilities)"))
    families = _list_setting(service.get("RestrictAddressFamilies", []))
    if not families or families[0].startswith("~") or not set(families) <= ADDRESS_FAMILIES:
        value, line = last("RestrictAddressFamilies")
        problem = f"RestrictAddressFamilies={' '.join(families) or '(any)'}"
        findings.append(
            Finding(
                SANDBOX, path, line, problem, "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"
            )
        )
    if "any" not in _list_setting(service.get("IPAddressDeny", [])):
        value, line = last("IPAddressDeny")
        problem = "IPAddressDeny=any is missing: the service may talk to any host"
        findings.append(
            Finding(
                SANDBOX,
                path,
                line,
                problem,
                "IPAddressDeny=any, with IPAddressAllow= for what it needs",
            )
        )
    filters = _list_setting(service.get("SystemCallFilter", []))
    if "@system-service" not in filters:
        value, line = last("SystemCallFilter")
        findings.append(
            Finding(
                SANDBOX,
                path,
                line,
                "SystemCallFilter does not allow-list @system-service",
                "SystemCallFilter=@system-service",
            )
        )
    umask, line = last("UMask")
    if (
        umask is None
        or not re.fullmatch(r"0?[0-7]{3}", umask)
        or int(umask, 8) & PRIVATE != PRIVATE
    ):
        findings.append(Finding(SANDBOX, path, line, f"UMask={umask}", "UMask=0077"))
    user, line = last("User")
    if user in {None, "", "root", "0"}:
        findings.append(
            Finding(SANDBOX, path, line, f"runs as {user or 'root'}", "User=<the service user>")
        )
    return findings


def check_systemd(root: Path) -> tuple[list[str], list[Finding]]:
    """Every unit under deploy/: its directives, and systemd-analyze's rating when available.
    Returns notes for the report (the exposure seen) and the findings."""
    notes, findings = [], []
    for unit in sorted((root / "deploy").glob("**/*.service")):
        path = unit.relative_to(root).as_posix()
        findings += check_unit_text(unit.read_text(encoding="utf-8"), path)
        exposure = _exposure(unit)
        if exposure is None:
            notes.append(f"{path}: directives (systemd-analyze --offline unavailable)")
        elif exposure > MAX_EXPOSURE:
            problem = (
                f"systemd-analyze security rates the exposure {exposure}, above {MAX_EXPOSURE}"
            )
            findings.append(
                Finding(SANDBOX, path, 0, problem, "restore the unit's sandbox directives")
            )
        else:
            notes.append(f"{path}: exposure {exposure} (systemd-analyze)")
    return notes, findings


def _exposure(unit: Path) -> float | None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        return None
    threshold = f"--threshold={round(MAX_EXPOSURE * 10)}"
    try:
        # A fixed tool on the project's own unit file.
        done = subprocess.run(  # noqa: S603  # nosec B603
            [tool, "security", "--offline=yes", threshold, "--no-pager", str(unit)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", done.stdout)
    return float(match.group(1)) if match else None
