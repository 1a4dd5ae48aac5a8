"""Protection 6: every dynamic page carries the security headers, over HTTPS."""

import re
import secrets
from pathlib import Path

import flask
import pytest

from ..security import _csp
from ..testing import base_url

CSP = re.compile(
    r"default-src 'none'; script-src 'self' 'nonce-(?P<nonce>[A-Za-z0-9_-]{16,})'; "
    r"style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; "
    r"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; "
    r"upgrade-insecure-requests"
)

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(), payment=(), usb=()",
}


def csp_of(response, app) -> str:
    """The policy sent: report-only only where the app says so (CSP_REPORT_ONLY)."""
    if app.config.get("CSP_REPORT_ONLY"):
        assert "Content-Security-Policy" not in response.headers
        return response.headers.get("Content-Security-Policy-Report-Only", "")
    assert "Content-Security-Policy-Report-Only" not in response.headers
    return response.headers.get("Content-Security-Policy", "")


def csp_pattern(app) -> re.Pattern:
    """CSP above, with the origins the app adds through CSP_EXTRA_SOURCES after 'self'."""
    extra = app.config.get("CSP_EXTRA_SOURCES") or {}
    if not extra and not app.config.get("CSP_REPORT_ONLY"):
        return CSP
    parts = []
    for directive, value in _csp(app).items():
        text = re.escape(f"{directive} {value}".rstrip())
        if directive == "script-src":
            text += r" 'nonce-(?P<nonce>[A-Za-z0-9_-]{16,})'"
        parts.append(text)
    report = r" ?; report-uri \S+" if app.config.get("CSP_REPORT_ONLY") else ""
    return re.compile("; ".join(parts) + report)


@pytest.fixture
def page(production_client):
    return production_client.get("/")


def test_page_is_served(page):
    assert page.status_code == 200


@pytest.mark.parametrize(("name", "value"), sorted(EXPECTED.items()))
def test_security_header(page, name, value):
    assert page.headers.get(name) == value


def test_hsts_header_has_the_configured_max_age(page, production_app):
    max_age = production_app.config["HSTS_MAX_AGE"]
    expected = f"max-age={max_age}; includeSubDomains"
    assert page.headers.get("Strict-Transport-Security") == expected


def test_content_security_policy_is_strict_with_a_nonce(page, production_app):
    policy = csp_of(page, production_app)
    assert csp_pattern(production_app).fullmatch(policy), policy


def test_each_response_gets_a_new_nonce(production_client):
    app = production_client.application
    policies = {csp_of(production_client.get("/"), app) for _ in range(2)}
    assert len(policies) == 2


def test_page_has_no_inline_script_or_style(page, production_app):
    html = page.get_data(as_text=True)
    # An inline script must carry the page's nonce (checked below); nothing else runs.
    assert re.search(r"<script(?![^>]*\b(src|nonce)=)", html) is None
    if not production_app.config.get("CSP_REPORT_ONLY"):
        assert re.search(r"<style\b|\sstyle=", html) is None


def test_scripts_carry_the_page_nonce(page, production_app):
    nonce = csp_pattern(production_app).fullmatch(csp_of(page, production_app)).group("nonce")
    scripts = re.findall(r"<script\b[^>]*>", page.get_data(as_text=True))
    if not scripts:
        # Not a pass: with no script on the page, nothing here shows the nonce reaches one.
        pytest.skip("the start page loads no script, so no nonce can be checked")
    assert [tag for tag in scripts if f'nonce="{nonce}"' not in tag] == []


def _saved_session_cookies(app) -> list[str]:
    # For a page that stores nothing in the session: what the app sends once something is stored.
    with app.test_request_context("/", base_url=base_url(app)):
        flask.session["probe"] = True
        response = app.make_response("")
        app.session_interface.save_session(app, flask.session, response)
    return response.headers.getlist("Set-Cookie")


