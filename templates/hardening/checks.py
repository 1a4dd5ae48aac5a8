"""The checks behind ``flask security check``: is the production build hardened?

Flask has no ``check --deploy``; this is one. It builds the app exactly as ``wsgi.py`` does
(the production config, whatever ``APP_ENV`` says), asks it how it is configured and how it
answers a few requests, reads the package's source for secrets and ``Markup()``, and reads the
deploy files for debug switches (``deploy_scan.py``). Each check names the protection it
guards and, when it fails, the fix.
"""

import ast
import contextlib
import functools
import re
import runpy
import tomllib
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

from flask import Flask
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import deploy_scan
from .secrets import SecretKeyError, check_strength
from .security import CSRF_EXEMPT, FIXED_HEADERS
from .template_audit import AllowlistError, audit_app

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Flask-WTF refuses a request without a valid token with 400 Bad Request.
CSRF_REFUSED = 400
REDIRECTS = frozenset({301, 302, 303, 307, 308})
UNSAFE_CSP_SOURCES = ("'unsafe-inline'", "'unsafe-eval'")
# How deep load_wsgi_app looks for the Flask app inside WSGI middleware.
MAX_WRAPPERS = 10
SECRET_NAMES = frozenset({"SECRET_KEY", "SECRET_KEY_FALLBACKS", "secret_key"})
TEST_FOLDERS = frozenset({"tests", "test"})
TESTING_MODULE = Path(__file__).resolve().with_name("testing.py")
SKIPPED_FOLDERS = frozenset({".venv", "venv", "site-packages", "node_modules", ".git", ".tox"})


@dataclass(frozen=True)
class Result:
    """One check: its name (the protection it guards), whether it passed, what was seen.

    A warning passes (a fresh project's CI stays green) but says what to do before deploying.
    """

    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False

    @property
    def status(self) -> str:
        if not self.ok:
            return "fail"
        return "warn" if self.warning else "ok"

    def line(self) -> str:
        mark = {"ok": "✓", "warn": "!", "fail": "✗"}[self.status]
        text = f"{mark} {self.name}: {self.detail}"
        return f"{text} — fix: {self.fix}" if self.fix and self.status != "ok" else text

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"status": self.status}


def _ok(name: str, detail: str) -> Result:
    return Result(name, ok=True, detail=detail)


def _fail(name: str, detail: str, fix: str) -> Result:
    return Result(name, ok=False, detail=detail, fix=fix)


def _warn(name: str, detail: str, fix: str) -> Result:
    return Result(name, ok=True, detail=detail, fix=fix, warning=True)


class Verdict(NamedTuple):
    """What an app check found; ``app_check`` adds the check's name."""

    ok: bool
    detail: str
    fix: str = ""


def passed(detail: str) -> Verdict:
    return Verdict(ok=True, detail=detail)


def failed(detail: str, fix: str) -> Verdict:
    return Verdict(ok=False, detail=detail, fix=fix)


def app_check(name: str) -> Callable[[Callable[[Flask], Verdict]], Callable[[Flask], Result]]:
    """Names a check of the built app; a check that crashes fails, saying why."""

    def decorate(check: Callable[[Flask], Verdict]) -> Callable[[Flask], Result]:
        @functools.wraps(check)
        def run(app: Flask) -> Result:
            try:
                verdict = check(app)
            except Exception as exc:  # noqa: BLE001 - a crash is a finding, not the end of the report
                detail = f"the check could not run: {type(exc).__name__}: {exc}"
                return _fail(name, detail, "fix that error; the app fails the same way")
            return Result(name, verdict.ok, verdict.detail, verdict.fix)

        return run

    return decorate


# ---------------------------------------------------------------------------------------------
# The whole project: the production build, the package's source and the deploy files.


