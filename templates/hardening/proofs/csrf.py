"""Protection 4: every state-changing request needs a CSRF token.

The sweep walks the URL map, so a route added later is covered without editing this file.
"""

from <%= packageName %>.security import CSRF_EXEMPT

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def unsafe_routes(app):
    """(method, url, endpoint) for every rule that changes state, except the allow-list."""
    adapter = app.url_map.bind("localhost", url_scheme="https")
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in CSRF_EXEMPT:
            continue
        # Any value fits the default converters; a rule with stricter ones needs its own test.
        url = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, 1))
        methods = sorted(rule.methods & UNSAFE_METHODS)
        routes.extend((method, url, rule.endpoint) for method in methods)
    return routes


def test_csrf_protect_is_installed(app):
    assert "csrf" in app.extensions
    assert app.config["WTF_CSRF_ENABLED"] is True


def test_the_sweep_is_not_empty(app):
    assert ("POST", "/", "main.greet") in unsafe_routes(app)


def test_every_unsafe_route_refuses_a_request_without_token(client):
    answers = {
        (method, url): client.open(url, method=method).status_code
        for method, url, _ in unsafe_routes(client.application)
    }
    assert answers
    assert {route: code for route, code in answers.items() if code != 400} == {}


def test_every_unsafe_route_accepts_a_request_with_token(client, csrf_headers):
    headers = csrf_headers(client)
    answers = {
        (method, url): client.open(url, method=method, headers=headers).status_code
        for method, url, _ in unsafe_routes(client.application)
    }
    assert answers
    assert {route: code for route, code in answers.items() if code == 400} == {}


def test_token_can_come_from_the_form_field(client, csrf_headers):
    token = csrf_headers(client)["X-CSRFToken"]
    response = client.post(
        "/",
        data={"csrf_token": token, "name": "Ada"},
        headers={"Referer": "https://localhost/"},
    )
    assert response.status_code == 303


def test_token_from_another_session_is_refused(app, csrf_headers):
    stolen = csrf_headers(app.test_client())
    response = app.test_client().post("/", data={"name": "Ada"}, headers=stolen)
    assert response.status_code == 400


def test_cross_site_referer_is_refused(client, csrf_headers):
    headers = csrf_headers(client) | {"Referer": "https://attacker.example/"}
    response = client.post("/", data={"name": "Ada"}, headers=headers)
    assert response.status_code == 400


def test_exemptions_are_real_endpoints_with_reasons(app):
    for endpoint, reason in CSRF_EXEMPT.items():
        assert endpoint in app.view_functions, f"CSRF exemption {endpoint} is not an endpoint"
        assert reason.strip(), f"CSRF exemption {endpoint} needs a reason"
