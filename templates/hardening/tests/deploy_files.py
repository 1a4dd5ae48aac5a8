"""The deploy files: no debug switch, and nothing that weakens what really protects production.

`flask security check` runs this scan over the project's own deploy files; these tests show it
finds each kind of switch in each kind of file, is not fooled by comments, and names the
protection when gunicorn's listener, nginx's headers, TLS or limits, or the systemd sandbox is
weakened.
"""

import re
import shutil
from pathlib import Path

import pytest

from ..checks import app_policy
from ..deploy_scan import (
    CI,
    CONTAINER,
    ENV,
    NGINX_HEADERS,
    NGINX_LIMITS,
    NGINX_STATIC,
    NGINX_TLS,
    PYTHON,
    SANDBOX,
    SYSTEMD,
    WSGI_SERVER,
    AppPolicy,
    check_gunicorn,
    check_nginx,
    check_systemd,
    check_unit_text,
    csp_weakenings,
    deploy_files,
    scan,
    scan_text,
)


def test_the_projects_own_deploy_files_have_no_switch(project_root):
    files, switches = scan(project_root)
    for name in ("gunicorn.conf.py", "wsgi.py", ".flaskenv"):
        assert name in files or not (project_root / name).exists()
    assert [str(switch) for switch in switches] == []


@pytest.mark.parametrize(
    ("kind", "text", "rule"),
    [
        (SYSTEMD, "Environment=FLASK_DEBUG=1", "FLASK_DEBUG"),
        (SYSTEMD, 'Environment="FLASK_DEBUG=true"', "FLASK_DEBUG"),
        (ENV, "FLASK_DEBUG=1", "FLASK_DEBUG"),
        (CONTAINER, "ENV FLASK_DEBUG 1", "FLASK_DEBUG"),
        (CONTAINER, '      FLASK_DEBUG: "1"', "FLASK_DEBUG"),
        (PYTHON, 'os.environ["FLASK_DEBUG"] = "1"', "FLASK_DEBUG"),
        (PYTHON, "reload = True", "reload"),
        (PYTHON, "app.debug = True", "debug=True"),
        (PYTHON, "app = DebuggedApplication(app, evalex=True)", "DebuggedApplication"),
        (PYTHON, "app.run(host='0.0.0.0')", "app.run()"),
        (CONTAINER, 'CMD ["gunicorn", "--reload", "wsgi:app"]', "--reload"),
        (CONTAINER, "web: flask run --host 0.0.0.0", "flask run"),
        (SYSTEMD, "ExecStart=/srv/app/.venv/bin/flask --app wsgi run", "flask run"),
        (CI, "        run: flask --debug run", "--debug"),
    ],
)
def test_each_switch_is_found(kind, text, rule):
    found = list(scan_text(f"# a deploy file\n{text}\n", kind, "file"))
    assert rule in {switch.rule for switch in found}
    assert all(switch.line == 2 for switch in found)


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (PYTHON, '"""Never set reload = True or debug=True here."""'),
        (PYTHON, "# reload = True"),
        (PYTHON, 'loglevel = "debug"'),
        (PYTHON, "reload = False"),
        (SYSTEMD, "# Environment=FLASK_DEBUG=1"),
        (SYSTEMD, "; Environment=FLASK_DEBUG=1"),
        (SYSTEMD, "ExecReload=/bin/kill -s HUP $MAINPID"),
        (SYSTEMD, "Environment=FLASK_DEBUG=0"),
        (ENV, "APP_ENV=production  # not FLASK_DEBUG=1"),
        (CI, "        run: flask run &  # an end-to-end test, not production"),
    ],
)
def test_comments_and_off_values_are_not_switches(kind, text):
    assert list(scan_text(text + "\n", kind, "file")) == []


def test_deploy_files_are_found_where_they_live(tmp_path):
    names = [
        "Procfile",
        "Dockerfile",
        "docker-compose.yml",
        ".flaskenv",
        "deploy/systemd/app.service",
        "deploy/nginx/app.conf",
        ".github/workflows/ci.yml",
        ".gitlab-ci.yml",
    ]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("flask run --debug\n", encoding="utf-8")
    found = {path.relative_to(tmp_path).as_posix() for path, _ in deploy_files(tmp_path)}
    assert found == set(names)


