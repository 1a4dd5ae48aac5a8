"""Request-level protections: proxy headers, CSRF, security headers and caching.

The header policy lives in ``security-headers.json``: this module sends it, the nginx snippet
in deploy/nginx/ is rendered from the same file, and ``flask security check`` compares them.
"""

import functools
import json
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, current_app, g, session
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()

# Endpoints allowed to skip CSRF checks, each with the reason it is safe. Keep it empty unless a
# request can never carry the user's cookies (e.g. a webhook that checks its own signature):
#     "hooks.payment_webhook": "Signed by the provider with HMAC; checked in the view.",
CSRF_EXEMPT: dict[str, str] = {}

POLICY_FILE = Path(__file__).with_name("security-headers.json")
_POLICY = json.loads(POLICY_FILE.read_text(encoding="utf-8"))

# Talisman appends the per-request nonce to script-src.
CSP_DIRECTIVES: dict[str, str] = dict(_POLICY["content_security_policy"])
PERMISSIONS_POLICY: dict[str, str] = dict(_POLICY["permissions_policy"])
# X-Content-Type-Options, X-Frame-Options, Referrer-Policy, COOP and CORP, sent as written.
FIXED_HEADERS: dict[str, str] = dict(_POLICY["headers"])


def init_security(app: Flask) -> None:
    """Install every protection; call after all blueprints are registered."""
    # One nginx in front: trust exactly one hop of each header it sets, and nothing more.
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
        frame_options=FIXED_HEADERS["X-Frame-Options"],
        referrer_policy=FIXED_HEADERS["Referrer-Policy"],
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


def _csp(app: Flask) -> dict[str, str]:
    policy = dict(CSP_DIRECTIVES)
    if app.config["FORCE_HTTPS"]:
        # Not over the plain-HTTP dev server, where it would break every same-origin asset.
        policy["upgrade-insecure-requests"] = ""
    return policy


def _finish_headers(response: Response) -> Response:
    response.headers.update(FIXED_HEADERS)
    if _is_private(response):
        # A page with a CSRF token or a cookie belongs to one visitor: no shared or browser
        # cache may keep it (ASVS 5.0 14.3.2).
        response.headers["Cache-Control"] = "no-store"
    # Talisman writes a value-less directive with a trailing space; send the header clean.
    csp = response.headers.get("Content-Security-Policy")
    if csp is not None:
        response.headers["Content-Security-Policy"] = csp.rstrip()
    return response


def _is_private(response: Response) -> bool:
    # The session cookie is written after every after_request hook, so a changed session is
    # the sign that it will be; the CSRF token is kept in `g` once a template has asked for it.
    token_field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return "Set-Cookie" in response.headers or session.modified or token_field in g