def check_project(root: Path, wsgi: str = "wsgi.py") -> list[Result]:
    """Every check, for the project whose ``wsgi.py`` and deploy files are under ``root``."""
    results: list[Result] = []
    policy = None
    try:
        app, wrappers = load_wsgi_app(root / wsgi)
    except SecretKeyError as exc:
        fix = "to check a build, pass a throwaway key: SECRET_KEY=$(flask security gen-secret)"
        results.append(_fail("secret key", f"{wsgi} does not build: {exc}", fix))
    except Exception as exc:  # noqa: BLE001 - any failure to build is the finding
        detail = f"{wsgi} does not build: {type(exc).__name__}: {exc}"
        # create_app refuses FLASK_DEBUG outside development: that is the debug protection.
        name = "debug off" if "FLASK_DEBUG" in str(exc) else "production build"
        results.append(_fail(name, detail, "gunicorn would fail the same way"))
    else:
        if "DebuggedApplication" in wrappers:
            detail = f"{wsgi} serves the app through Werkzeug's DebuggedApplication"
            fix = "serve the Flask app itself: the debugger runs code for any visitor"
            results.append(_fail("debug off", detail, fix))
        results.extend(run_checks(app))
        package = Path(app.root_path)
        code = [path for path in sorted(package.rglob("*.py")) if is_production_code(path, package)]
        results.extend(check_sources(path for path in [root / wsgi, *code] if path.is_file()))
        policy = app_policy(app)
        results.extend(check_domain(app, root))
    results.extend(check_deploy_files(root, policy))
    results.append(check_lock_file(root))
    return results


def load_wsgi_app(path: Path) -> tuple[Flask, list[str]]:
    """The Flask ``app`` that ``wsgi.py`` builds, and the names of the middleware around it."""
    served = runpy.run_path(str(path), run_name="wsgi").get("app")
    wrappers = []
    for _ in range(MAX_WRAPPERS):
        if isinstance(served, Flask):
            return served, wrappers
        if served is None:
            break
        wrappers.append(type(served).__name__)
        served = getattr(served, "app", None) or getattr(served, "application", None)
    message = f"{path.name} defines no Flask `app` gunicorn could serve"
    raise TypeError(message)


# ---------------------------------------------------------------------------------------------
# The app, as built: configuration and behaviour.


def run_checks(app: Flask) -> list[Result]:
    """The checks that ask the built app how it is configured and how it answers."""
    # A check that breaks the app reports the error itself; the app's own log would repeat it.
    disabled, app.logger.disabled = app.logger.disabled, True
    try:
        return [check(app) for check in APP_CHECKS]
    finally:
        app.logger.disabled = disabled


@app_check("debug off")
def check_debug(app: Flask) -> Verdict:
    on = [name for name in ("DEBUG", "TESTING") if app.config.get(name)]
    if app.debug and "DEBUG" not in on:
        on.append("app.debug")
    if on:
        detail = f"{' and '.join(on)} on in the production build"
        fix = "set DEBUG = False and TESTING = False in ProductionConfig (config.py)"
        return failed(detail, fix)
    return passed("DEBUG and TESTING are off in the production build")


@app_check("secret key")
def check_secret_key(app: Flask) -> Verdict:
    fix = "give production a key from `flask security gen-secret` (SECRET_KEY or SECRET_KEY_FILE)"
    keys = [app.config.get("SECRET_KEY"), *(app.config.get("SECRET_KEY_FALLBACKS") or [])]
    if not all(isinstance(key, str) and key for key in keys):
        return failed("SECRET_KEY is not set", fix)
    try:
        for key in keys:
            check_strength(key)
    except SecretKeyError as exc:
        return failed(str(exc), fix)
    return passed("strong and not a placeholder (as given to this check)")


@app_check("session cookie")
def check_session_cookie(app: Flask) -> Verdict:
    config = app.config
    required = (
        (
            'name starts with "__Host-"',
            str(config.get("SESSION_COOKIE_NAME", "")).startswith("__Host-"),
        ),
        ("Secure", config.get("SESSION_COOKIE_SECURE") is True),
        ("HttpOnly", config.get("SESSION_COOKIE_HTTPONLY") is True),
        ("SameSite Lax or Strict", config.get("SESSION_COOKIE_SAMESITE") in {"Lax", "Strict"}),
        ("no Domain", not config.get("SESSION_COOKIE_DOMAIN")),
        ("Path=/", config.get("SESSION_COOKIE_PATH") in {None, "/"}),
    )
    missing = [label for label, good in required if not good]
    if missing:
        fix = 'set SESSION_COOKIE_NAME = "__Host-session", SECURE, HTTPONLY and SAMESITE = "Lax"'
        return failed(f"missing: {', '.join(missing)}", fix)
    samesite = config["SESSION_COOKIE_SAMESITE"]
    detail = f"{config['SESSION_COOKIE_NAME']}; Secure; HttpOnly; SameSite={samesite}"
    return passed(detail)


