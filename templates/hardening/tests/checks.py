"""`flask security check`: the production build passes, and each check fails without its protection.

The check is what CI runs to catch a protection switched off after the fact, so each test here
switches one off and expects the check that guards it, by name, to fail.
"""

import ast
import json
import logging
import secrets

import pytest
from click.testing import CliRunner
from flask import Blueprint, Flask, request

from .. import checks, deploy_scan
from ..checks import (
    Result,
    app_policy,
    check_body_limits,
    check_csp,
    check_csrf,
    check_csrf_exemptions,
    check_csrf_routes,
    check_debug,
    check_deploy_files,
    check_domain,
    check_lock_file,
    check_project,
    check_proxy_fix,
    check_secret_key,
    check_session_cookie,
    check_sources,
    check_talisman,
    check_trusted_hosts,
    is_production_code,
    literal_secret_lines,
    load_wsgi_app,
    markup_call_lines,
    run_checks,
)
from ..cli import security_cli
from ..security import csrf
from .csrf import first_unsafe_url


def failed(results):
    return [result.name for result in results if not result.ok]


@pytest.fixture
def throwaway_key(monkeypatch):
    # What gunicorn gets in production: a key, and no say in the environment.
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("APP_ENV", "production")


@pytest.mark.usefixtures("throwaway_key")
def test_the_project_passes_every_check(project_root, hardening_wsgi):
    results = check_project(project_root, hardening_wsgi)
    assert [result.line() for result in results if not result.ok] == []
    assert {
        "debug off",
        "secret key",
        "secret key not in code",
        "session cookie",
        "CSRF protection",
        "CSRF exemptions",
        "CSRF on every route",
        "security headers (Talisman)",
        "content security policy",
        "trusted hosts",
        "request size limit",
        "proxy headers (ProxyFix)",
        "templates autoescaped",
        "templates autoescaped (Markup in code)",
        "debug off in deploy files",
        "production WSGI server (gunicorn.conf.py)",
        "security headers (nginx)",
        "TLS (nginx)",
        "request limits (nginx)",
        "static files (nginx)",
        "sandbox (systemd)",
        "dependencies locked",
    } <= {result.name for result in results}


