"""The start page: its form round-trip, and escaping of what users type."""

import pytest


def test_start_page_shows_the_form_with_a_token(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<form method="post"' in html
    assert 'name="csrf_token"' in html


def test_valid_post_redirects_and_greets(client, csrf_headers):
    response = client.post("/", data={"name": "Ada"}, headers=csrf_headers(client))
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "Hello, Ada!" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "tab\there"])
def test_invalid_name_is_refused_with_422(client, csrf_headers, name):
    response = client.post("/", data={"name": name}, headers=csrf_headers(client))
    assert response.status_code == 422
    assert 'role="alert"' in response.get_data(as_text=True)


def test_user_input_is_escaped(client, csrf_headers):
    attack = '<script>alert("x")</script>'
    client.post("/", data={"name": attack}, headers=csrf_headers(client))
    html = client.get("/").get_data(as_text=True)
    assert attack not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_rejected_input_is_escaped_in_the_form(client, csrf_headers):
    attack = '"><img src=x onerror=alert(1)>' + "x" * 100
    response = client.post("/", data={"name": attack}, headers=csrf_headers(client))
    assert response.status_code == 422
    assert "<img src=x" not in response.get_data(as_text=True)