@app_check("CSRF protection")
def check_csrf(app: Flask) -> Verdict:
    csrf = app.extensions.get("csrf")
    if csrf is None:
        fix = "call csrf.init_app(app) in security.py (CSRFProtect)"
        return failed("CSRFProtect is not installed", fix)
    if not app.config.get("WTF_CSRF_ENABLED", True) or not app.config.get(
        "WTF_CSRF_CHECK_DEFAULT", True
    ):
        fix = "remove WTF_CSRF_ENABLED / WTF_CSRF_CHECK_DEFAULT = False from the config"
        return failed("CSRFProtect is installed but switched off", fix)
    methods = set(app.config.get("WTF_CSRF_METHODS") or ())
    if not methods.issuperset(UNSAFE_METHODS):
        missing = ", ".join(sorted(UNSAFE_METHODS - methods))
        return failed(
            f"WTF_CSRF_METHODS leaves out {missing}",
            "remove WTF_CSRF_METHODS from the config",
        )
    return passed("CSRFProtect checks every POST, PUT, PATCH and DELETE")


@app_check("CSRF exemptions")
def check_csrf_exemptions(app: Flask) -> Verdict:
    csrf = app.extensions.get("csrf")
    if csrf is None:
        return failed("CSRFProtect is not installed", "call csrf.init_app(app) in security.py")
    allowed = {_view_location(app, endpoint) for endpoint in CSRF_EXEMPT}
    fix_list = (
        "remove @csrf.exempt, or add the endpoint to CSRF_EXEMPT in security.py with the reason "
        "it is safe"
    )
    problems = [
        f"{endpoint} has no reason"
        for endpoint, reason in CSRF_EXEMPT.items()
        if not reason.strip()
    ]
    problems += [
        f"{view} is exempt but not in CSRF_EXEMPT" for view in sorted(_exempt_views(csrf) - allowed)
    ]
    problems += [f"blueprint {bp.name} is exempt as a whole" for bp in _exempt_blueprints(csrf)]
    if problems:
        return failed("; ".join(problems), fix_list)
    listed = ", ".join(sorted(CSRF_EXEMPT)) or "none"
    return passed(f"only the allow-list in security.py ({listed})")


@app_check("CSRF on every route")
def check_csrf_routes(app: Flask) -> Verdict:
    client = app.test_client()
    base = _base_url(app, "https")
    answers = {}
    for rule in app.url_map.iter_rules():
        methods = sorted((rule.methods or set()) & UNSAFE_METHODS)
        if not methods or rule.endpoint in CSRF_EXEMPT:
            continue
        url = _sample_url(app, rule)
        for method in methods:
            with _csrf_refusals(app) as refusals:
                code = client.open(url, method=method, base_url=base).status_code
            # Refused only for a CSRF reason: an exempted view may answer 400 itself for the
            # missing form data.
            answers[f"{method} {url}"] = (code, code == CSRF_REFUSED and bool(refusals))
    unprotected = {route: code for route, (code, refused) in answers.items() if not refused}
    if unprotected:
        detail = "answered without a CSRF token: " + ", ".join(
            f"{r} ({c})" for r, c in unprotected.items()
        )
        return failed(
            detail, "remove the exemption (or the before_request hook) that lets it through"
        )
    return passed(f"{len(answers)} state-changing routes refuse a request without a token (400)")


@contextlib.contextmanager
def _csrf_refusals(app: Flask) -> Iterator[list[str]]:
    """The CSRFError reasons ("The CSRF token is missing.") the app answers with in the block.

    Read from the exception on its way to the app's error handlers, so neither a handler of the
    project's own nor a logging set-up that silences Flask-WTF's logger hides a refusal.
    """
    reasons: list[str] = []
    own = vars(app).get("handle_http_exception")
    handle = app.handle_http_exception

    def record(error: HTTPException) -> object:
        if isinstance(error, CSRFError):
            reasons.append(str(error.description))
        return handle(error)

    app.handle_http_exception = record
    try:
        yield reasons
    finally:
        if own is None:
            del app.handle_http_exception  # the class's own method again
        else:
            app.handle_http_exception = own


