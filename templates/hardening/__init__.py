"""The hardening package: every protection of this Flask app, installed by one call.

    from . import hardening         # or `import hardening`, wherever the folder was dropped
    hardening.init_app(app)         # once, after every blueprint is registered

This folder is owned by the generator (generator-hardened-flask): it is byte-identical in new
and retrofitted projects and replaced on update (your edits are merged, not lost). Nothing in
it names the project; what differs per project comes from the app's config.

The contract of ``init_app(app)``:

- **Environment.** ``app.config["APP_ENV"]``, else the ``APP_ENV`` variable, else "testing"
  while the app is in testing mode or pytest runs (pytest sets ``PYTEST_VERSION``), else
  "production": a missing setting never yields a development build.
- **Debug.** ``FLASK_DEBUG``, ``--debug`` or ``--debugger`` outside development raise
  RuntimeError, before anything else.
- **Secret key.** ``SECRET_KEY``, ``SECRET_KEY_FILE`` or the systemd credential ``secret_key``
  (see secrets.py), else a key the app configured itself; ``SECRET_KEY_FALLBACKS`` likewise.
  Production refuses a missing, weak or placeholder key (SecretKeyError); testing makes a random
  key when none is given.
- **Settings.** Any of ``FLOORS`` still at Flask's default gets the hardened value; a value the
  app chose is kept, and ``flask security check`` judges it. Per-project values are read from
  the config: ``TRUSTED_HOSTS``, ``MAX_CONTENT_LENGTH``, ``HSTS_MAX_AGE`` (two years),
  ``FORCE_HTTPS`` (on outside development).
- **Requests.** ProxyFix (one hop), CSRFProtect on every state-changing request (exemptions
  only from ``security.CSRF_EXEMPT``), Flask-Talisman with a nonce CSP, HSTS, COOP/CORP and
  Permissions-Policy, generic error pages, and the ``flask security`` commands.
- **Tests.** While ``app.testing`` is on, the HTTPS redirect and the CSRF refusal are skipped,
  so a project's own tests (plain-HTTP test client, posts without a token) keep working. Set
  ``HARDENING_RELAX_IN_TESTS = False`` to keep both on; ``testing.py``, the protection tests a
  project runs through ``tests/test_hardening.py``, does that for each test.
"""

import importlib
import os
from collections.abc import Mapping
from datetime import timedelta
from types import ModuleType

import click
from flask import Flask
from flask.helpers import get_debug_flag

from .secrets import SecretKeyError, load_secret_keys


def _part(name: str) -> ModuleType | None:
    """One protection's module of this package, or None when the folder has not got it.

    A new project has every part. ``hardened-flask retrofit --only`` adds only the parts of the
    protections asked for (here: the error pages, CSRF and headers, the ``flask security``
    commands), and a later run adds the rest; ``init_app`` installs what is here.
    """
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise
        return None


_errors = _part("errors")
_security = _part("security")
_cli = _part("cli")
csrf = _security.csrf if _security else None

__all__ = ["ENVIRONMENTS", "SecretKeyError", "csrf", "environment_of", "init_app"]

ENVIRONMENTS = ("development", "testing", "production")
KEY_POLICIES = {"production": "strong", "testing": "ephemeral", "development": "present"}
# The plain-HTTP development server could never send a Secure (or __Host-) cookie back.
_NOT_DEV = frozenset({"production", "testing"})
_ALL = frozenset(ENVIRONMENTS)

# (setting, hardened value, environments): applied where the app left Flask's default.
FLOORS: tuple[tuple[str, object, frozenset[str]], ...] = (
    # "__Host-" makes browsers insist on Secure, Path=/ and no Domain for this cookie.
    ("SESSION_COOKIE_NAME", "__Host-session", _NOT_DEV),
    ("SESSION_COOKIE_SECURE", True, _NOT_DEV),
    ("SESSION_COOKIE_SAMESITE", "Lax", _ALL),
    ("PREFERRED_URL_SCHEME", "https", _NOT_DEV),
    ("PERMANENT_SESSION_LIFETIME", timedelta(hours=1), _ALL),
    # The same as nginx's client_max_body_size, so both layers refuse the same bodies.
    ("MAX_CONTENT_LENGTH", 1024 * 1024, _ALL),
)


def init_app(app: Flask, environ: Mapping[str, str] | None = None) -> None:
    """Install every protection on ``app``; ``environ`` defaults to ``os.environ``."""
    environ = os.environ if environ is None else environ
    name = environment_of(app, environ)
    _refuse_debug_flag(name)
    keys = load_secret_keys(environ, KEY_POLICIES[name], configured=app.config.get("SECRET_KEY"))
    app.config["APP_ENV"] = name
    app.config["SECRET_KEY"] = keys.current
    if keys.fallbacks or not app.config.get("SECRET_KEY_FALLBACKS"):
        app.config["SECRET_KEY_FALLBACKS"] = list(keys.fallbacks)
    apply_floors(app.config, app.default_config, name)
    app.config.setdefault("FORCE_HTTPS", name != "development")
    app.config.setdefault("HSTS_MAX_AGE", 63_072_000)
    app.config.setdefault("HARDENING_RELAX_IN_TESTS", True)
    if _errors:
        _errors.init_errors(app)
    # Last: the CSRF allow-list names endpoints, so every blueprint must be in place.
    if _security:
        _security.init_security(app)
    if _cli:
        app.cli.add_command(_cli.security_cli)


def environment_of(app: Flask, environ: Mapping[str, str]) -> str:
    """The environment ``app`` runs in (see the module docstring); unknown names are refused."""
    name = app.config.get("APP_ENV") or environ.get("APP_ENV", "").strip()
    if not name:
        under_test = app.testing or bool(environ.get("PYTEST_VERSION"))
        name = "testing" if under_test else "production"
    if name not in ENVIRONMENTS:
        message = f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}; got {name!r}"
        raise ValueError(message)
    return name


def apply_floors(config: dict, defaults: Mapping[str, object], name: str) -> None:
    """Give each of FLOORS its hardened value where ``config`` still has Flask's default."""
    for key, value, environments in FLOORS:
        if name in environments and config.get(key) == defaults.get(key):
            config[key] = value
    # Browsers drop a "__Host-" cookie that names a domain or a path: keep Flask's name then.
    scoped = config.get("SESSION_COOKIE_DOMAIN") or config.get("SESSION_COOKIE_PATH") not in {
        None,
        "/",
    }
    if scoped and config.get("SESSION_COOKIE_NAME") == "__Host-session":
        config["SESSION_COOKIE_NAME"] = defaults.get("SESSION_COOKIE_NAME")


def _refuse_debug_flag(name: str) -> None:
    # `flask run --debug`, `flask run --debugger` or FLASK_DEBUG=1 turns the debugger on
    # whatever the config says, and the debugger runs code for anyone who reaches it. Only
    # development may ask for that.
    if name == "development":
        return
    if get_debug_flag():
        message = (
            f"FLASK_DEBUG is set while APP_ENV is {name}. Unset FLASK_DEBUG (and do not "
            "pass --debug) outside development."
        )
        raise RuntimeError(message)
    if _debugger_requested():
        message = (
            f"`flask run --debugger` while APP_ENV is {name}: the Werkzeug debugger "
            "is for development only."
        )
        raise RuntimeError(message)


def _debugger_requested() -> bool:
    # `flask run` builds the app inside its own click context, before it starts the server.
    context = click.get_current_context(silent=True)
    while context is not None:
        if context.info_name == "run" and context.params.get("debugger"):
            return True
        context = context.parent
    return False
