"""Errors get generic pages: no traceback or exception text ever reaches the client.

The failing routes are added to a throwaway app built like the project's (init_app last), since
an app that has served a request takes no new routes; the last tests ask the project's own app.
"""

import secrets

import pytest
from flask import abort

DETAIL = "connection to db-primary.internal:5432 failed for user admin"


@pytest.fixture
def failing_app(build, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    app = build("production")

    @app.get("/boom")
    def boom():
        raise RuntimeError(DETAIL)

    @app.get("/refuse/<int:code>")
    def refuse(code):
        abort(code, description=DETAIL)

    @app.route("/form", methods=["GET", "POST"])
    def form():
        return "form"

    return app


@pytest.fixture
def failing_client(failing_app):
    return failing_app.test_client()


def test_unhandled_exception_shows_a_generic_page(failing_client):
    response = failing_client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert DETAIL not in body
    assert "Traceback" not in body
    assert "RuntimeError" not in body


@pytest.mark.parametrize("code", [400, 403, 404, 405, 413, 429, 500])
def test_error_pages_never_echo_the_description(failing_client, code):
    response = failing_client.get(f"/refuse/{code}")
    assert response.status_code == code
    assert DETAIL not in response.get_data(as_text=True)


@pytest.mark.parametrize("code", [400, 404, 500])
def test_json_clients_get_generic_json(failing_client, code):
    response = failing_client.get(f"/refuse/{code}", headers={"Accept": "application/json"})
    assert response.status_code == code
    assert response.is_json
    assert response.get_json()["status"] == code
    assert DETAIL not in response.get_data(as_text=True)


def test_not_found(production_client):
    response = production_client.get("/no-such-page")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.get_data(as_text=True)


def test_method_not_allowed_keeps_the_allow_header(failing_client):
    response = failing_client.delete("/form")
    assert response.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_body_over_the_limit_is_refused(failing_client):
    limit = failing_client.application.config["MAX_CONTENT_LENGTH"]
    response = failing_client.post("/form", data={"name": "x" * (limit + 1)})
    assert response.status_code == 413


def test_the_project_limits_request_bodies(production_app):
    assert isinstance(production_app.config["MAX_CONTENT_LENGTH"], int)


def test_csrf_failure_page_explains_without_internals(failing_client):
    response = failing_client.post("/form", data={"name": "Ada"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Reload the page" in body
    assert "CSRF token is missing" not in body
    # What tells a CSRF refusal from any other 400, for the project's tests and monitoring.
    assert response.headers.get("X-CSRF-Refused") == "1"


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_only_a_csrf_refusal_carries_the_csrf_header(failing_client, accept):
    response = failing_client.get("/refuse/400", headers={"Accept": accept})
    assert response.status_code == 400
    assert "X-CSRF-Refused" not in response.headers


def test_error_pages_set_no_session_cookie(production_client):
    # An error page has nothing to submit: signing a CSRF token there would only cost time
    # and hand every 404 a session cookie.
    response = production_client.get("/no-such-page")
    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers
    assert 'name="csrf-token"' not in response.get_data(as_text=True)
