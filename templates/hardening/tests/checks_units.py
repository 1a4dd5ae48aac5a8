"""The parts of `flask security check` that the project's own app cannot tell apart.

The generated app sends the same headers on every answer, reads its body limit as an integer
and has one systemd unit: a check that read the wrong page, dropped a report-only policy or
joined two notes wrongly would still pass on it. These tests give the check small apps and
files that differ exactly there, with the answers Flask, Talisman, gunicorn and pip give.
"""

import locale

import pytest
from flask import Flask
from flask_talisman import Talisman

from .. import deploy_scan
from ..checks import app_policy, check_deploy_files, check_lock_file, check_sources, load_wsgi_app

# A site whose start page has a policy of its own (Talisman's per-view options), stricter than
# the one every other answer (a 404, a refused host) gets. Built once: the tests only read it.
policy_site = Flask("policy_site")
policy_site.config["TRUSTED_HOSTS"] = ["example.org"]
policy_talisman = Talisman(
    policy_site,
    force_https=True,
    content_security_policy={"default-src": "'self'"},
    permissions_policy={"camera": "()"},
    strict_transport_security_max_age=600,
)


@policy_site.get("/")
@policy_talisman(
    content_security_policy={"default-src": "'none'"}, permissions_policy={"geolocation": "()"}
)
def policy_start():
    return "start"


POLICY_NAMES = (
    "Content-Security-Policy",
    "Content-Security-Policy-Report-Only",
    "Strict-Transport-Security",
    "Permissions-Policy",
)


def policy_headers(policy):
    # Looked up by exact name: the names are the ones nginx's findings print.
    return {name: policy.headers.get(name) for name in POLICY_NAMES}


def test_app_policy_is_the_start_page_over_https_to_the_trusted_host():
    # Talisman sends Strict-Transport-Security over https only, and the start page's own policy
    # only on the start page; a request to another host is refused before any view runs.
    policy = app_policy(policy_site)
    assert policy_headers(policy) == {
        "Content-Security-Policy": "default-src 'none'",
        "Content-Security-Policy-Report-Only": None,
        "Strict-Transport-Security": "max-age=600; includeSubDomains",
        "Permissions-Policy": "geolocation=()",
    }


def test_app_policy_takes_a_report_only_policy_as_it_is_sent(monkeypatch):
    # CSP_REPORT_ONLY: Talisman sends the same policy under the report-only name, and no other.
    monkeypatch.setattr(policy_talisman, "content_security_policy_report_only", True)
    headers = policy_headers(app_policy(policy_site))
    assert (headers["Content-Security-Policy"], headers["Content-Security-Policy-Report-Only"]) == (
        None,
        "default-src 'none'",
    )


@pytest.mark.parametrize(
    ("limit", "compared"),
    [(1_048_576, 1_048_576), (None, None), ("1048576", None), (1.5, None)],
)
def test_app_policy_gives_nginx_only_an_integer_body_limit(monkeypatch, limit, compared):
    # Flask takes MAX_CONTENT_LENGTH as a number of bytes (an int); anything else has no size to
    # hold nginx's client_max_body_size to.
    monkeypatch.setitem(policy_site.config, "MAX_CONTENT_LENGTH", limit)
    assert app_policy(policy_site).max_content_length == compared


# One site (TLS, limits and the rest left out: other lines judge them), one location that sends
# one header, with `always` so error pages send it too.
NGINX_SITE = """
server {
    listen 443 ssl;
    server_name example.org;
    location / {
        add_header X-Content-Type-Options "nosniff" always;
        proxy_pass http://127.0.0.1:8000;
    }
}
"""


