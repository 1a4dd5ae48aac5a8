"""Protection 1 outside the code: no deploy file turns the debugger or the reloader on.

`flask security check` runs this scan over the project's own deploy files; these tests show it
finds each kind of switch in each kind of file, and is not fooled by comments.
"""

import pytest

from ..deploy_scan import CI, CONTAINER, ENV, PYTHON, SYSTEMD, deploy_files, scan, scan_text


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
