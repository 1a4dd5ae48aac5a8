"""Protection 1: debug is off outside development, and the environment decides the rest.

Also what ``init_app`` promises a project it is dropped into: the environment it picks, the
settings it hardens, and the protections it relaxes for the project's own tests only.
"""

import secrets

import flask.cli
import pytest
import werkzeug.serving
from click.testing import CliRunner
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .. import apply_floors, environment_of, init_app
from ..secrets import SecretKeyError


def test_the_project_runs_without_debug(production_app):
    assert production_app.debug is False
    assert production_app.config["DEBUG"] is False
    assert production_app.config["APP_ENV"] != "development"


@pytest.mark.parametrize("name", ["production", "testing"])
def test_flask_debug_is_refused_outside_development(build, monkeypatch, name):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    with pytest.raises(RuntimeError, match="FLASK_DEBUG"):
        build(name)


@pytest.mark.parametrize("flag", ["--debugger", "--debug"])
# A module-level app was imported (and built) by the tests already: `flask` builds it anew.
@pytest.mark.usefixtures("fresh_project_modules")
def test_flask_run_with_the_debugger_is_refused_in_production(
    monkeypatch, project_root, hardening_wsgi, flag
):
    # `flask run` builds the app, then starts the server: record what it would start instead.
    served = []
    record = lambda *a, **k: served.append(k)  # noqa: E731
    # flask.cli holds its own reference (`from werkzeug import run_simple`): patch both.
    monkeypatch.setattr(werkzeug.serving, "run_simple", record)
    monkeypatch.setattr(flask.cli, "run_simple", record)
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")
    # `flask --debug` writes FLASK_DEBUG=1 into os.environ: recorded here, so it is taken back.
    monkeypatch.setenv("FLASK_DEBUG", "")
    monkeypatch.chdir(project_root)
    module = hardening_wsgi.removesuffix(".py").replace("/", ".")
    args = ["--app", module, *([flag] if flag == "--debug" else []), "run"]
    args += [flag] if flag == "--debugger" else []
    result = CliRunner().invoke(flask.cli.cli, args)
    assert served == [], "the development server started with the debugger outside development"
    assert isinstance(result.exception, RuntimeError)
    assert "development" in str(result.exception)


def test_development_may_use_flask_debug(build, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    assert build("development").debug is True


def test_unknown_app_env_is_refused(build):
    with pytest.raises(ValueError, match="APP_ENV must be one of"):
        build("staging")


@pytest.mark.parametrize(
    ("configured", "environ", "testing", "expected"),
    [
        (None, {}, False, "production"),
        (None, {"APP_ENV": "development"}, False, "development"),
        ("production", {"APP_ENV": "development"}, False, "production"),
        (None, {}, True, "testing"),
        (None, {"PYTEST_VERSION": "8.3.0"}, False, "testing"),
        (None, {"APP_ENV": "production", "PYTEST_VERSION": "8.3.0"}, True, "production"),
    ],
)
def test_the_environment_is_chosen_with_production_as_the_default(
    configured, environ, testing, expected
):
    app = Flask(__name__)
    app.testing = testing
    if configured:
        app.config["APP_ENV"] = configured
    assert environment_of(app, environ) == expected


def test_the_debugger_console_does_not_answer(production_client):
    response = production_client.get("/?__debugger__=yes&cmd=resource&f=style.css")
    assert response.mimetype != "text/css"
    assert b"debugger" not in response.data.lower()


def test_proxy_fix_trusts_one_hop(production_app):
    proxy_fix = production_app.wsgi_app
    assert isinstance(proxy_fix, ProxyFix)
    assert (proxy_fix.x_for, proxy_fix.x_proto, proxy_fix.x_host) == (1, 1, 1)
    assert (proxy_fix.x_port, proxy_fix.x_prefix) == (0, 0)


def test_production_settings_are_hardened(production_app):
    config = production_app.config
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] in {"Lax", "Strict"}
    assert config["PREFERRED_URL_SCHEME"] == "https"
    assert config["FORCE_HTTPS"] is True
    assert config["WTF_CSRF_SSL_STRICT"] is True


def test_settings_left_at_flask_defaults_get_hardened_values():
    app = Flask(__name__)
    apply_floors(app.config, app.default_config, "production")
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert app.permanent_session_lifetime.total_seconds() == 3600


def test_settings_the_app_chose_are_kept():
    app = Flask(__name__)
    app.config.update(SESSION_COOKIE_NAME="shop", MAX_CONTENT_LENGTH=4096)
    apply_floors(app.config, app.default_config, "production")
    assert (app.config["SESSION_COOKIE_NAME"], app.config["MAX_CONTENT_LENGTH"]) == ("shop", 4096)


def test_a_cookie_with_a_domain_keeps_its_name():
    app = Flask(__name__)
    app.config["SESSION_COOKIE_DOMAIN"] = "example.org"
    apply_floors(app.config, app.default_config, "production")
    assert app.config["SESSION_COOKIE_NAME"] == "session"


def test_development_keeps_a_cookie_the_dev_server_can_send():
    app = Flask(__name__)
    apply_floors(app.config, app.default_config, "development")
    assert app.config["SESSION_COOKIE_NAME"] == "session"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_a_key_the_app_configured_is_used_and_judged():
    weak = Flask(__name__)
    weak.config.update(APP_ENV="production", SECRET_KEY="dev")
    with pytest.raises(SecretKeyError, match="too short"):
        init_app(weak, {})
    strong = Flask(__name__)
    key = secrets.token_hex(32)
    strong.config.update(APP_ENV="production", SECRET_KEY=key)
    init_app(strong, {})
    assert strong.secret_key == key


def _testing_app() -> Flask:
    app = Flask(__name__)

    @app.post("/")
    def submit():
        return "saved"

    init_app(app, {"PYTEST_VERSION": "8"})
    # The way many projects do it: switched on after the app is built.
    app.testing = True
    return app


def test_the_projects_own_tests_are_not_refused_while_testing():
    client = _testing_app().test_client()
    response = client.post("/", base_url="http://localhost")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "saved")


def test_protections_stay_on_in_tests_that_ask_for_them():
    app = _testing_app()
    app.config["HARDENING_RELAX_IN_TESTS"] = False
    plain = app.test_client().get("/", base_url="http://localhost")
    assert plain.status_code == 302
    assert plain.headers["Location"].startswith("https://")
    assert app.test_client().post("/", base_url="https://localhost").status_code == 400


def test_nothing_is_relaxed_outside_testing(build):
    app = build("testing")
    assert app.testing is False
    assert app.test_client().get("/", base_url="http://localhost").status_code == 302