# --- what protects production ------------------------------------------------------------


@pytest.fixture
def deploy_copy(tmp_path, project_root):
    """The project's gunicorn.conf.py and deploy/ folder, to weaken one line at a time."""
    shutil.copy(project_root / "gunicorn.conf.py", tmp_path / "gunicorn.conf.py")
    shutil.copytree(project_root / "deploy", tmp_path / "deploy")
    return tmp_path


def _findings(root, policy):
    _notes, sandbox = check_systemd(root)
    return [*check_gunicorn(root), *check_nginx(root, policy), *sandbox]


def _edit(root: Path, pattern: str, old: str, new: str) -> None:
    paths = sorted(root.glob(pattern))
    if pattern == SITE:
        paths = [path for path in paths if not path.match(SNIPPET)]
    [path] = paths
    text = path.read_text(encoding="utf-8")
    changed = re.sub(old, new, text, flags=re.M)
    assert changed != text, f"{old!r} not found in {path.name}"
    path.write_text(changed, encoding="utf-8")


SITE = "deploy/nginx/*.conf"  # the site: every .conf but the snippet
SNIPPET = "deploy/nginx/*-security-headers.conf"
UNIT = "deploy/systemd/*.service"

WEAKENINGS = [
    ("gunicorn.conf.py", r"^bind = .*$", 'bind = "0.0.0.0:8000"', WSGI_SERVER, "0.0.0.0:8000"),
    (
        "gunicorn.conf.py",
        r"^forwarded_allow_ips = .*$",
        'forwarded_allow_ips = "*"',
        WSGI_SERVER,
        "forwarded_allow_ips '*'",
    ),
    ("gunicorn.conf.py", r"^preload_app = True", "preload_app = False", WSGI_SERVER, "preload_app"),
    (
        SNIPPET,
        r"(Content-Security-Policy(?:-Report-Only)?) \$\w+",
        "\\1 \"script-src * 'unsafe-inline'\"",
        NGINX_HEADERS,
        "script-src allows * 'unsafe-inline'",
    ),
    (SNIPPET, r'"DENY"', '"SAMEORIGIN"', NGINX_HEADERS, "X-Frame-Options: nginx sends"),
    (SNIPPET, r"max-age=\d+", "max-age=1", NGINX_HEADERS, "nginx sends max-age=1"),
    (SNIPPET, r'(X-Content-Type-Options "nosniff") always', r"\1", NGINX_HEADERS, "`always`"),
    (
        SITE,
        r"(alias [^\n]*\n(?:.*\n){3}) *include snippets/[^\n]*\n",
        r"\1",
        NGINX_HEADERS,
        "location /static/ sends none",
    ),
    (
        SITE,
        r"script-src 'self'; style-src",
        "script-src 'self' 'unsafe-eval'; style-src",
        NGINX_HEADERS,
        "script-src allows 'unsafe-eval'",
    ),
    (SITE, r"^ *ssl_ecdh_curve .*\n", "", NGINX_TLS, "ssl_ecdh_curve"),
    (SITE, r"X25519:prime256v1:secp384r1", "X25519:secp521r1", NGINX_TLS, "secp521r1"),
    (SITE, r"^ *ssl_session_cache .*\n", "", NGINX_TLS, "ssl_session_cache"),
    (SITE, r"ssl_protocols TLSv1.2", "ssl_protocols TLSv1.1 TLSv1.2", NGINX_TLS, "TLSv1.1"),
    (SITE, r"ssl_ciphers ", "ssl_ciphers AES128-SHA:", NGINX_TLS, "AES128-SHA"),
    (SITE, r"ssl_session_tickets off", "ssl_session_tickets on", NGINX_TLS, "session tickets"),
    (SITE, r"^ *limit_req zone=\w+_general.*\n", "", NGINX_LIMITS, "rate-limited"),
    (SITE, r"^ *limit_conn \w+ 20;\n", "", NGINX_LIMITS, "connection limit"),
    (SITE, r"client_body_timeout 10s", "client_body_timeout 60s", NGINX_LIMITS, "60s"),
    (SITE, r" combined if=\$\w+", "", NGINX_LIMITS, "429 responses are written"),
    (SITE, r"client_max_body_size \d+", "client_max_body_size 100m", NGINX_LIMITS, "MAX_CONTENT"),
    (SITE, r"^ *location ~ .*\n.*\n *}\n", "", NGINX_STATIC, "dotfiles"),
]
# Where the project has a systemd unit (deploy/systemd/*.service).
UNIT_WEAKENINGS = [
    (UNIT, r"^NoNewPrivileges=yes", "NoNewPrivileges=no", SANDBOX, "NoNewPrivileges=no"),
    (UNIT, r"^IPAddressDeny=any\n", "", SANDBOX, "IPAddressDeny=any is missing"),
    (UNIT, r"^ProtectSystem=strict", "ProtectSystem=full", SANDBOX, "ProtectSystem=full"),
    (UNIT, r"^CapabilityBoundingSet=$", "CapabilityBoundingSet=CAP_SYS_ADMIN", SANDBOX, "grants"),
    (UNIT, r"^UMask=0077", "UMask=0022", SANDBOX, "UMask=0022"),
    (UNIT, r"^User=.*\n", "", SANDBOX, "runs as root"),
]


