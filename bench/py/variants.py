"""The generated app with parts of its security layer switched off, for benchmarks only.

Imported from inside a generated project (the bench copies this file there); the package name
comes from BENCH_PACKAGE. Nothing in the project is edited: the variants replace, before
``create_app`` runs, the two objects ``security.py`` builds the layer from:

    on        the generated app, unchanged (what wsgi.py serves)
    off       no CSRFProtect and no Talisman: CSRF and security headers both off
    csrf      CSRFProtect only (Talisman off)
    talisman  Talisman only (CSRFProtect off)
    lean      CSRFProtect, and Talisman replaced by _LeanHeaders below: the same headers
              (inproc.py checks they match), precomputed once instead of rebuilt per request.
              A measured sketch of a proposed reduction, not a drop-in for security.py.

What stays in every variant: ProxyFix (it is how the app learns the scheme and client address
behind nginx, not a protection) and ``_finish_headers`` (two static headers). Templates call
``csrf_token()`` and ``csp_nonce()``; where the extension that provides one is off, the global
is an empty string, as in an app written without that protection.

gunicorn entry points: ``bench_variants:app_on``, ``bench_variants:app_off``, ...
"""

import importlib
import os

import secrets

from flask import redirect, request

VARIANTS = ("on", "off", "csrf", "talisman", "lean")


class _NoCsrf:
    """Stands in for the CSRFProtect instance: registers no check, only an empty token."""

    def init_app(self, app):
        app.jinja_env.globals["csrf_token"] = lambda: ""

    def exempt(self, view):
        return view


class _NoTalisman:
    """Stands in for the Talisman class: no before/after hooks, an empty nonce."""

    def __init__(self, app, **_options):
        app.jinja_env.globals["csp_nonce"] = lambda: ""


class _LeanHeaders:
    """Talisman's behaviour for the options security.py passes, with the work done once.

    Per request: one force-https check, one nonce, one CSP string from a template, and the
    fixed headers added with a single extend (no response of this app sets them before).
    """

    NONCE_LENGTH = 32  # as flask_talisman.talisman.NONCE_LENGTH

    def __init__(self, app, **o):
        self.force_https = o["force_https"]
        nonce_in = set(o.get("content_security_policy_nonce_in") or ())
        parts = []
        for section, content in o["content_security_policy"].items():
            part = f"{section} {content}"
            if section in nonce_in:
                part += " 'nonce-{nonce}'"
            parts.append(part.replace("{", "{{").replace("}", "}}").replace("{{nonce}}", "{nonce}"))
        self.csp_template = "; ".join(parts)
        fixed = []
        if o.get("permissions_policy"):
            fixed.append(("Permissions-Policy", ", ".join(f"{k}={v}" for k, v in o["permissions_policy"].items())))
        if o.get("frame_options"):
            fixed.append(("X-Frame-Options", o["frame_options"]))
        if o.get("x_content_type_options", True):
            fixed.append(("X-Content-Type-Options", "nosniff"))
        self.fixed = fixed
        hsts = f"max-age={o['strict_transport_security_max_age']}"
        if o.get("strict_transport_security_include_subdomains"):
            hsts += "; includeSubDomains"
        self.hsts = ("Strict-Transport-Security", hsts) if o.get("strict_transport_security", True) else None
        self.referrer = ("Referrer-Policy", o["referrer_policy"])
        app.config["SESSION_COOKIE_SECURE"] = o.get("session_cookie_secure", True)
        app.config["SESSION_COOKIE_HTTPONLY"] = o.get("session_cookie_http_only", True)
        app.config["SESSION_COOKIE_SAMESITE"] = o.get("session_cookie_samesite", "Lax")
        app.jinja_env.globals["csp_nonce"] = lambda: getattr(request, "csp_nonce", "")
        self.debug = app.debug
        app.before_request(self._before)
        app.after_request(self._after)

    def _secure(self):
        return request.is_secure or request.headers.get("X-Forwarded-Proto", "http") == "https"

    def _before(self):
        if self.force_https and not (self.debug or self._secure()) and request.url.startswith("http://"):
            return redirect(request.url.replace("http://", "https://", 1), code=302)
        request.csp_nonce = secrets.token_urlsafe(self.NONCE_LENGTH)[: self.NONCE_LENGTH]
        return None

    def _after(self, response):
        headers = self.fixed + [("Content-Security-Policy", self.csp_template.format(nonce=getattr(request, "csp_nonce", "")))]
        if self.hsts and self._secure():
            headers.append(self.hsts)
        headers.append(self.referrer)
        response.headers.extend(headers)
        return response


def build(variant: str, package: str | None = None):
    """The production app of the generated package with the given variant of the layer."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    package = package or os.environ["BENCH_PACKAGE"]
    pkg = importlib.import_module(package)
    security = importlib.import_module(f"{package}.security")
    for name in ("csrf", "Talisman", "init_security"):
        if not hasattr(security, name):
            raise RuntimeError(f"{package}.security has no {name}: update bench/py/variants.py")
    saved = security.csrf, security.Talisman
    try:
        if variant in ("off", "talisman"):
            security.csrf = _NoCsrf()
        if variant in ("off", "csrf"):
            security.Talisman = _NoTalisman
        if variant == "lean":
            security.Talisman = _LeanHeaders
        return pkg.create_app("production")
    finally:
        security.csrf, security.Talisman = saved


def __getattr__(name: str):
    # Lazy module attributes for gunicorn: bench_variants:app_off builds only that variant.
    if name.startswith("app_") and name[4:] in VARIANTS:
        app = build(name[4:])
        globals()[name] = app
        return app
    raise AttributeError(name)
