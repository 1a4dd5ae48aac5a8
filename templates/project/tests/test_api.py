"""The JSON endpoint: CSRF via the X-CSRFToken header, validation, and no HTML."""

import pytest


def test_echo_with_token_answers_json(client, csrf_headers):
    response = client.post("/api/echo", json={"message": "<b>hi</b>"}, headers=csrf_headers(client))
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"message": "<b>hi</b>"}


def test_echo_without_token_is_refused_as_json(client):
    response = client.post("/api/echo", json={"message": "hi"})
    assert response.status_code == 400
    # Refused for CSRF (hardening/errors.py marks only that refusal), not for the body.
    assert response.headers.get("X-CSRF-Refused") == "1"
    assert response.is_json


@pytest.mark.parametrize(
    "payload", [{}, {"message": ""}, {"message": 5}, {"message": "x" * 501}, []]
)
def test_echo_refuses_bad_input_with_422(client, csrf_headers, payload):
    response = client.post("/api/echo", json=payload, headers=csrf_headers(client))
    assert response.status_code == 422
    assert response.is_json


def test_echo_refuses_a_form_body(client, csrf_headers):
    response = client.post("/api/echo", data={"message": "hi"}, headers=csrf_headers(client))
    assert response.status_code == 422


def test_start_page_loads_the_script_with_a_nonce(client):
    html = client.get("/").get_data(as_text=True)
    assert 'id="echo-form"' in html
    assert '<script src="/static/app.js" nonce="' in html
