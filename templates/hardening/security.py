"""Request-level protections: proxy headers, CSRF and security headers."""

import functools
import re
from collections.abc import Callable

from flask import Flask, Response
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()

# Endpoints allowed to skip CSRF checks, each with the reason it is safe. Keep it empty unless a
# request can never carry the user's cookies (e.g. a webhook that checks its own signature):
#     "hooks.payment_webhook": "Signed by the provider with HMAC; checked in the view.",
CSRF_EXEMPT: dict[str, str] = {}

CSP_DIRECTIVES = {
    "default-src": "'none'",
    "script-src": "'self'",  # Talisman appends the per-request nonce here
    "style-src": "'self'",
    "img-src": "'self'",
    "connect-src": "'self'",
    "font-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}

PERMISSIONS_POLICY = {
    "camera": "()",
    "geolocation": "()",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
}

CSP_REPORT_PATH = "/csp-report"
# Origins may be added per directive with app.config["CSP_EXTRA_SOURCES"] (e.g. a CDN the pages
# load from: {"script-src": ["https://cdn.example.com"]}); keywords and wildcards are refused.
_ORIGIN = re.compile(r"https://[a-z0-9.-]+(:\d+)?")

# Headers Talisman does not set.
EXTRA_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def init_security(app: Flask) -> None:
    """Install every protection; call after all blueprints are registered."""
    # One nginx in front: trust exactly one hop of each header it sets, and nothing more.
    if app.config.get("CSP_REPORT_ONLY"):
        app.wsgi_app = CspReportSink(app.wsgi_app, app.logger)
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    csrf.init_app(app)
    _relax_in_tests(app, "flask_wtf.csrf", "csrf_protect")
    for endpoint, reason in CSRF_EXEMPT.items():
        if endpoint not in app.view_functions or not reason.strip():
            message = f"CSRF_EXEMPT entry {endpoint!r} needs an existing endpoint and a reason"
            raise ValueError(message)
        csrf.exempt(app.view_functions[endpoint])

    # after_request hooks run in reverse order: registered first, this one sees Talisman's work.
    app.after_request(_finish_headers)
    talisman = Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=True,
        strict_transport_security_max_age=app.config["HSTS_MAX_AGE"],
        strict_transport_security_include_subdomains=True,
        content_security_policy=_csp(app),
        content_security_policy_nonce_in=["script-src"],
        # Report-only only while the page still has inline handlers or style attributes (the
        # retrofit lists each); reports go to the log through csp_report below.
        content_security_policy_report_only=bool(app.config.get("CSP_REPORT_ONLY")),
        content_security_policy_report_uri=CSP_REPORT_PATH
        if app.config.get("CSP_REPORT_ONLY")
        else None,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=PERMISSIONS_POLICY,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        x_content_type_options=True,
    )
    app.extensions["talisman"] = talisman
    _relax_in_tests(app, "flask_talisman.talisman", "_force_https")


def relaxed_for_tests(app: Flask) -> bool:
    """True while the app is in testing mode and has not asked for every protection to stay on."""
    return bool(app.testing and app.config.get("HARDENING_RELAX_IN_TESTS", True))


def _relax_in_tests(app: Flask, module: str, name: str) -> None:
    """Skip one extension's before_request hook while ``relaxed_for_tests(app)``.

    A project's own tests use the plain-HTTP test client and post forms without a token; the
    HTTPS redirect and the CSRF refusal would fail them all. The check runs per request, so
    switching ``app.testing`` on after the app is built works too.
    """
    hooks = app.before_request_funcs.setdefault(None, [])
    for index, hook in enumerate(hooks):
        if getattr(hook, "__module__", None) == module and getattr(hook, "__name__", None) == name:
            hooks[index] = _unless_relaxed(app, hook)


def _unless_relaxed(app: Flask, hook: Callable[[], object]) -> Callable[[], object]:
    @functools.wraps(hook)
    def gated() -> object:
        return None if relaxed_for_tests(app) else hook()

    return gated


class CspReportSink:
    """Logs the reports browsers post to CSP_REPORT_PATH while the policy is report-only.

    A WSGI layer in front of Flask, not a view: browsers send reports without the user's
    CSRF token, and no endpoint has to be exempted for them.
    """

    def __init__(self, wsgi_app: Callable, logger) -> None:
        self.wsgi_app = wsgi_app
        self.logger = logger

    def __call__(self, environ: dict, start_response: Callable):
        if environ.get("PATH_INFO") != CSP_REPORT_PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        try:
            size = min(int(environ.get("CONTENT_LENGTH") or 0), 4096)
        except ValueError:
            size = 0
        body = environ["wsgi.input"].read(size).decode("utf-8", "replace") if size else ""
        self.logger.warning("Content-Security-Policy report: %s", body)
        start_response("204 No Content", [("Content-Length", "0")])
        return [b""]


def _csp(app: Flask) -> dict[str, str]:
    policy = dict(CSP_DIRECTIVES)
    for directive, origins in (app.config.get("CSP_EXTRA_SOURCES") or {}).items():
        bad = [o for o in origins if not _ORIGIN.fullmatch(o)]
        if directive not in policy or bad:
            message = (
                f"CSP_EXTRA_SOURCES[{directive!r}] takes https:// origins of a known directive"
            )
            raise ValueError(message)
        policy[directive] = " ".join([policy[directive], *origins])
    if app.config["FORCE_HTTPS"]:
        # Not over the plain-HTTP dev server, where it would break every same-origin asset.
        policy["upgrade-insecure-requests"] = ""
    return policy


def _finish_headers(response: Response) -> Response:
    response.headers.update(EXTRA_HEADERS)
    # Talisman writes a value-less directive with a trailing space; send the header clean.
    for name in ("Content-Security-Policy", "Content-Security-Policy-Report-Only"):
        csp = response.headers.get(name)
        if csp is not None:
            response.headers[name] = csp.rstrip()
    return response