@pytest.mark.usefixtures("fresh_project_modules")
def test_a_build_that_fails_is_reported_with_its_reason(project_root, hardening_wsgi, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    results = check_project(project_root, hardening_wsgi)  # no SECRET_KEY: production refuses
    assert failed(results) == ["secret key"]
    assert "SECRET_KEY is not set" in results[0].detail
    assert "flask security gen-secret" in results[0].fix


def test_the_production_app_passes_every_app_check(production_app):
    assert [result.line() for result in run_checks(production_app) if not result.ok] == []


def test_debug_on_fails(production_app, monkeypatch):
    monkeypatch.setitem(production_app.config, "DEBUG", True)
    result = check_debug(production_app)
    assert not result.ok
    assert "ProductionConfig" in result.fix


def test_a_placeholder_key_fails(production_app, monkeypatch):
    monkeypatch.setitem(
        production_app.config, "SECRET_KEY", "replace-me-with-flask-security-gen-secret"
    )
    result = check_secret_key(production_app)
    # The passing detail ("strong and not a placeholder") names the word too: judge the verdict.
    assert not result.ok
    assert "SECRET_KEY is a placeholder" in result.detail


def test_a_cookie_without_the_host_prefix_fails(production_app, monkeypatch):
    monkeypatch.setitem(production_app.config, "SESSION_COOKIE_NAME", "session")
    monkeypatch.setitem(production_app.config, "SESSION_COOKIE_SECURE", False)
    result = check_session_cookie(production_app)
    assert result.detail == 'missing: name starts with "__Host-", Secure'


def test_csrf_switched_off_fails(production_app, monkeypatch):
    monkeypatch.setitem(production_app.config, "WTF_CSRF_ENABLED", False)
    assert not check_csrf(production_app).ok
    assert not check_csrf_routes(production_app).ok


def test_an_app_without_csrfprotect_fails():
    assert check_csrf(Flask(__name__)).detail == "CSRFProtect is not installed"


@pytest.fixture
def exempt_view(production_app):
    url = first_unsafe_url(production_app)
    endpoint, _ = production_app.url_map.bind("localhost").match(url, method="POST")
    function = production_app.view_functions[endpoint]
    view = f"{function.__module__}.{function.__name__}"
    csrf.exempt(view)
    yield view, url
    # Flask-WTF has no public way to take an exemption back.
    csrf._exempt_views.discard(view)


def test_an_exemption_outside_the_allow_list_fails(production_app, exempt_view):
    view, url = exempt_view
    result = check_csrf_exemptions(production_app)
    assert result.detail == f"{view} is exempt but not in CSRF_EXEMPT"
    assert f"POST {url} (" in check_csrf_routes(production_app).detail


def test_a_400_for_another_reason_is_no_csrf_refusal(build, monkeypatch):
    # An exempted view that 400s on a missing field looks refused when only the status counts.
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    app = build("production")

    @app.post("/upload")
    def upload():
        return request.form["file_id"]  # missing: 400 Bad Request, from the view

    csrf.exempt(upload)
    try:
        result = check_csrf_routes(app)
    finally:
        csrf._exempt_views.discard(f"{upload.__module__}.{upload.__name__}")
    assert result.detail == "answered without a CSRF token: POST /upload (400)"


def test_the_route_sweep_sees_refusals_whatever_the_logging_set_up(production_app, monkeypatch):
    # dictConfig disables loggers that exist already (its default): Flask-WTF's among them.
    monkeypatch.setattr(logging.getLogger("flask_wtf.csrf"), "disabled", True)
    assert check_csrf_routes(production_app).ok


def test_an_app_without_talisman_fails():
    assert check_talisman(Flask(__name__)).detail == "Flask-Talisman is not active"


def test_talisman_without_force_https_fails(production_app, monkeypatch):
    monkeypatch.setattr(production_app.extensions["talisman"], "force_https", False)
    detail = check_talisman(production_app).detail
    assert "force_https is off" in detail
    assert "plain http is not redirected to https" in detail


def test_unsafe_inline_in_the_csp_fails(production_app, monkeypatch):
    policy = production_app.extensions["talisman"].content_security_policy
    monkeypatch.setitem(policy, "style-src", policy["style-src"] + " 'unsafe-inline'")
    assert check_csp(production_app).detail == "the policy allows 'unsafe-inline'"


def test_empty_trusted_hosts_fail(production_app, monkeypatch):
    monkeypatch.setitem(production_app.config, "TRUSTED_HOSTS", [])
    assert not check_trusted_hosts(production_app).ok


def test_no_body_limit_fails(production_app, monkeypatch):
    monkeypatch.setitem(production_app.config, "MAX_CONTENT_LENGTH", None)
    assert not check_body_limits(production_app).ok


def test_a_missing_proxy_fix_fails(production_app, monkeypatch):
    monkeypatch.setattr(production_app, "wsgi_app", production_app.wsgi_app.app)
    assert not check_proxy_fix(production_app).ok


@pytest.mark.parametrize(
    "source",
    [
        'SECRET_KEY = "abc"',
        'SECRET_KEY: str = "abc"',
        'app.config["SECRET_KEY"] = "abc"',
        'app.secret_key = b"abc"',
        'app.config.update(SECRET_KEY="abc")',
        'settings = {"SECRET_KEY": "abc"}',
        'SECRET_KEY_FALLBACKS = ["abc"]',
        'SECRET_KEY = f"abc{1}"',
    ],
)
def test_a_literal_secret_key_is_found(source):
    assert list(literal_secret_lines(ast.parse(source))) == [1]


@pytest.mark.parametrize(
    "source",
    [
        'SECRET_KEY = os.environ["SECRET_KEY"]',
        "SECRET_KEY = None",
        'SECRET_KEY_POLICY = "strong"',
        "app.config.from_mapping(SECRET_KEY=keys.current)",
    ],
)
def test_a_key_from_elsewhere_is_not_a_literal(source):
    assert list(literal_secret_lines(ast.parse(source))) == []


@pytest.mark.parametrize(
    "source",
    [
        'Markup(request.args["q"])',
        "markupsafe.Markup(name)",
        'Markup(f"<b>{name}</b>")',
        "from markupsafe import Markup as M\nM(name)",
    ],
)
def test_markup_on_data_is_found(source):
    assert list(markup_call_lines(ast.parse(source))) == [source.count("\n") + 1]


def test_markup_on_a_literal_is_fine():
    assert list(markup_call_lines(ast.parse('Markup("<b>fixed</b>")'))) == []


def test_a_debug_switch_in_a_deploy_file_fails(tmp_path):
    (tmp_path / "gunicorn.conf.py").write_text('bind = "127.0.0.1:8000"\nreload = True\n')
    [result] = [r for r in check_deploy_files(tmp_path) if r.name == "debug off in deploy files"]
    assert not result.ok
    assert result.detail == "gunicorn.conf.py:2: reload = True (reload)"


@pytest.mark.usefixtures("throwaway_key")
def test_localhost_is_a_warning_not_a_failure(production_app, project_root, monkeypatch):
    monkeypatch.setitem(production_app.config, "TRUSTED_HOSTS", ["localhost"])
    [domain] = check_domain(production_app, project_root)
    assert domain.ok
    assert domain.status == "warn"
    assert domain.line().startswith("! domain: still localhost")


def test_the_lock_file_must_pin_with_hashes(tmp_path, project_root):
    lock_file = project_root / "requirements.lock"
    if not lock_file.is_file():
        pytest.fail("the project has no requirements.lock (pip-compile --generate-hashes)")
    if (project_root / "pyproject.toml").is_file():
        (tmp_path / "pyproject.toml").write_text(
            (project_root / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    assert "missing" in check_lock_file(tmp_path).detail
    lock = lock_file.read_text(encoding="utf-8")
    (tmp_path / "requirements.lock").write_text(lock, encoding="utf-8")
    assert check_lock_file(tmp_path).ok
    unhashed = "\n".join(line for line in lock.splitlines() if "--hash" not in line)
    (tmp_path / "requirements.lock").write_text(unhashed.replace(" \\", ""), encoding="utf-8")
    assert "without --hash" in check_lock_file(tmp_path).detail


@pytest.mark.usefixtures("throwaway_key")
def test_the_command_prints_one_line_per_check_and_json(project_root, hardening_wsgi):
    runner = CliRunner()
    where = ["--project", str(project_root), "--wsgi", hardening_wsgi]
    text = runner.invoke(security_cli, ["check", *where])
    assert text.exit_code == 0, text.output
    *checks, summary = text.output.splitlines()
    assert checks, "no check ran"  # all() of nothing would pass
    # "!" is a warning (the domain of a project generated for localhost), never a failure.
    assert [line for line in checks if not line.startswith(("✓ ", "! "))] == []
    assert summary.endswith(" passed, 0 failed")

    machine = runner.invoke(security_cli, ["check", "--json", *where])
    payload = json.loads(machine.output)
    assert payload["ok"] is True
    assert {"name", "ok", "status", "detail", "fix"} <= set(payload["checks"][0])


@pytest.mark.usefixtures("throwaway_key")
def test_the_command_exits_1_and_names_the_fix(tmp_path):
    (tmp_path / "wsgi.py").write_text(
        "from flask import Flask\n\napp = Flask(__name__)\n", encoding="utf-8"
    )
    result = CliRunner().invoke(security_cli, ["check", "--project", str(tmp_path)])
    assert result.exit_code == 1
    assert "✗ CSRF protection: CSRFProtect is not installed — fix: " in result.output


@pytest.mark.usefixtures("throwaway_key")
def test_the_debugger_wrapped_around_the_app_fails(tmp_path):
    (tmp_path / "wsgi.py").write_text(
        "from flask import Flask\n"
        "from werkzeug.debug import DebuggedApplication\n\n"
        "app = DebuggedApplication(Flask(__name__), evalex=True)\n",
        encoding="utf-8",
    )
    results = check_project(tmp_path)
    debug = [result.detail for result in results if result.name.startswith("debug off")]
    assert "wsgi.py serves the app through Werkzeug's DebuggedApplication" in debug
    assert any("(DebuggedApplication)" in detail for detail in debug)


def test_a_result_line_shows_the_fix_only_when_something_is_wrong():
    assert Result("n", ok=True, detail="d", fix="f").line() == "✓ n: d"
    assert Result("n", ok=True, detail="d", fix="f", warning=True).line() == "! n: d — fix: f"
    assert Result("n", ok=False, detail="d", fix="f").line() == "✗ n: d — fix: f"
    assert Result("n", ok=False, detail="d").line() == "✗ n: d"


def test_a_failure_is_false_not_just_falsy(tmp_path):
    # `flask security check --json` prints ok as it is: null would not read as a failure.
    assert check_lock_file(tmp_path).as_dict()["ok"] is False
    assert check_csrf(Flask(__name__)).as_dict()["ok"] is False


def test_the_app_log_is_silenced_while_the_checks_run(production_app, monkeypatch):
    seen = []
    monkeypatch.setattr(checks, "APP_CHECKS", (lambda app: seen.append(app.logger.disabled),))
    production_app.logger.disabled = False
    run_checks(production_app)
    assert seen == [True]
    assert production_app.logger.disabled is False


def test_the_source_scan_names_every_file_and_line(tmp_path):
    files = {
        "broken.py": "def (:\n",
        "a.py": 'SECRET_KEY = "abc"\n',
        "b.py": "import x\nMarkup(data)\n",
        "c.py": 'app.secret_key = b"abc"\nMarkup(other)\n',
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    results = check_sources(tmp_path / name for name in files)
    assert [(result.name, result.ok, result.detail) for result in results] == [
        (
            "secret key not in code",
            False,
            "a literal SECRET_KEY in broken.py: cannot parse (invalid syntax), a.py:1, c.py:1",
        ),
        (
            "templates autoescaped (Markup in code)",
            False,
            "Markup() on a value that is not a literal in b.py:2, c.py:2",
        ),
    ]
    assert "rotate the key" in results[0].fix
    assert results[1].fix.startswith("pass the value to a template and let autoescaping")


def test_a_clean_source_passes_the_scan(tmp_path):
    (tmp_path / "ok.py").write_text('Markup("<b>fixed</b>")\n', encoding="utf-8")
    assert [
        (result.name, result.ok, result.detail) for result in check_sources([tmp_path / "ok.py"])
    ] == [
        ("secret key not in code", True, "no literal SECRET_KEY in the package or wsgi.py"),
        ("templates autoescaped (Markup in code)", True, "no Markup() on data in the package"),
    ]


@pytest.mark.parametrize(
    "source",
    [
        "from markupsafe import escape as esc\nesc(name)",  # another import renamed
        'handlers["x"](name)',  # a call of neither a name nor an attribute
        "get_handler()(name)",
    ],
)
def test_other_calls_are_not_markup(source):
    assert list(markup_call_lines(ast.parse(source))) == []


def test_markup_is_found_after_other_calls():
    assert list(markup_call_lines(ast.parse("print(1)\nMarkup(name)"))) == [2]


def test_a_number_is_no_literal_key():
    # Flask signs with str or bytes only: a number there is a broken config, not a leaked key.
    assert list(literal_secret_lines(ast.parse("SECRET_KEY = 1"))) == []


@pytest.mark.usefixtures("throwaway_key")
def test_the_domain_check_says_what_to_set(production_app, project_root, monkeypatch):
    monkeypatch.setitem(production_app.config, "TRUSTED_HOSTS", ["example.org"])
    [domain] = check_domain(production_app, project_root)
    assert (domain.status, domain.detail) == ("ok", "TRUSTED_HOSTS = ['example.org']")
    monkeypatch.setitem(production_app.config, "TRUSTED_HOSTS", ["localhost"])
    [domain] = check_domain(production_app, project_root)
    assert (
        domain.detail == "still localhost: nginx, certbot and TRUSTED_HOSTS fail for a real domain"
    )
    assert domain.fix.startswith(
        "set the real domain in ProductionConfig.TRUSTED_HOSTS (config.py)"
    )
    assert domain.fix.endswith("the certificate paths of deploy/nginx/ (deploy/README.md, step 0)")


def test_lock_entries_match_by_normalised_name_and_their_own_hashes(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\ndependencies = ["Flask_WTF>=1.2", "flask.talisman"]\n', encoding="utf-8"
    )
    lock = tmp_path / "requirements.lock"
    lock.write_text("flask-wtf==1.2.2 \\\n    --hash=sha256:abc\n", encoding="utf-8")
    missing = check_lock_file(tmp_path)
    assert (missing.name, missing.detail) == (
        "dependencies locked",
        "requirements.lock does not pin flask-talisman",
    )
    assert missing.fix.startswith("refresh it with the command at the top of requirements.lock")
    # A hash in a comment is no hash.
    lock.write_text(
        "flask-wtf==1.2.2 \\\n    --hash=sha256:abc\n"
        "Flask_Talisman==1.1.0  # --hash=sha256:only-in-a-comment # pinned by hand\n",
        encoding="utf-8",
    )
    detail = check_lock_file(tmp_path).detail
    assert detail == "requirements.lock has entries without --hash: flask-talisman"


class _Middleware:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def test_proxy_fix_is_found_under_other_middleware(production_app, monkeypatch):
    proxy_fix = production_app.wsgi_app
    monkeypatch.setattr(production_app, "wsgi_app", _Middleware(_Middleware(proxy_fix)))
    assert check_proxy_fix(production_app).ok
    monkeypatch.setattr(production_app, "wsgi_app", _Middleware(_Middleware(proxy_fix.app)))
    assert check_proxy_fix(production_app).detail == (
        "ProxyFix is not in place: behind nginx every request looks like plain http"
    )


def test_an_allow_listed_exemption_passes(production_app, exempt_view, monkeypatch):
    _, url = exempt_view
    endpoint, _ = production_app.url_map.bind("localhost").match(url, method="POST")
    allow = {endpoint: "signed by the sender", "retired": "a view that is gone"}
    monkeypatch.setattr(checks, "CSRF_EXEMPT", allow)
    result = check_csrf_exemptions(production_app)
    assert (result.ok, result.detail) == (
        True,
        f"only the allow-list in security.py ({', '.join(sorted(allow))})",
    )


def test_a_build_that_crashes_is_named_by_its_cause(tmp_path):
    wsgi = tmp_path / "wsgi.py"
    for error, name in (("boom", "production build"), ("FLASK_DEBUG is on", "debug off")):
        wsgi.write_text(f"raise RuntimeError({error!r})\n", encoding="utf-8")
        [first] = [result for result in check_project(tmp_path) if not result.ok][:1]
        assert (first.name, first.detail, first.fix) == (
            name,
            f"wsgi.py does not build: RuntimeError: {error}",
            "gunicorn would fail the same way",
        )


@pytest.mark.parametrize("source", ["application = None\n", "app = object()\n"])
def test_a_wsgi_file_without_an_app_does_not_build(tmp_path, source):
    (tmp_path / "wsgi.py").write_text(source, encoding="utf-8")
    [first] = [result for result in check_project(tmp_path) if not result.ok][:1]
    assert first.detail == (
        "wsgi.py does not build: TypeError: wsgi.py defines no Flask `app` gunicorn could serve"
    )


def test_the_app_is_found_inside_middleware(tmp_path):
    (tmp_path / "wsgi.py").write_text(
        "from flask import Flask\n\n\n"
        "class Outer:\n    def __init__(self, app):\n        self.app = app\n\n\n"
        "class Inner:\n    def __init__(self, application):\n"
        "        self.application = application\n\n\n"
        "app = Outer(Inner(Flask('served')))\n",
        encoding="utf-8",
    )
    app, wrappers = load_wsgi_app(tmp_path / "wsgi.py")
    assert (app.name, wrappers) == ("served", ["Outer", "Inner"])


@pytest.mark.usefixtures("throwaway_key")
def test_the_source_scan_covers_the_package_of_the_app(tmp_path):
    (tmp_path / "wsgi.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")
    (tmp_path / "settings.py").write_text('SECRET_KEY = "abc"\n', encoding="utf-8")
    [scan] = [
        result for result in check_project(tmp_path) if result.name == "secret key not in code"
    ]
    assert scan.detail == "a literal SECRET_KEY in settings.py:1"


def test_a_debugger_wrapped_around_the_app_names_the_fix(tmp_path):
    (tmp_path / "wsgi.py").write_text(
        "from flask import Flask\nfrom werkzeug.debug import DebuggedApplication\n\n"
        "app = DebuggedApplication(Flask(__name__), evalex=True)\n",
        encoding="utf-8",
    )
    [wrapped] = [r for r in check_project(tmp_path) if r.detail.endswith("DebuggedApplication")]
    assert wrapped.fix.startswith("serve the Flask app itself")


def test_each_deploy_protection_has_its_line(production_app, project_root):
    results = check_deploy_files(project_root, app_policy(production_app))
    assert [result.name for result in results] == [
        "debug off in deploy files",
        *deploy_scan.PROTECTIONS,
    ]
    details = {result.name: result.detail for result in results}
    assert details["debug off in deploy files"].startswith("no debug switch in gunicorn.conf.py, ")
    assert details == details | {
        deploy_scan.WSGI_SERVER: "loopback or unix socket only, trusts loopback, preloads the app",
        deploy_scan.NGINX_HEADERS: "every location sends the app's headers, none weaker",
        deploy_scan.NGINX_TLS: (
            "TLS 1.2/1.3, intermediate ciphers; curves and session cache in the default server"
        ),
        deploy_scan.NGINX_LIMITS: (
            "timeouts, per-address rate and connection limits, body size; "
            "429s kept out of the access log"
        ),
        deploy_scan.NGINX_STATIC: "dotfiles and backup files refused",
    }
    notes, _ = deploy_scan.check_systemd(project_root)
    assert details[deploy_scan.SANDBOX] == "; ".join(notes)
    assert notes
    without_app = {result.name: result.detail for result in check_deploy_files(project_root)}
    assert without_app[deploy_scan.NGINX_HEADERS] == "not compared: the app did not build"


def test_an_empty_folder_has_no_deploy_files(tmp_path):
    details = {result.name: result.detail for result in check_deploy_files(tmp_path)}
    assert details["debug off in deploy files"] == "no debug switch in any deploy file (none found)"
    assert details[deploy_scan.SANDBOX] == "no systemd unit in deploy/"


def test_each_deploy_finding_is_a_failure_of_its_protection(tmp_path):
    (tmp_path / "gunicorn.conf.py").write_text('bind = "0.0.0.0:8000"\n', encoding="utf-8")
    findings = deploy_scan.check_gunicorn(tmp_path)
    assert findings
    mine = [
        result for result in check_deploy_files(tmp_path) if result.name == deploy_scan.WSGI_SERVER
    ]
    assert [(r.ok, r.detail, r.fix) for r in mine] == [(False, str(f), f.fix) for f in findings]


def test_a_lock_file_problem_names_the_file(tmp_path):
    missing = check_lock_file(tmp_path)
    assert (missing.name, missing.detail) == (
        "dependencies locked",
        "requirements.lock is missing: production would resolve versions at deploy time",
    )
    assert missing.fix.startswith("refresh it with the command at the top of requirements.lock")
    (tmp_path / "requirements.lock").write_text("a==1\nb==2\n", encoding="utf-8")
    unhashed = check_lock_file(tmp_path)
    assert (unhashed.name, unhashed.detail, unhashed.fix) == (
        "dependencies locked",
        "requirements.lock has entries without --hash: a, b",
        missing.fix,
    )
    (tmp_path / "requirements.lock").write_text("a==1 --hash=sha256:0\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[project\n", encoding="utf-8")
    broken = check_lock_file(tmp_path)
    assert (broken.name, broken.ok, broken.fix) == (
        "dependencies locked",
        False,
        "fix pyproject.toml",
    )
    assert broken.detail.startswith("pyproject.toml cannot be read: ")


def test_routes_with_arguments_are_swept_at_a_url_that_matches(build, monkeypatch):
    # A fresh app: a module-level app that has served a request takes no new routes.
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    app = build("production")

    @app.post("/items/<int:number>/<uuid:key>/<float:price>")
    def change_item(number, key, price):
        return "changed"

    result = check_csrf_routes(app)
    assert result.ok, result.detail


@pytest.mark.parametrize(
    ("path", "production"),
    [
        ("views.py", True),
        ("blog/models.py", True),
        ("test_views.py", False),
        ("conftest.py", False),
        ("tests/helpers.py", False),
        (".venv/lib/module.py", False),
    ],
)
def test_production_code_is_the_package_without_tests(tmp_path, path, production):
    assert is_production_code(tmp_path / path, tmp_path) is production


def test_the_hardening_tests_module_is_not_production_code():
    package = checks.TESTING_MODULE.parent
    assert not is_production_code(checks.TESTING_MODULE, package)
    assert is_production_code(package / "checks.py", package)


def test_a_complete_lock_file_says_how_many_it_pins(tmp_path):
    (tmp_path / "requirements.lock").write_text(
        "a==1 --hash=sha256:0\nb==2 --hash=sha256:1\n", encoding="utf-8"
    )
    result = check_lock_file(tmp_path)
    assert (result.ok, result.detail) == (True, "requirements.lock pins 2 packages with hashes")


@pytest.mark.usefixtures("throwaway_key")
def test_the_project_check_compares_nginx_with_the_app(project_root, hardening_wsgi):
    [headers] = [
        result
        for result in check_project(project_root, hardening_wsgi)
        if result.name == deploy_scan.NGINX_HEADERS
    ]
    assert headers.detail == "every location sends the app's headers, none weaker"


def test_a_debug_switch_names_its_fix(tmp_path):
    (tmp_path / "gunicorn.conf.py").write_text("reload = True\n", encoding="utf-8")
    [result] = [r for r in check_deploy_files(tmp_path) if r.name == "debug off in deploy files"]
    assert result.fix.startswith("remove it: systemd restarts the service")


def test_a_blueprint_exempt_as_a_whole_fails(build, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    app = build("production")
    hooks = Blueprint("hooks", __name__)

    @hooks.post("/hooks/ping")
    def ping():
        return "pong"

    csrf.exempt(hooks)
    try:
        app.register_blueprint(hooks)
        assert check_csrf_exemptions(app).detail == "blueprint hooks is exempt as a whole"
    finally:
        # Flask-WTF has no public way to take an exemption back.
        csrf._exempt_blueprints.discard(hooks)
