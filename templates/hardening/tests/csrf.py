"""Protection 4: every state-changing request needs a CSRF token.

The sweep walks the URL map, so a route added later is covered without editing this file. A
refusal counts only with its CSRF reason (a 400 for another reason does not), and an acceptance
only when Flask-WTF marked the request valid.
"""

import hashlib
import re
import secrets

import flask
import pytest
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, validate_csrf
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from ..security import CSRF_EXEMPT, _SessionInterface

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


def first_unsafe_url(app):
    routes = unsafe_routes(app)
    if not routes:
        pytest.skip("the app has no state-changing route to send a token to")
    return routes[0][1]


def answer(client, method, url, **kwargs):
    """(status, whether Flask-WTF accepted the token) for one request."""
    with client:
        response = client.open(url, method=method, **kwargs)
        return response.status_code, bool(getattr(flask.g, "csrf_valid", False))


@pytest.fixture
def csrf_reasons(production_app, monkeypatch):
    """The reason of each CSRF refusal the app answers ("The CSRF token is missing."), in order.

    Read from the CSRFError on its way to the error handlers, whichever handler renders it.
    """
    reasons = []
    handle = production_app.handle_http_exception

    def record(error):
        if isinstance(error, CSRFError):
            reasons.append(error.description)
        return handle(error)

    # On the instance, so monkeypatch deletes it again and the class's method is back.
    monkeypatch.setitem(vars(production_app), "handle_http_exception", record)
    return reasons


def test_csrf_protect_is_installed(production_app):
    assert "csrf" in production_app.extensions
    assert production_app.config["WTF_CSRF_ENABLED"] is True


def test_every_unsafe_route_refuses_a_request_without_token(production_client, csrf_reasons):
    answers = {}
    for method, url, _ in unsafe_routes(production_client.application):
        code, accepted = answer(production_client, method, url)
        answers[(method, url)] = (code, accepted, csrf_reasons[:])
        csrf_reasons.clear()
    if not answers:
        pytest.skip("the app has no state-changing route")
    refused_for_csrf = (400, False, ["The CSRF token is missing."])
    assert {route: a for route, a in answers.items() if a != refused_for_csrf} == {}


def test_every_unsafe_route_accepts_a_request_with_token(production_client, csrf_headers):
    # A fresh token per route: a route like /logout clears the session that holds it.
    answers = {
        (method, url): answer(
            production_client, method, url, headers=csrf_headers(production_client)
        )
        for method, url, _ in unsafe_routes(production_client.application)
    }
    if not answers:
        pytest.skip("the app has no state-changing route")
    # csrf_valid says Flask-WTF accepted the token; a 400 the view gives for bad input (no
    # form data is sent) is the app's own answer, not a CSRF refusal.
    assert {route: a for route, a in answers.items() if not a[1]} == {}


def test_token_can_come_from_the_form_field(production_client, csrf_headers):
    url = first_unsafe_url(production_client.application)
    headers = csrf_headers(production_client)
    token, referer = headers["X-CSRFToken"], {"Referer": headers["Referer"]}
    code, accepted = answer(
        production_client, "POST", url, data={"csrf_token": token}, headers=referer
    )
    assert accepted, code


def test_token_from_another_session_is_refused(production_app, csrf_headers, csrf_reasons):
    url = first_unsafe_url(production_app)
    stolen = csrf_headers(production_app.test_client())
    victim = production_app.test_client()
    csrf_headers(victim)  # a session of its own, holding its own token
    assert answer(victim, "POST", url, headers=stolen) == (400, False)
    assert csrf_reasons == ["The CSRF tokens do not match."]


def test_cross_site_referer_is_refused(production_client, csrf_headers, csrf_reasons):
    url = first_unsafe_url(production_client.application)
    headers = csrf_headers(production_client) | {"Referer": "https://attacker.example/"}
    assert answer(production_client, "POST", url, headers=headers) == (400, False)
    assert csrf_reasons == ["The referrer does not match the host."]


def test_exemptions_are_real_endpoints_with_reasons(production_app):
    for endpoint, reason in CSRF_EXEMPT.items():
        assert endpoint in production_app.view_functions, f"{endpoint} is not an endpoint"
        assert reason.strip(), f"CSRF exemption {endpoint} needs a reason"


def test_the_token_a_page_gets_is_flask_wtfs(production_app):
    """The templates' csrf_token() signs with cached keys: Flask-WTF's own code must read the
    token, and Flask's own session code the cookie that carries its raw half (both ways)."""
    field = production_app.config["WTF_CSRF_FIELD_NAME"]
    with production_app.test_request_context(base_url="https://localhost"):
        token = flask.render_template_string("{{ csrf_token() }}")
        raw = flask.session[field]
        validate_csrf(token)
        key = production_app.config.get("WTF_CSRF_SECRET_KEY", production_app.secret_key)
        assert URLSafeTimedSerializer(key, salt="wtf-csrf-token").loads(token) == raw
    ours = production_app.session_interface.get_signing_serializer(production_app)
    flasks = SecureCookieSessionInterface().get_signing_serializer(production_app)
    assert flasks.loads(ours.dumps({field: raw})) == {field: raw}
    assert ours.loads(flasks.dumps({field: raw})) == {field: raw}
    big = {field: raw, "notes": "x" * 500}  # long enough for itsdangerous to compress it
    assert ours.dumps(big).startswith(".")
    assert flasks.loads(ours.dumps(big)) == big