@app_check("security headers (Talisman)")
def check_talisman(app: Flask) -> Verdict:
    talisman = _find_talisman(app)
    fix = "call Talisman(app, force_https=True, strict_transport_security=True, ...) in security.py"
    if talisman is None:
        return failed("Flask-Talisman is not active", fix)
    problems = []
    if not talisman.force_https:
        problems.append("force_https is off")
    if not talisman.strict_transport_security or not talisman.strict_transport_security_max_age:
        problems.append("HSTS is off")
    client = app.test_client()
    secure = client.get("/", base_url=_base_url(app, "https"))
    hsts = secure.headers.get("Strict-Transport-Security", "")
    if "max-age=" not in hsts or "max-age=0" in hsts.replace(" ", ""):
        problems.append("no Strict-Transport-Security header over https")
    plain = client.get("/", base_url=_base_url(app, "http"))
    location = plain.headers.get("Location", "")
    if plain.status_code not in REDIRECTS or not location.startswith("https://"):
        problems.append(f"plain http is not redirected to https ({plain.status_code})")
    if problems:
        return failed("; ".join(problems), fix)
    return passed(f"active; http redirects to https; Strict-Transport-Security: {hsts}")


@app_check("content security policy")
def check_csp(app: Flask) -> Verdict:
    response = app.test_client().get("/", base_url=_base_url(app, "https"))
    report_only = bool(app.config.get("CSP_REPORT_ONLY"))
    # Report-only while a retrofitted page still has inline handlers (listed for a human):
    # the same policy is judged, and the detail says it is not enforced yet.
    name = "Content-Security-Policy-Report-Only" if report_only else "Content-Security-Policy"
    policy = response.headers.get(name)
    if not policy:
        return failed(
            "no Content-Security-Policy header",
            "set content_security_policy in Talisman (security.py)",
        )
    unsafe = [source for source in UNSAFE_CSP_SOURCES if source in policy]
    if unsafe:
        detail = f"the policy allows {' and '.join(unsafe)}"
        fix = "remove it from CSP_DIRECTIVES in security.py; move inline code to static/ (nonce)"
        return failed(detail, fix)
    if "default-src" not in policy:
        return failed("the policy has no default-src", "keep default-src 'none' in CSP_DIRECTIVES")
    if report_only:
        return passed("report-only (CSP_REPORT_ONLY): no 'unsafe-inline' or 'unsafe-eval'")
    return passed("no 'unsafe-inline' or 'unsafe-eval'; default-src set")


@app_check("no-store on private pages")
def check_no_store(app: Flask) -> Verdict:
    # A page with a CSRF token or the session cookie belongs to one visitor: no cache may keep it.
    base = _base_url(app, "https")
    response = app.test_client().get("/", base_url=base)
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if "Set-Cookie" not in response.headers and field not in response.get_data(as_text=True):
        # This start page holds neither: ask the app for a response that does.
        with app.test_request_context("/", base_url=base):
            generate_csrf()
            response = app.process_response(app.make_response(""))
    cache = response.headers.get("Cache-Control", "")
    if "no-store" not in cache:
        fix = "send Cache-Control: no-store on responses with a token or a cookie (security.py)"
        return failed(f"the start page is sent with Cache-Control: {cache or '(none)'}", fix)
    return passed("pages with a CSRF token or a cookie send Cache-Control: no-store")


@app_check("trusted hosts")
def check_trusted_hosts(app: Flask) -> Verdict:
    hosts = app.config.get("TRUSTED_HOSTS")
    if not hosts or not all(isinstance(host, str) and host for host in hosts):
        fix = "set TRUSTED_HOSTS = [your domain] in ProductionConfig (config.py)"
        return failed("TRUSTED_HOSTS is empty: any Host header is accepted", fix)
    return passed(f"TRUSTED_HOSTS = {list(hosts)}")


@app_check("request size limit")
def check_body_limits(app: Flask) -> Verdict:
    limit = app.config.get("MAX_CONTENT_LENGTH")
    if not isinstance(limit, int) or limit <= 0:
        fix = "set MAX_CONTENT_LENGTH in Config (config.py) to nginx's client_max_body_size"
        return failed("MAX_CONTENT_LENGTH is not set: bodies of any size are read", fix)
    return passed(f"MAX_CONTENT_LENGTH = {limit}")