def test_the_projects_deploy_files_weaken_nothing(production_app, project_root):
    findings = _findings(project_root, app_policy(production_app))
    assert [str(finding) for finding in findings] == []


ALL_WEAKENINGS = WEAKENINGS + UNIT_WEAKENINGS


@pytest.mark.parametrize(
    "weakening", ALL_WEAKENINGS, ids=[f"{w[3]}: {w[4]}" for w in ALL_WEAKENINGS]
)
def test_each_weakening_is_found(production_app, deploy_copy, weakening):
    pattern, old, new, protection, says = weakening
    if pattern == UNIT and not list(deploy_copy.glob(UNIT)):
        pytest.skip("the project has no systemd unit")
    _edit(deploy_copy, pattern, old, new)
    findings = _findings(deploy_copy, app_policy(production_app))
    named = [f"{f} ({f.fix})" for f in findings if f.protection == protection]
    assert any(says in line for line in named), [str(finding) for finding in findings]


def test_a_changed_hsts_max_age_in_the_app_is_found(production_app, project_root):
    # Behind nginx, HSTS_MAX_AGE alone changes nothing: nginx's header is the one browsers get.
    policy = app_policy(production_app)
    policy.headers["Strict-Transport-Security"] = "max-age=1; includeSubDomains"
    found = check_nginx(project_root, policy)
    problems = [str(f) for f in found if f.protection == NGINX_HEADERS]
    assert any("HSTS_MAX_AGE" in problem for problem in problems)


@pytest.mark.parametrize(
    ("given", "weaker"),
    [
        ("default-src 'none'; script-src 'self'", False),
        ("default-src 'none'", False),
        ("default-src 'self'", True),
        ("default-src 'none'; script-src 'self' 'nonce-fixed'", True),
        ("default-src 'none'; script-src https:", True),
    ],
)
def test_csp_comparison(given, weaker):
    app = "default-src 'none'; script-src 'self' 'nonce-abc123'"
    assert bool(csp_weakenings(app, given)) is weaker


def test_unit_list_settings_reset_on_an_empty_assignment():
    unit = "[Service]\nUser=app\nIPAddressDeny=any\nIPAddressDeny=\n"
    problems = [str(finding) for finding in check_unit_text(unit, "app.service")]
    assert any("IPAddressDeny=any is missing" in problem for problem in problems)