@pytest.mark.parametrize(
    ("headers", "problems"),
    [
        ({"X-Content-Type-Options": "nosniff"}, []),
        (
            {"X-Content-Type-Options": "nosniff", "Cross-Origin-Embedder-Policy": "require-corp"},
            ["deploy/nginx/site.conf:5: location / sends no Cross-Origin-Embedder-Policy"],
        ),
    ],
)
def test_nginx_is_compared_with_the_policy_it_is_given(tmp_path, headers, problems):
    (tmp_path / "deploy" / "nginx").mkdir(parents=True)
    (tmp_path / "deploy" / "nginx" / "site.conf").write_text(NGINX_SITE, encoding="utf-8")
    policy = deploy_scan.AppPolicy(headers, None)
    mine = [
        result
        for result in check_deploy_files(tmp_path, policy)
        if result.name == deploy_scan.NGINX_HEADERS
    ]
    if not problems:
        assert [(r.ok, r.detail) for r in mine] == [
            (True, "every location sends the app's headers, none weaker")
        ]
    else:
        assert [(r.ok, r.detail) for r in mine] == [(False, problem) for problem in problems]


def test_every_systemd_unit_has_its_note_in_the_sandbox_line(tmp_path, monkeypatch):
    notes = [
        "deploy/systemd/web.service: exposure 1.1 (systemd-analyze)",
        "deploy/systemd/worker.service: exposure 1.3 (systemd-analyze)",
    ]
    monkeypatch.setattr(deploy_scan, "check_systemd", lambda root: (notes, []))
    [sandbox] = [r for r in check_deploy_files(tmp_path) if r.name == deploy_scan.SANDBOX]
    assert sandbox.ok
    assert sandbox.detail == (
        "deploy/systemd/web.service: exposure 1.1 (systemd-analyze); "
        "deploy/systemd/worker.service: exposure 1.3 (systemd-analyze)"
    )


def test_every_missing_pin_is_named(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\ndependencies = ["flask>=3.1", "Flask-WTF>=1.2", "flask-talisman>=1.1"]\n',
        encoding="utf-8",
    )
    (tmp_path / "requirements.lock").write_text("flask==3.1.3 --hash=sha256:0\n", encoding="utf-8")
    assert check_lock_file(tmp_path).detail == (
        "requirements.lock does not pin flask-wtf, flask-talisman"
    )


@pytest.fixture
def ascii_locale():
    """A server whose locale is plain C: Python's default encoding there is ASCII."""
    saved = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        if locale.getpreferredencoding(False).lower().replace("-", "") in {"utf8", "cp65001"}:
            # UTF-8 mode (PYTHONUTF8=1, or a platform whose C locale is UTF-8).
            pytest.skip("the default encoding stays UTF-8 here whatever the locale")
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, saved)


@pytest.mark.usefixtures("ascii_locale")
def test_project_files_are_read_as_utf8_whatever_the_locale(tmp_path):
    # pip-compile, pyproject.toml (TOML is UTF-8 by definition) and Python source (PEP 3120)
    # are UTF-8; an author's name or an em dash in a comment must not break the check.
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nauthors = [{name = "José Núñez"}]\ndependencies = ["flask>=3.1"]\n',
        encoding="utf-8",
    )
    (tmp_path / "requirements.lock").write_text(
        "# généré par pip-compile — ne pas modifier\nflask==3.1.3 --hash=sha256:0\n",
        encoding="utf-8",
    )
    assert check_lock_file(tmp_path).detail == "requirements.lock pins 1 packages with hashes"
    source = tmp_path / "views.py"
    source.write_text('GREETING = "¡Hola — señor!"  # ünïcode\n', encoding="utf-8")
    assert [(result.ok, result.detail) for result in check_sources([source])] == [
        (True, "no literal SECRET_KEY in the package or wsgi.py"),
        (True, "no Markup() on data in the package"),
    ]


def test_wsgi_py_runs_under_the_module_name_gunicorn_imports(tmp_path):
    # gunicorn serves `wsgi:app`: it imports wsgi.py as the module `wsgi`, so an app made with
    # Flask(__name__) there is named "wsgi" (and finds its templates and root path by it).
    (tmp_path / "wsgi.py").write_text(
        "from flask import Flask\n\napp = Flask(__name__)\n", encoding="utf-8"
    )
    app, wrappers = load_wsgi_app(tmp_path / "wsgi.py")
    assert (app.import_name, app.root_path, wrappers) == ("wsgi", str(tmp_path), [])