@app_check("proxy headers (ProxyFix)")
def check_proxy_fix(app: Flask) -> Verdict:
    proxy = _find_proxy_fix(app.wsgi_app)
    fix = "wrap app.wsgi_app in ProxyFix(x_for=1, x_proto=1, x_host=1) in security.py"
    if proxy is None:
        return failed(
            "ProxyFix is not in place: behind nginx every request looks like plain http", fix
        )
    if proxy.x_proto < 1:
        return failed("ProxyFix ignores X-Forwarded-Proto (x_proto=0)", fix)
    return passed(f"ProxyFix(x_for={proxy.x_for}, x_proto={proxy.x_proto}, x_host={proxy.x_host})")


@app_check("templates autoescaped")
def check_templates(app: Flask) -> Verdict:
    try:
        report = audit_app(app)
    except AllowlistError as exc:
        return failed(str(exc), "give every allow-list entry a template, a rule and a reason")
    problems = [str(finding) for finding in report.findings]
    problems += [f"allow-list entry matches nothing: {a.template} {a.rule}" for a in report.unused]
    if problems:
        fix = "remove |safe / Markup / autoescape false, or allow-list it with a reason"
        return failed("; ".join(problems), fix)
    return passed(f"{len(report.templates)} templates, nothing marked safe outside the allow-list")


APP_CHECKS: tuple[Callable[[Flask], Result], ...] = (
    check_debug,
    check_secret_key,
    check_session_cookie,
    check_csrf,
    check_csrf_exemptions,
    check_csrf_routes,
    check_talisman,
    check_csp,
    check_no_store,
    check_trusted_hosts,
    check_body_limits,
    check_proxy_fix,
    check_templates,
)


# ---------------------------------------------------------------------------------------------
# The source: no literal secret key, no Markup() on data.


def check_sources(paths: Iterable[Path]) -> list[Result]:
    secrets_found: list[str] = []
    markup_found: list[str] = []
    for path in paths:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as exc:
            secrets_found.append(f"{path.name}: cannot parse ({exc.msg})")
            continue
        secrets_found += [f"{path.name}:{line}" for line in literal_secret_lines(tree)]
        markup_found += [f"{path.name}:{line}" for line in markup_call_lines(tree)]
    results = []
    if secrets_found:
        detail = "a literal SECRET_KEY in " + ", ".join(secrets_found)
        fix = "delete it (production reads SECRET_KEY or SECRET_KEY_FILE) and rotate the key"
        results.append(_fail("secret key not in code", detail, fix))
    else:
        results.append(
            _ok("secret key not in code", "no literal SECRET_KEY in the package or wsgi.py")
        )
    if markup_found:
        detail = "Markup() on a value that is not a literal in " + ", ".join(markup_found)
        fix = (
            "pass the value to a template and let autoescaping escape it (or markupsafe.escape it)"
        )
        results.append(_fail("templates autoescaped (Markup in code)", detail, fix))
    else:
        results.append(
            _ok("templates autoescaped (Markup in code)", "no Markup() on data in the package")
        )
    return results


