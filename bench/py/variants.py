"""The generated app with parts of its security layer switched off, for benchmarks only.

Imported from inside a generated project (the bench copies this file there); the package name
comes from BENCH_PACKAGE. Nothing in the project is edited: the variants replace, before
``create_app`` runs, the two objects ``hardening/security.py`` builds the layer from:

    on        the generated app, unchanged (what wsgi.py serves)
    off       no CSRFProtect and no Talisman: CSRF and security headers both off
    csrf      CSRFProtect only (Talisman off)
    talisman  Talisman only (CSRFProtect off)
    stock     the layer without its speed-ups: Flask-Talisman as shipped (rebuilding every
              header per request), Flask's own session interface (a new signing serializer per
              open and save), Flask-WTF's own generate_csrf (a new serializer per token) and its
              CSRF hook run on every GET; inproc.py checks it sends the same headers as "on".
              The "before" of the speed-ups, measured in the same run.

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
    saved = security.csrf, security.Talisman, {n: getattr(security, n) for n in _stock_parts(security)}
    try:
        if variant in ("off", "talisman"):
            security.csrf = _NoCsrf()
        if variant in ("off", "csrf"):
            security.Talisman = _NoTalisman
        if variant == "stock":
            security.Talisman = flask_talisman.Talisman
            for name, stock in _stock_parts(security).items():
                setattr(security, name, stock)
        return pkg.create_app("production")
    finally:
        security.csrf, security.Talisman = saved[:2]
        for name, ours in saved[2].items():
            setattr(security, name, ours)


def _stock_parts(security) -> dict:
    """The stand-ins that undo each speed-up the module has (older layouts have fewer)."""
    parts = {
        # Flask's own session interface: a new signing serializer per open and per save.
        "_SessionInterface": SecureCookieSessionInterface,
        # Flask-WTF's own generate_csrf stays the templates' csrf_token().
        "_sign_tokens_with_cached_keys": lambda app: None,
        # Flask-WTF's CSRF hook runs for every request, GETs included.
        "_not_checked_for_csrf": lambda app: False,
    }
    return {name: stock for name, stock in parts.items() if hasattr(security, name)}


def __getattr__(name: str):
    # Lazy module attributes for gunicorn: bench_variants:app_off builds only that variant.
    if name.startswith("app_") and name[4:] in VARIANTS:
        app = build(name[4:])
        globals()[name] = app
        return app
    raise AttributeError(name)
