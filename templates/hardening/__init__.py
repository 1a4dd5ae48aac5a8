"""The six protections for a Flask app, installed by one call: ``hardening.init_app(app)``.

Generator-owned (``hardened-flask update`` replaces it): change behaviour through the keyword
arguments of ``init_app`` or the ``HARDENING_*`` config keys, not by editing this file.

It works however the app is built (factory or module level) and however its tests run: the
decisions that depend on ``app.testing`` or ``app.debug`` are taken per request, so a suite
that sets ``app.testing = True`` after import, or uses the plain-HTTP test client, still works.
"""

import math
import os
import secrets
import string
from collections.abc import Iterable, Mapping
from pathlib import Path

from flask import Flask, Response, current_app, redirect, request
from flask.sessions import SecureCookieSessionInterface
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

ENVIRONMENTS = ("development", "testing", "production")

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

EXTRA_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

HSTS_MAX_AGE = 63072000
MIN_KEY_BITS = 256
_PLACEHOLDERS = (
    "change",
    "replace",
    "example",
    "placeholder",
    "secret",
    "password",
    "dummy",
    "default",
    "your",
    "dev",
)
_HEX = frozenset(string.hexdigits)
_BASE64 = frozenset(string.ascii_letters + string.digits + "+/-_=")


class HardeningError(RuntimeError):
    """A protection cannot be switched on as configured (bad key, debug outside development)."""


class _SessionInterface(SecureCookieSessionInterface):
    # Secure cookies are not sent back over plain HTTP, which is how test clients talk.
    def get_cookie_secure(self, app: Flask) -> bool:
        if app.testing or app.debug:
            return (
                bool(app.config.get("SESSION_COOKIE_SECURE", False)) and not app.testing
            )
        return True


csrf = CSRFProtect()
_protect = csrf.protect


def _protect_unless_testing(*args, **kwargs):
    """CSRFProtect's check, except for a test suite (``app.testing``) posting without tokens.

    ``HARDENING_CSRF_IN_TESTS = True`` turns the check back on for tests: the route sweep in
    ``hardening.testing`` does that. Production refuses TESTING (see production_ready).
    """
    app = current_app
    if app.testing and not app.config.get("HARDENING_CSRF_IN_TESTS", False):
        return None
    return _protect(*args, **kwargs)


csrf.protect = _protect_unless_testing


def environment() -> str:
    """``APP_ENV`` (development, testing or production); production when unset."""
    value = os.environ.get("APP_ENV", "").strip().lower() or "production"
    if value not in ENVIRONMENTS:
        message = f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {value!r}."
        raise HardeningError(message)
    return value


def init_app(
    app: Flask,
    *,
    csp_sources: Mapping[str, Iterable[str]] | None = None,
    csp_report_only: bool = False,
    csrf_exempt: Mapping[str, str] | None = None,
) -> Flask:
    """Install every protection on ``app`` and return it.

    ``csp_sources`` widens the Content-Security-Policy with the origins the app really loads
    (e.g. ``{"script-src": ["https://cdn.example.com"]}``); ``csp_report_only`` sends the policy
    as report-only until the blockers listed by the retrofit summary are fixed; ``csrf_exempt``
    maps endpoints to the reason they may skip CSRF checks.
    """
    env = environment()
    _refuse_debug(app, env)
    _load_keys(app, env)
    app.config.setdefault("APP_ENV", env)

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.session_interface = _SessionInterface()
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")

    csrf.init_app(app)
    exempt = dict(csrf_exempt or {})
    for endpoint, reason in exempt.items():
        if not str(reason).strip():
            message = f"csrf_exempt entry {endpoint!r} needs a reason"
            raise HardeningError(message)
    app.config["HARDENING_CSRF_EXEMPT"] = exempt

    @app.before_request
    def _exempt_listed():
        # Endpoints may be registered after init_app (views imported at the end of the module),
        # so the allow-list is applied when requests arrive.
        for endpoint in exempt:
            if endpoint in app.view_functions:
                csrf.exempt(app.view_functions[endpoint])

    app.before_request(_https_only)
    app.after_request(_finish_headers)
    policy = dict(CSP_DIRECTIVES)
    for directive, origins in (csp_sources or {}).items():
        policy[directive] = " ".join([policy.get(directive, "'self'"), *origins])
    report_uri = None
    if csp_report_only:
        # Report-only needs somewhere to send reports: they land in the app's log, so the
        # blockers the retrofit listed can be watched while they are being fixed.
        report_uri = "/csp-report"
        app.add_url_rule(
            report_uri, "hardening_csp_report", _csp_report, methods=["POST"]
        )
        exempt["hardening_csp_report"] = (
            "Browsers send CSP reports without cookies or tokens; the view only logs."
        )
    talisman = Talisman(
        app,
        force_https=False,  # done by _https_only, which spares test clients and development
        strict_transport_security=True,
        strict_transport_security_max_age=HSTS_MAX_AGE,
        strict_transport_security_include_subdomains=True,
        content_security_policy=policy,
        content_security_policy_nonce_in=["script-src"],
        content_security_policy_report_only=csp_report_only,
        content_security_policy_report_uri=report_uri,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=PERMISSIONS_POLICY,
        session_cookie_secure=False,  # decided per request by _SessionInterface
        session_cookie_http_only=True,
        x_content_type_options=True,
    )
    app.extensions["hardening"] = {
        "talisman": talisman,
        "csp": policy,
        "report_only": csp_report_only,
    }
    return app