def literal_secret_lines(tree: ast.AST) -> Iterator[int]:
    """Lines that give SECRET_KEY (or its fallbacks) a literal value."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if (
                node.value is not None
                and _is_literal(node.value)
                and any(map(_names_secret, targets))
            ):
                yield node.lineno
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in SECRET_NAMES and _is_literal(keyword.value):
                    yield node.lineno
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value in SECRET_NAMES
                    and _is_literal(value)
                ):
                    yield node.lineno


def markup_call_lines(tree: ast.AST) -> Iterator[int]:
    """Lines that call Markup() with anything but a string literal."""
    names = {"Markup"} | {
        alias.asname
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name == "Markup" and alias.asname
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = (
            func.id
            if isinstance(func, ast.Name)
            else func.attr
            if isinstance(func, ast.Attribute)
            else None
        )
        if called not in names:
            continue
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        if any(
            not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)) for arg in arguments
        ):
            yield node.lineno


def _names_secret(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return target.id in SECRET_NAMES
    if isinstance(target, ast.Attribute):
        return target.attr in SECRET_NAMES
    if isinstance(target, ast.Subscript):
        return isinstance(target.slice, ast.Constant) and target.slice.value in SECRET_NAMES
    return False


def _is_literal(value: ast.expr) -> bool:
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str | bytes) and bool(value.value)
    if isinstance(value, ast.JoinedStr):
        return True
    if isinstance(value, ast.List | ast.Tuple):
        return any(_is_literal(element) for element in value.elts)
    return False


# ---------------------------------------------------------------------------------------------
# The deploy files: no debug switch anywhere production reads.


def check_deploy_files(root: Path, policy: deploy_scan.AppPolicy | None = None) -> list[Result]:
    """Debug switches in any deploy file; then gunicorn, nginx and systemd, one line each."""
    name = "debug off in deploy files"
    files, switches = deploy_scan.scan(root)
    if not switches:
        results = [
            _ok(name, f"no debug switch in {', '.join(files) or 'any deploy file (none found)'}")
        ]
    else:
        results = [_fail(name, f"{s.path}:{s.line}: {s.text} ({s.rule})", s.fix) for s in switches]
    notes, findings = deploy_scan.check_systemd(root)
    findings = [
        *deploy_scan.check_gunicorn(root),
        *deploy_scan.check_nginx(root, policy),
        *findings,
    ]
    passed_detail = {
        deploy_scan.WSGI_SERVER: "loopback or unix socket only, trusts loopback, preloads the app",
        deploy_scan.NGINX_HEADERS: (
            "every location sends the app's headers, none weaker"
            if policy is not None
            else "not compared: the app did not build"
        ),
        deploy_scan.NGINX_TLS: "TLS 1.2/1.3, intermediate ciphers; curves and session cache in "
        "the default server",
        deploy_scan.NGINX_LIMITS: "timeouts, per-address rate and connection limits, body size; "
        "429s kept out of the access log",
        deploy_scan.NGINX_STATIC: "dotfiles and backup files refused",
        deploy_scan.SANDBOX: "; ".join(notes) or "no systemd unit in deploy/",
    }
    for protection in deploy_scan.PROTECTIONS:
        mine = [finding for finding in findings if finding.protection == protection]
        if not mine:
            results.append(_ok(protection, passed_detail[protection]))
        results.extend(_fail(protection, str(finding), finding.fix) for finding in mine)
    return results


def app_policy(app: Flask) -> deploy_scan.AppPolicy | None:
    """The headers the production app sends on its start page over https, for nginx to match."""
    try:
        response = app.test_client().get("/", base_url=_base_url(app, "https"))
    except Exception:  # noqa: BLE001 - the app checks report why the page fails
        return None
    names = (
        "Content-Security-Policy",
        # While the app only reports (CSP_REPORT_ONLY), nginx must send the same report-only
        # policy: compared like the enforcing one, so removing or widening it still fails.
        "Content-Security-Policy-Report-Only",
        "Strict-Transport-Security",
        "Permissions-Policy",
        *FIXED_HEADERS,
    )
    headers = {name: response.headers[name] for name in names if name in response.headers}
    limit = app.config.get("MAX_CONTENT_LENGTH")
    return deploy_scan.AppPolicy(headers, limit if isinstance(limit, int) else None)


def check_domain(app: Flask, root: Path) -> list[Result]:
    """A warning, not a failure: a fresh project is generated for localhost on purpose."""
    name = "domain"
    hosts = [str(host) for host in app.config.get("TRUSTED_HOSTS") or []]
    if "localhost" not in hosts:
        return [_ok(name, f"TRUSTED_HOSTS = {hosts}")]
    fix = (
        "set the real domain in ProductionConfig.TRUSTED_HOSTS (config.py), in server_name and "
        "the certificate paths of deploy/nginx/ (deploy/README.md, step 0)"
    )
    return [
        _warn(name, "still localhost: nginx, certbot and TRUSTED_HOSTS fail for a real domain", fix)
    ]


# ---------------------------------------------------------------------------------------------
# The dependencies production installs: pinned, with hashes.

LOCK_FILE = "requirements.lock"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def check_lock_file(root: Path) -> Result:
    """requirements.lock pins every runtime dependency of pyproject.toml with its hashes."""
    name = "dependencies locked"
    fix = "refresh it with the command at the top of requirements.lock (README.md, Dependencies)"
    lock = root / LOCK_FILE
    if not lock.is_file():
        return _fail(
            name, f"{LOCK_FILE} is missing: production would resolve versions at deploy time", fix
        )
    pins, unhashed = _lock_entries(lock.read_text(encoding="utf-8"))
    if unhashed:
        return _fail(name, f"{LOCK_FILE} has entries without --hash: {', '.join(unhashed)}", fix)
    pyproject = root / "pyproject.toml"
    try:
        # A project without pyproject.toml (requirements.txt only) has nothing to compare.
        text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
        project = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return _fail(name, f"pyproject.toml cannot be read: {exc}", "fix pyproject.toml")
    wanted = [
        _requirement_name(spec) for spec in project.get("project", {}).get("dependencies", [])
    ]
    missing = [dependency for dependency in wanted if dependency not in pins]
    if missing:
        return _fail(name, f"{LOCK_FILE} does not pin {', '.join(missing)}", fix)
    return _ok(name, f"{LOCK_FILE} pins {len(pins)} packages with hashes")


def _lock_entries(text: str) -> tuple[dict[str, str], list[str]]:
    # Entries span lines joined by a trailing backslash: "name==1.0 \\n --hash=sha256:...".
    pins, unhashed = {}, []
    for line in text.replace("\\\n", " ").splitlines():
        entry = line.split("#", 1)[0].strip()
        match = _PIN.match(entry)
        if match is None:
            continue
        package = _normalise(match.group(1))
        pins[package] = match.group(2)
        if "--hash=sha256:" not in entry:
            unhashed.append(package)
    return pins, unhashed


def _requirement_name(spec: str) -> str:
    return _normalise(re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0])


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# ---------------------------------------------------------------------------------------------
# Helpers


def is_production_code(path: Path, package: Path) -> bool:
    """Whether ``path``, a module under ``package``, can run in production.

    A module-level app's package is the project folder, which may hold a virtualenv and the
    tests; tests (this package's own among them) set weak keys and DEBUG on purpose.
    """
    relative = path.relative_to(package)
    folders = set(relative.parts[:-1])
    if folders & (SKIPPED_FOLDERS | TEST_FOLDERS) or path == TESTING_MODULE:
        return False
    return not (relative.name.startswith("test_") or relative.name == "conftest.py")


def _base_url(app: Flask, scheme: str) -> str:
    hosts = app.config.get("TRUSTED_HOSTS") or ["localhost"]
    return f"{scheme}://{str(hosts[0]).lstrip('.')}"


def _sample_url(app: Flask, rule: object) -> str:
    converters = getattr(rule, "_converters", {})
    values = {}
    for argument in getattr(rule, "arguments", ()):
        kind = type(converters.get(argument)).__name__
        values[argument] = uuid.UUID(int=1) if kind == "UUIDConverter" else 1
    adapter = app.url_map.bind("localhost", url_scheme="https")
    return adapter.build(getattr(rule, "endpoint", ""), values, force_external=False)


def _view_location(app: Flask, endpoint: str) -> str:
    view = app.view_functions.get(endpoint)
    return f"{view.__module__}.{view.__name__}" if view is not None else endpoint


def _exempt_views(csrf: object) -> set[str]:
    # Flask-WTF keeps exemptions as "module.function" names; there is no public accessor.
    return set(getattr(csrf, "_exempt_views", set()))


def _exempt_blueprints(csrf: object) -> list:
    return list(getattr(csrf, "_exempt_blueprints", ()))


def _find_talisman(app: Flask) -> Talisman | None:
    hooks = [*app.before_request_funcs.get(None, []), *app.after_request_funcs.get(None, [])]
    for hook in hooks:
        owner = getattr(hook, "__self__", None)
        if isinstance(owner, Talisman):
            return owner
    return None


def _find_proxy_fix(wsgi_app: object) -> ProxyFix | None:
    for _ in range(10):
        if isinstance(wsgi_app, ProxyFix):
            return wsgi_app
        wsgi_app = getattr(wsgi_app, "app", None)
        if wsgi_app is None:
            break
    return None