def test_session_cookie_is_host_only_secure_httponly_lax(page, production_app):
    sent = page.headers.getlist("Set-Cookie") or _saved_session_cookies(production_app)
    cookies = [c for c in sent if c.startswith("__Host-session=")]
    assert len(cookies) == 1
    attributes = {part.strip() for part in cookies[0].split(";")[1:]}
    assert {"Secure", "HttpOnly", "Path=/", "SameSite=Lax"} <= attributes
    assert not any(a.lower().startswith("domain=") for a in attributes)


def test_plain_http_is_redirected_to_https(production_client):
    host = production_client.application.config["TRUSTED_HOSTS"][0]
    response = production_client.get("/", base_url=f"http://{host}")
    assert response.status_code in {301, 302, 308}
    assert response.headers["Location"].startswith(f"https://{host}/")


def test_untrusted_host_is_refused(production_client):
    response = production_client.get("/", base_url="https://attacker.example")
    assert response.status_code == 400


def a_static_url(app) -> str:
    """The URL of one of the app's static files (the test skips when it has none)."""
    folder = Path(app.static_folder or "")
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    if not files:
        pytest.skip("the app serves no static files")
    return f"{app.static_url_path}/{files[0].relative_to(folder).as_posix()}"


def test_static_files_get_the_headers_too(production_client):
    url = a_static_url(production_client.application)
    # Closed at once: a file response left open is a ResourceWarning, an error under -W error.
    with production_client.get(url) as response:
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        app = production_client.application
        assert csp_pattern(app).fullmatch(csp_of(response, app))


def test_pages_with_a_token_or_a_cookie_are_not_cached(page, production_client):
    # A page that embeds a CSRF token or sets the session cookie belongs to one visitor.
    body = page.get_data(as_text=True)
    field = production_client.application.config["WTF_CSRF_FIELD_NAME"]
    if page.headers.get("Set-Cookie") or field in body or "csrf-token" in body:
        assert page.headers.get("Cache-Control") == "no-store"
    again = production_client.get("/")
    if again.headers.get("Set-Cookie") or field in again.get_data(as_text=True):
        assert again.headers.get("Cache-Control") == "no-store"


def test_a_page_with_a_token_is_not_cached(build, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    app = build("production")

    @app.get("/form")
    def form():
        return flask.render_template_string("<input value='{{ csrf_token() }}'>")

    @app.get("/plain")
    def plain():
        return "nothing private"

    assert app.test_client().get("/form").headers.get("Cache-Control") == "no-store"
    assert "no-store" not in app.test_client().get("/plain").headers.get("Cache-Control", "")


def test_static_files_stay_cacheable(production_client):
    with production_client.get(a_static_url(production_client.application)) as response:
        assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("change", ["csp entry", "permissions entry", "option"])
def test_changes_to_the_live_policy_are_sent(
    production_app, production_client, monkeypatch, change
):
    """The headers are built once: an option set or a policy entry edited in place afterwards
    (as the mutation tests do) must still reach the next response, and undone, leave it."""
    talisman = production_app.extensions["talisman"]
    production_client.get("/")  # the headers built before the change
    if change == "csp entry":
        policy = talisman.content_security_policy
        monkeypatch.setitem(policy, "img-src", "'self' https://img.example")
    elif change == "permissions entry":
        monkeypatch.setitem(talisman.permissions_policy, "camera", "self")
    else:
        monkeypatch.setattr(talisman, "strict_transport_security_max_age", 600)
    changed = production_client.get("/").headers
    monkeypatch.undo()
    undone = production_client.get("/").headers
    csp = "Content-Security-Policy"
    if production_app.config.get("CSP_REPORT_ONLY"):
        csp += "-Report-Only"
    if change == "csp entry":
        assert "img-src 'self' https://img.example;" in changed[csp]
        assert "https://img.example" not in undone[csp]
    elif change == "permissions entry":
        assert "camera=self" in changed["Permissions-Policy"]
        assert undone["Permissions-Policy"] == EXPECTED["Permissions-Policy"]
    else:
        assert changed["Strict-Transport-Security"].startswith("max-age=600;")
        assert undone["Strict-Transport-Security"] == page_hsts(production_app)


def page_hsts(app) -> str:
    return f"max-age={app.config['HSTS_MAX_AGE']}; includeSubDomains"