FIXED_TIME = 1_700_000_000  # one timestamp for both signers, so their output can be compared


def needs_the_signed_cookie_session(app):
    if not isinstance(app.session_interface, _SessionInterface):
        pytest.skip("the app keeps its sessions with its own interface, not in a signed cookie")


@pytest.fixture
def fixed_time(monkeypatch):
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _signer: FIXED_TIME)


def test_tokens_and_cookies_are_signed_as_itsdangerous_signs_them(production_app, fixed_time):
    """Tokens and session cookies are signed by security.py's own fast path: byte for byte what
    Flask-WTF's serializer and Flask's give for the same value and second."""
    needs_the_signed_cookie_session(production_app)
    field = production_app.config["WTF_CSRF_FIELD_NAME"]
    key = production_app.config.get("WTF_CSRF_SECRET_KEY", production_app.secret_key)
    with production_app.test_request_context(base_url="https://localhost"):
        token = flask.render_template_string("{{ csrf_token() }}")
        raw = flask.session[field]
    assert token == URLSafeTimedSerializer(key, salt="wtf-csrf-token").dumps(raw)
    ours = production_app.session_interface.get_signing_serializer(production_app)
    flasks = SecureCookieSessionInterface().get_signing_serializer(production_app)
    with production_app.app_context():
        for payload in (
            {field: raw},
            {field: raw, "user": secrets.token_hex(4), "name": "Zoë"},
            {field: raw, "count": 3, "tags": ("a", "b")},  # tagged JSON: Flask's own code
            {field: raw, "notes": secrets.token_hex(300)},  # long: compressed by both
        ):
            assert ours.dumps(payload) == flasks.dumps(payload), payload
            cookie = flasks.dumps(payload)
            assert ours.loads(cookie) == flasks.loads(cookie), payload
            with pytest.raises(BadSignature):
                ours.loads(cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB"))


def test_a_cookie_signed_with_the_previous_key_is_read(production_app, monkeypatch):
    """Key rotation: the session interface reads a cookie signed with a key now in
    SECRET_KEY_FALLBACKS, and one signed with a key it has never had is refused."""
    needs_the_signed_cookie_session(production_app)
    old_key, other = secrets.token_hex(32), secrets.token_hex(32)
    payload = {production_app.config["WTF_CSRF_FIELD_NAME"]: secrets.token_hex(20)}
    signed_before = URLSafeTimedSerializer(
        old_key,
        salt="cookie-session",
        serializer=SecureCookieSessionInterface.serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )
    stranger = URLSafeTimedSerializer(
        other,
        salt="cookie-session",
        serializer=SecureCookieSessionInterface.serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )
    monkeypatch.setitem(production_app.config, "SECRET_KEY_FALLBACKS", [old_key])
    ours = production_app.session_interface.get_signing_serializer(production_app)
    with production_app.app_context():
        assert ours.loads(signed_before.dumps(payload)) == payload
        with pytest.raises(BadSignature):
            ours.loads(stranger.dumps(payload))


def _cookie_headers(response):
    # Expires (a permanent session) is the current second: equal for two saves in a row, save
    # at the turn of a second.
    masked = [
        re.sub(r"Expires=[^;]*", "Expires=…", c) for c in response.headers.getlist("Set-Cookie")
    ]
    return masked, response.headers.getlist("Vary")


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"SESSION_COOKIE_SAMESITE": "Strict"},
        {"SESSION_COOKIE_NAME": "sid", "SESSION_COOKIE_PATH": "/app"},
        {"SESSION_COOKIE_NAME": "sid", "SESSION_COOKIE_DOMAIN": "example.com"},
        {"SESSION_COOKIE_HTTPONLY": False, "SESSION_COOKIE_SECURE": False},
        {"PERMANENT": True},
    ],
    ids=["as-configured", "strict", "path", "domain", "no-flags", "permanent"],
)
def test_the_session_cookie_is_the_one_flask_writes(
    production_app, fixed_time, monkeypatch, settings
):
    """The session interface writes the usual cookie in one step: the Set-Cookie and Vary
    headers must be those Flask's own save_session writes, whatever the cookie settings."""
    needs_the_signed_cookie_session(production_app)
    settings = dict(settings)
    permanent = settings.pop("PERMANENT", False)
    for name, value in settings.items():
        monkeypatch.setitem(production_app.config, name, value)
    field = production_app.config["WTF_CSRF_FIELD_NAME"]
    interface = production_app.session_interface
    with production_app.test_request_context(base_url="https://localhost"):
        session = interface.session_class()
        session[field] = secrets.token_hex(20)
        if permanent:  # (a session that never says stays as Flask makes it: not permanent)
            session.permanent = True
        ours, flasks = flask.Response(), flask.Response()
        interface.save_session(production_app, session, ours)
        SecureCookieSessionInterface().save_session(production_app, session, flasks)
    assert ours.headers.getlist("Set-Cookie"), "no cookie written"
    assert _cookie_headers(ours) == _cookie_headers(flasks)
