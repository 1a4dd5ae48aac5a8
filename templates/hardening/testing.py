"""The protection tests, as one pytest module a project runs through a short file of its own.

``tests/test_hardening.py`` (the project's, and all it needs)::

    import pytest

    from mypackage.hardening.testing import *  # noqa: F403 - the protection tests and fixtures


    @pytest.fixture
    def hardening_app():
        return create_app()  # or the module-level `app`: the app as the project builds it

The tests live in ``hardening/tests/`` (one module per protection) and are gathered here, with the
fixtures they share. Each test turns every protection on for the app it gets
(testing mode off, ``HARDENING_RELAX_IN_TESTS = False``, https to the first trusted host), and puts
back what it changed, so an app built once at module level is left as it was found. Tests of the
machinery itself (key sources and rotation, debug refusal, error pages) build throwaway apps
with ``build``.

Optional fixtures a project may override: ``hardening_wsgi`` (the file gunicorn serves,
``wsgi.py``) and ``project_root`` (pytest's rootdir).
"""

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask, session
from flask.testing import FlaskClient

# Before the proofs are imported, so a failing assert there says what it compared.
pytest.register_assert_rewrite(f"{__package__}.tests")

from . import init_app  # noqa: E402 - after the rewrite hook, like the proofs

APP_VARIABLES = (
    "APP_ENV",
    "FLASK_DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "SECRET_KEY_FALLBACKS",
    "SECRET_KEY_FALLBACKS_FILE",
    "CREDENTIALS_DIRECTORY",
)

PROOFS = (
    "config_split",
    "secret_keys",
    "secrets_in_git",
    "csrf",
    "template_safety",
    "headers",
    "error_pages",
    "checks",
    "checks_units",
    "deploy_files",
    "deploy_scan_nginx",
    "deploy_scan_units",
    "security_cli",
)


class HttpsClient(FlaskClient):
    """Sends requests over https to the app's trusted host, as they arrive through nginx."""

    def open(self, *args, **kwargs):
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", base_url(self.application))
        return super().open(*args, **kwargs)


def base_url(app: Flask) -> str:
    hosts = app.config.get("TRUSTED_HOSTS") or ["localhost"]
    return f"https://{str(hosts[0]).lstrip('.')}"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No test sees the developer's shell (or a .env the flask command loaded)."""
    for name in APP_VARIABLES:
        # Set, then delete: monkeypatch then restores the original even when code under test
        # writes os.environ itself (flask's --debug sets FLASK_DEBUG=1), so no value leaks into
        # the project's own tests that run after these.
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


@pytest.fixture
def hardening_app():
    pytest.fail(
        "tests/test_hardening.py must define a `hardening_app` fixture returning the app "
        "(see the docstring of hardening/testing.py)"
    )


@pytest.fixture
def production_app(hardening_app, monkeypatch):
    """The project's app with every protection on, reached over https.

    Its own tests may have switched testing mode on (it is put back after each test).
    """
    monkeypatch.setitem(hardening_app.config, "TESTING", False)
    monkeypatch.setitem(hardening_app.config, "HARDENING_RELAX_IN_TESTS", False)
    monkeypatch.setattr(hardening_app, "test_client_class", HttpsClient)
    return hardening_app


@pytest.fixture
def production_client(production_app):
    return production_app.test_client()


@pytest.fixture
def csrf_headers():
    """Returns a function giving a client a valid CSRF token header and a same-origin Referer."""

    from flask_wtf.csrf import generate_csrf  # noqa: PLC0415 - a retrofit without CSRF lacks it

    def headers_for(client: FlaskClient) -> dict[str, str]:
        app = client.application
        field = app.config["WTF_CSRF_FIELD_NAME"]
        with app.test_request_context(base_url=base_url(app)):
            token = generate_csrf()
            raw = session[field]
        with client.session_transaction(base_url=base_url(app)) as stored:
            stored[field] = raw
        return {"X-CSRFToken": token, "Referer": base_url(app) + "/"}

    return headers_for


@pytest.fixture
def build() -> Callable[[str], Flask]:
    """Builds a throwaway app as a project does (``init_app`` last) for environment ``name``."""

    def make(name: str = "production") -> Flask:
        app = Flask(__name__)
        app.config["APP_ENV"] = name
        init_app(app)
        app.test_client_class = HttpsClient
        return app

    return make


@pytest.fixture
def project_root(request) -> Path:
    return Path(request.config.rootpath)


@pytest.fixture
def hardening_wsgi() -> str:
    return "wsgi.py"


@pytest.fixture
def fresh_project_modules(project_root, monkeypatch) -> None:
    """Lets ``wsgi.py`` build the app anew, as a fresh gunicorn or ``flask`` process would.

    A module-level app (``app = Flask(...)`` in ``app.py``) is built once, when the tests first
    import it; without this, a test that loads ``wsgi.py`` gets that same app back and never sees
    what a new build does. The project's own modules leave ``sys.modules`` for the test and are
    put back afterwards; this package and installed packages stay.
    """
    root = Path(project_root).resolve()
    package = Path(__file__).resolve().parent
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file:
            continue
        path = Path(file).resolve()
        own = path.is_relative_to(root) and "site-packages" not in path.parts
        if own and not path.is_relative_to(package):
            monkeypatch.delitem(sys.modules, name)


def _gather() -> dict[str, object]:
    """The tests and fixtures of every proof module; two with one name would hide one."""
    gathered: dict[str, object] = {}
    origin: dict[str, str] = {}
    for name in PROOFS:
        # A retrofit run with --only adds the proofs of the protections it added, and no others.
        if importlib.util.find_spec(f"{__package__}.tests.{name}") is None:
            continue
        module = importlib.import_module(f".tests.{name}", __package__)
        for attr, value in vars(module).items():
            if not (attr.startswith("test_") or _is_fixture(value)) or value is globals().get(attr):
                continue
            if attr in gathered and gathered[attr] is not value:
                message = f"{attr} is defined in tests/{origin[attr]}.py and tests/{name}.py"
                raise RuntimeError(message)
            gathered[attr], origin[attr] = value, name
    return gathered


def _is_fixture(value: object) -> bool:
    # pytest >= 8.4 wraps fixtures in FixtureFunctionDefinition; older ones mark the function.
    # (Checked on functions only: hasattr on one of Flask's request proxies would raise.)
    if type(value).__name__ == "FixtureFunctionDefinition":
        return True
    return inspect.isfunction(value) and hasattr(value, "_pytestfixturefunction")


globals().update(_gather())
__all__ = [  # what `from ....testing import *` brings into tests/test_hardening.py
    name
    for name, value in sorted(globals().items())
    if name.startswith("test_") or (_is_fixture(value) and not name.startswith("_"))
]
