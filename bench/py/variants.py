"""The generated app with parts of its security layer switched off, for benchmarks only.

Imported from inside a generated project (the bench copies this file there); the package name
comes from BENCH_PACKAGE. Nothing in the project is edited: the variants replace, before
``create_app`` runs, the two objects ``hardening/security.py`` builds the layer from:

    on        the generated app, unchanged (what wsgi.py serves)
    off       no CSRFProtect and no Talisman: CSRF and security headers both off
    csrf      CSRFProtect only (Talisman off)
    talisman  Talisman only (CSRFProtect off)
    stock     the layer as it was before the headers were prebuilt: Flask-Talisman as shipped
              (rebuilding every header per request) and Flask's own session interface (a new
              signing serializer per open and save); inproc.py checks it sends the same
              headers as "on". The "before" of the change, measured in the same run.

What stays in every variant: ProxyFix (it is how the app learns the scheme and client address
behind nginx, not a protection) and ``_finish_headers`` (two static headers). Templates call
``csrf_token()`` and ``csp_nonce()``; where the extension that provides one is off, the global
is an empty string, as in an app written without that protection.

gunicorn entry points: ``bench_variants:app_on``, ``bench_variants:app_off``, ...
"""

import importlib
import os

import flask_talisman
from flask.sessions import SecureCookieSessionInterface

VARIANTS = ("on", "off", "csrf", "talisman", "stock")


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

    def _force_https(self):
        # Named by init_security (it relaxes this hook in tests); never registered here.
        return None


def _security_module(package: str):
    """The module that builds the layer: the hardening package's (since 0.2.0), else the old one."""
    for name in (f"{package}.hardening.security", f"{package}.security"):
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
    raise RuntimeError(f"{package} has neither hardening/security.py nor security.py")


def build(variant: str, package: str | None = None):
    """The production app of the generated package with the given variant of the layer."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    package = package or os.environ["BENCH_PACKAGE"]
    pkg = importlib.import_module(package)
    security = _security_module(package)
    for name in ("csrf", "Talisman", "init_security"):
        if not hasattr(security, name):
            raise RuntimeError(f"{security.__name__} has no {name}: update bench/py/variants.py")
    saved = security.csrf, security.Talisman, getattr(security, "_SessionInterface", None)
    try:
        if variant in ("off", "talisman"):
            security.csrf = _NoCsrf()
        if variant in ("off", "csrf"):
            security.Talisman = _NoTalisman
        if variant == "stock":
            security.Talisman = flask_talisman.Talisman
            if saved[2] is not None:
                security._SessionInterface = SecureCookieSessionInterface
        return pkg.create_app("production")
    finally:
        security.csrf, security.Talisman = saved[:2]
        if saved[2] is not None:
            security._SessionInterface = saved[2]


def __getattr__(name: str):
    # Lazy module attributes for gunicorn: bench_variants:app_off builds only that variant.
    if name.startswith("app_") and name[4:] in VARIANTS:
        app = build(name[4:])
        globals()[name] = app
        return app
    raise AttributeError(name)