def test_each_deploy_file_is_read_once_and_virtualenvs_never(tmp_path):
    for name in ("Dockerfile.dockerfile", "deploy/.venv/site.conf", "deploy/app.conf"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("\n", encoding="utf-8")
    (tmp_path / "Procfile.d").mkdir()  # a folder whose name a pattern matches
    found = [path.relative_to(tmp_path).as_posix() for path, _ in deploy_files(tmp_path)]
    assert found == ["deploy/app.conf", "Dockerfile.dockerfile"]


def test_a_deploy_file_that_is_not_utf8_is_still_read(tmp_path):
    (tmp_path / ".flaskenv").write_bytes(b"# caf\xe9\nFLASK_DEBUG=1\n")
    _, switches = scan(tmp_path)
    assert [(switch.path, switch.line, switch.rule) for switch in switches] == [
        (".flaskenv", 2, "FLASK_DEBUG")
    ]
    assert str(switches[0]).endswith(f"(FLASK_DEBUG): {switches[0].fix}")
    assert "debugger" in switches[0].fix


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("reload = True  # reloads in development only\n", [1]),  # code before a comment
        ('x = 1\n"""reload = True"""\n', []),  # a docstring after a statement
        # Inside a docstring, whatever the indentation; code after its closing quotes counts.
        ('config = {}\n"""inside\nreload=True\n  also reload = True\n"""; reload = True\n', [5]),
        ("def f():\n    '''doc\nreload=True\n    '''\n", []),
        ("reload = True\nx = '''never closed\n", [1]),  # no tokens: every line is code
        # A docstring deep in blocks: its inner lines are blanked from column 0.
        (
            (
                "if a:\n    if b:\n        if c:\n            if d:\n"
                "                '''doc\nreload = True\n'''\n"
            ),
            [],
        ),
    ],
)
def test_python_comments_and_docstrings_are_blanked_exactly(text, lines):
    assert [switch.line for switch in scan_text(text, PYTHON, "gunicorn.conf.py")] == lines


def test_an_nginx_file_that_does_not_parse_is_a_finding(tmp_path):
    (tmp_path / "deploy" / "nginx").mkdir(parents=True)
    (tmp_path / "deploy" / "nginx" / "site.conf").write_text("server {\n  listen 443\n}\n")
    findings = [str(finding) for finding in check_nginx(tmp_path, None)]
    assert any(
        "cannot parse: deploy/nginx/site.conf:3: unexpected }" in finding for finding in findings
    ), findings


def test_each_location_is_compared_header_by_header(tmp_path):
    (tmp_path / "deploy" / "nginx").mkdir(parents=True)
    (tmp_path / "deploy" / "nginx" / "site.conf").write_text(
        "server {\n"
        "    listen 443 ssl;\n"
        "    server_name example.org;\n"
        "    location / {\n"
        '        add_header X-Frame-Options "SAMEORIGIN";\n'
        "        add_header Referrer-Policy;\n"
        "    }\n"
        "    location = /health {\n"
        "    }\n"
        "}\n",
        encoding="utf-8",
    )
    policy = AppPolicy(
        {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
        },
        None,
    )
    findings = [f for f in check_nginx(tmp_path, policy) if f.protection == NGINX_HEADERS]
    site = "deploy/nginx/site.conf"
    assert [(f.path, f.line, f.problem) for f in findings] == [
        (site, 4, "location / sends no X-Content-Type-Options"),
        (site, 5, "X-Frame-Options is not sent on error responses (no `always`)"),
        (site, 5, "X-Frame-Options: nginx sends 'SAMEORIGIN', the app 'DENY'"),
        (site, 6, "Referrer-Policy is not sent on error responses (no `always`)"),
        (site, 6, "Referrer-Policy: nginx sends '', the app 'no-referrer'"),
        (
            site,
            8,
            "location = /health sends none of the security headers (no include of the snippet)",
        ),
    ]
    assert all(f.fix.startswith("include the security headers snippet") for f in findings)


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        # systemd reads "#" as a comment only at the start of a line.
        (SYSTEMD, 'Environment="NOTE=a #b" FLASK_DEBUG=1'),
        (ENV, "FLASK_DEBUG=1  # on in development"),
    ],
)
def test_a_switch_before_or_after_a_hash_is_found(kind, text):
    assert [switch.rule for switch in scan_text(text + "\n", kind, "file")] == ["FLASK_DEBUG"]