def _csp_report() -> tuple[str, int]:
    body = request.get_data(cache=False, as_text=True)[:4096]
    current_app.logger.warning("Content-Security-Policy report: %s", body)
    return "", 204


def _refuse_debug(app: Flask, env: str) -> None:
    # FLASK_DEBUG or --debug turn the debugger on whatever the code says; it runs code for
    # anyone who reaches it. Only development may ask for it.
    flag = os.environ.get("FLASK_DEBUG", "").strip().lower() in (
        "1",
        "true",
        "yes",
        "on",
    )
    if env != "development" and (flag or app.debug):
        message = f"Debug mode is on while APP_ENV is {env}: unset FLASK_DEBUG and debug=True outside development."
        raise HardeningError(message)


def _https_only() -> Response | None:
    app = current_app
    if app.testing or app.debug or environment() != "production" or request.is_secure:
        return None
    return redirect(request.url.replace("http://", "https://", 1), code=308)


def _finish_headers(response: Response) -> Response:
    response.headers.update(EXTRA_HEADERS)
    for name in ("Content-Security-Policy", "Content-Security-Policy-Report-Only"):
        if name in response.headers:
            response.headers[name] = response.headers[name].rstrip()
    if "Set-Cookie" in response.headers or request.method != "GET":
        response.headers["Cache-Control"] = "no-store"
    return response


def _load_keys(app: Flask, env: str) -> None:
    """Take SECRET_KEY (and SECRET_KEY_FALLBACKS) from the environment, a file or a credential.

    A key the app already holds is kept in development and testing (test configs set one);
    production accepts only a strong key from outside the code.
    """
    key = read_secret("SECRET_KEY", "secret_key")
    fallbacks = [
        part.strip()
        for part in (
            read_secret("SECRET_KEY_FALLBACKS", "secret_key_fallbacks") or ""
        ).split(",")
        if part.strip()
    ]
    if key is None:
        key = app.config.get("SECRET_KEY") or None
    if key is None:
        if env == "production" and not app.testing:
            # Refused at the first request and by production_ready(), not at import, so a test
            # suite that turns on app.testing after importing the app still runs.
            app.config["HARDENING_KEY_MISSING"] = True
        key = secrets.token_hex(32)
    elif env == "production" and not app.testing:
        check_strength(key)
        for fallback in fallbacks:
            check_strength(fallback, "SECRET_KEY_FALLBACKS entry")
    app.config["SECRET_KEY"] = key
    app.config["SECRET_KEY_FALLBACKS"] = fallbacks

    @app.before_request
    def _refuse_missing_key():
        if not app.config.get("HARDENING_KEY_MISSING") or app.testing:
            return
        # The environment may have gained the key since import (a test fixture, a late export).
        late = read_secret("SECRET_KEY", "secret_key")
        if late is None:
            message = "SECRET_KEY is not set: set SECRET_KEY, SECRET_KEY_FILE or the systemd credential secret_key."
            raise HardeningError(message)
        check_strength(late)
        app.config["SECRET_KEY"] = late
        app.config["HARDENING_KEY_MISSING"] = False


def production_ready(app: Flask) -> Flask:
    """Raise unless ``app`` may serve production traffic; wsgi.py calls it at start-up."""
    if app.config.get("HARDENING_KEY_MISSING"):
        message = "SECRET_KEY is not set: set SECRET_KEY, SECRET_KEY_FILE or the systemd credential secret_key."
        raise HardeningError(message)
    if app.debug or app.testing:
        message = "DEBUG or TESTING is on in the production entry point."
        raise HardeningError(message)
    if "hardening" not in app.extensions:
        message = "hardening.init_app(app) was not called."
        raise HardeningError(message)
    return app


def read_secret(name: str, credential: str) -> str | None:
    """The value of ``name``, of the file ``name``_FILE, or of the systemd credential."""
    value = os.environ.get(name, "").strip()
    path = os.environ.get(f"{name}_FILE", "").strip()
    if value and path:
        message = f"Set either {name} or {name}_FILE, not both."
        raise HardeningError(message)
    if value:
        return value
    candidates = [Path(path)] if path else []
    credentials = os.environ.get("CREDENTIALS_DIRECTORY", "").strip()
    if credentials:
        candidates.append(Path(credentials) / credential)
    for candidate in candidates:
        try:
            text = candidate.read_text(encoding="utf-8").strip()
        except OSError as exc:
            if candidate.is_file() or path:
                message = f"{candidate} cannot be read: {exc.strerror or exc}."
                raise HardeningError(message) from None
            continue
        return text or None
    return None


def check_strength(key: str, label: str = "SECRET_KEY") -> None:
    """Raise HardeningError unless ``key`` looks like at least 32 random bytes."""
    if any(word in key.lower() for word in _PLACEHOLDERS):
        message = f"{label} is a placeholder; create one with: python -c 'import secrets; print(secrets.token_hex(32))'"
        raise HardeningError(message)
    chars = set(key)
    alphabet = 16 if chars <= _HEX else 64 if chars <= _BASE64 else 95
    if len(key) * math.log2(alphabet) < MIN_KEY_BITS or len(chars) < 8:
        message = f"{label} is too short or too regular: it needs 32 random bytes (64 hex characters)."
        raise HardeningError(message)
