"""Request-level protections: proxy headers, CSRF, security headers and caching.

The header policy lives in ``security-headers.json``: this module sends it, the nginx snippet
in deploy/nginx/ is rendered from the same file, and ``flask security check`` compares them.
"""

import binascii
import functools
import hashlib
import hmac
import json
import operator
import re
import secrets
import zlib
from collections.abc import Callable
from pathlib import Path

import flask_talisman
import flask_talisman.talisman as _talisman_impl
import flask_wtf.csrf as _flask_wtf_csrf
from flask import Flask, Response, current_app, g, request, session
from flask.json.provider import DefaultJSONProvider
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_wtf.csrf import CSRFProtect
from itsdangerous import Serializer, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, int_to_bytes, want_bytes
from itsdangerous.signer import HMACAlgorithm
from werkzeug.datastructures import Headers
from werkzeug.http import dump_cookie
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()

# Endpoints allowed to skip CSRF checks, each with the reason it is safe. Keep it empty unless a
# request can never carry the user's cookies (e.g. a webhook that checks its own signature):
#     "hooks.payment_webhook": "Signed by the provider with HMAC; checked in the view.",
CSRF_EXEMPT: dict[str, str] = {}

POLICY_FILE = Path(__file__).with_name("security-headers.json")
_POLICY = json.loads(POLICY_FILE.read_text(encoding="utf-8"))

# Talisman appends the per-request nonce to script-src.
CSP_DIRECTIVES: dict[str, str] = dict(_POLICY["content_security_policy"])
PERMISSIONS_POLICY: dict[str, str] = dict(_POLICY["permissions_policy"])
# X-Content-Type-Options, X-Frame-Options, Referrer-Policy, COOP and CORP, sent as written.
FIXED_HEADERS: dict[str, str] = dict(_POLICY["headers"])

# (Not named CSP_*: the audit reads a CSP_* string constant as a policy.)
REPORT_URI_PATH = "/csp-report"
# Origins may be added per directive with app.config["CSP_EXTRA_SOURCES"] (e.g. a CDN the pages
# load from: {"script-src": ["https://cdn.example.com"]}); keywords and wildcards are refused.
_ORIGIN = re.compile(r"https://[a-z0-9.-]+(:\d+)?")


def init_security(app: Flask) -> None:
    """Install every protection; call after all blueprints are registered."""
    # One nginx in front: trust exactly one hop of each header it sets, and nothing more.
    if app.config.get("CSP_REPORT_ONLY"):
        app.wsgi_app = CspReportSink(app.wsgi_app, app.logger)
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    csrf.init_app(app)
    _sign_tokens_with_cached_keys(app)
    # A GET (any method outside WTF_CSRF_METHODS) passes Flask-WTF's check whatever the view:
    # answered before its exemption lookup, which it does first.
    _relax_in_tests(app, "flask_wtf.csrf", "csrf_protect", passes=_not_checked_for_csrf)
    for endpoint, reason in CSRF_EXEMPT.items():
        if endpoint not in app.view_functions or not reason.strip():
            message = f"CSRF_EXEMPT entry {endpoint!r} needs an existing endpoint and a reason"
            raise ValueError(message)
        csrf.exempt(app.view_functions[endpoint])

    app.session_interface = _SessionInterface()

    # after_request hooks run in reverse order: registered first, this one sees Talisman's work.
    app.after_request(_finish_headers)
    talisman = Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=True,
        strict_transport_security_max_age=app.config["HSTS_MAX_AGE"],
        strict_transport_security_include_subdomains=True,
        content_security_policy=_csp(app),
        content_security_policy_nonce_in=["script-src"],
        # Report-only only while the page still has inline handlers or style attributes (the
        # retrofit lists each); reports go to the log through CspReportSink below.
        content_security_policy_report_only=bool(app.config.get("CSP_REPORT_ONLY")),
        content_security_policy_report_uri=REPORT_URI_PATH
        if app.config.get("CSP_REPORT_ONLY")
        else None,
        frame_options=FIXED_HEADERS["X-Frame-Options"],
        referrer_policy=FIXED_HEADERS["Referrer-Policy"],
        permissions_policy=PERMISSIONS_POLICY,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        x_content_type_options=True,
    )
    app.extensions["talisman"] = talisman
    # The hook is the method of whichever class defines it last (ours overrides Talisman's).
    _relax_in_tests(app, type(talisman)._force_https.__module__, "_force_https")


def relaxed_for_tests(app: Flask) -> bool:
    """True while the app is in testing mode and has not asked for every protection to stay on."""
    return bool(app.testing and app.config.get("HARDENING_RELAX_IN_TESTS", True))


def _relax_in_tests(
    app: Flask, module: str, name: str, passes: Callable[[Flask], bool] | None = None
) -> None:
    """Skip one extension's before_request hook while ``relaxed_for_tests(app)``.

    A project's own tests use the plain-HTTP test client and post forms without a token; the
    HTTPS redirect and the CSRF refusal would fail them all. The check runs per request, so
    switching ``app.testing`` on after the app is built works too. ``passes(app)``, when
    given, names requests the hook would let through anyway (it is not called for them).
    """
    hooks = app.before_request_funcs.setdefault(None, [])
    for index, hook in enumerate(hooks):
        if getattr(hook, "__module__", None) == module and getattr(hook, "__name__", None) == name:
            hooks[index] = _unless_relaxed(app, hook, passes)


def _unless_relaxed(
    app: Flask, hook: Callable[[], object], passes: Callable[[Flask], bool] | None
) -> Callable[[], object]:
    @functools.wraps(hook)
    def gated() -> object:
        if (passes is not None and passes(app)) or relaxed_for_tests(app):
            return None
        return hook()

    return gated


def _not_checked_for_csrf(app: Flask) -> bool:
    return request.method not in app.config["WTF_CSRF_METHODS"]


class CspReportSink:
    """Logs the reports browsers post to REPORT_URI_PATH while the policy is report-only.

    A WSGI layer in front of Flask, not a view: browsers send reports without the user's
    CSRF token, and no endpoint has to be exempted for them.
    """

    def __init__(self, wsgi_app: Callable, logger) -> None:
        self.wsgi_app = wsgi_app
        self.logger = logger

    def __call__(self, environ: dict, start_response: Callable):
        if environ.get("PATH_INFO") != REPORT_URI_PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        try:
            size = min(int(environ.get("CONTENT_LENGTH") or 0), 4096)
        except ValueError:
            size = 0
        body = environ["wsgi.input"].read(size).decode("utf-8", "replace") if size else ""
        self.logger.warning("Content-Security-Policy report: %s", body)
        start_response("204 No Content", [("Content-Length", "0")])
        return [b""]


def _csp(app: Flask) -> dict[str, str]:
    policy = dict(CSP_DIRECTIVES)
    for directive, origins in (app.config.get("CSP_EXTRA_SOURCES") or {}).items():
        bad = [o for o in origins if not _ORIGIN.fullmatch(o)]
        if directive not in policy or bad:
            message = (
                f"CSP_EXTRA_SOURCES[{directive!r}] takes https:// origins of a known directive"
            )
            raise ValueError(message)
        policy[directive] = " ".join([policy[directive], *origins])
    if app.config["FORCE_HTTPS"]:
        # Not over the plain-HTTP dev server, where it would break every same-origin asset.
        policy["upgrade-insecure-requests"] = ""
    return policy


def _finish_headers(response: Response) -> Response:
    response.headers.update(FIXED_HEADERS)
    if _is_private(response):
        # A page with a CSRF token or a cookie belongs to one visitor: no shared or browser
        # cache may keep it (ASVS 5.0 14.3.2).
        response.headers["Cache-Control"] = "no-store"
    if not getattr(response, _PREBUILT, False):
        # Talisman writes a value-less directive with a trailing space; send the header clean.
        for name in ("Content-Security-Policy", "Content-Security-Policy-Report-Only"):
            csp = response.headers.get(name)
            if csp is not None:
                response.headers[name] = csp.rstrip()
    return response


def _is_private(response: Response) -> bool:
    # The session cookie is written after every after_request hook, so a changed session is
    # the sign that it will be; the CSRF token is kept in `g` once a template has asked for it.
    token_field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return "Set-Cookie" in response.headers or session.modified or token_field in g


# Set on a response whose headers Talisman (below) added from its prebuilt lists, and on the
# request (in its __dict__) to the headers worked out for it.
_PREBUILT = "_security_headers_prebuilt"
_UNSET = object()


class Talisman(flask_talisman.Talisman):
    """Flask-Talisman with this app's headers worked out once, not on every response.

    Talisman rebuilds the Content-Security-Policy from its dict and sets each header one by one
    on every response (a scan of the header list each). With the options ``init_security``
    passes, the headers differ only by the request's nonce and by HSTS (sent over HTTPS only),
    so they are built once, by Talisman's own rules, and added in one step. They are built again
    whenever an option changes (the project's mutation tests weaken the live policy). Views
    with their own ``@talisman(...)`` options, responses that already hold one of these
    headers, and options the shortcut does not cover take Talisman's own path, unchanged.
    """

    # (the options it was built for, the headers, whether a count of changes stands for them)
    _built: tuple[object, dict[str, object] | None, bool] | None = None

    def init_app(self, app: Flask, **options: object) -> None:
        super().init_app(app, **options)
        # Talisman keeps its own copies of the policies; ours count their changes. The nonce
        # directives become a tuple: edited in place they would go unseen, now they cannot be.
        for name in _POLICY_OPTIONS:
            value = getattr(self, name)
            if isinstance(value, dict):
                setattr(self, name, _WatchedPolicy(value))
        if isinstance(self.content_security_policy_nonce_in, list):
            self.content_security_policy_nonce_in = tuple(self.content_security_policy_nonce_in)

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, value)
        if not name.startswith("_"):
            _changes[0] += 1  # an option set after start-up (a test switching one off)

    def _options(self) -> object:
        """What the prebuilt headers depend on, cheap to compare on every request: the count of
        options set and policy entries changed since start-up, plus, where an option holds a
        value that could change in place unseen (a list of sources), the value itself."""
        values = [
            getattr(self, name) for name in (*_POLICY_OPTIONS, "content_security_policy_nonce_in")
        ]
        if all(_sealed(value) for value in values):
            return _changes[0]
        return (_changes[0], repr(values))

    def _prebuilt(self) -> dict[str, object] | None:
        """The headers for the current options, or None where Talisman's own path must run.

        Worked out once per request (three hooks ask): the options are compared with the last
        ones seen at the first hook of each request.
        """
        req = request._get_current_object()
        found = req.__dict__.get(_PREBUILT, _UNSET)
        if found is not _UNSET:
            return found
        view = self.app.view_functions.get(req.endpoint)
        if hasattr(view, "talisman_view_options"):
            found = None
        else:
            built = self._built
            if built is None or built[0] != (_changes[0] if built[2] else self._options()):
                options = self._options()
                built = (options, self._build(), type(options) is int)
                self.__dict__["_built"] = built
            found = built[1]
        req.__dict__[_PREBUILT] = found
        return found

    def _build(self) -> dict[str, object] | None:
        policy = self.content_security_policy
        if (
            not isinstance(policy, dict)
            or not policy
            or self.feature_policy
            or self.document_policy
            or self.x_xss_protection
            or self.force_file_save
            or self.content_security_policy_report_uri
            or self.content_security_policy_report_only
            or self.frame_options == _talisman_impl.ALLOW_FROM
        ):
            return None
        # Talisman's _parse_policy, with a marker where each request's nonce goes.
        nonce_in = set(self.content_security_policy_nonce_in or ())
        parts = [
            f"{name} {value if isinstance(value, str) else ' '.join(value)}"
            for name, value in policy.items()
        ]
        marked = [
            f"{part} 'nonce-\0'" if name in nonce_in else part
            for part, name in zip(parts, policy, strict=True)
        ]
        fixed = []
        if self.permissions_policy:
            value = self._parse_structured_header_policy(self.permissions_policy)
            fixed.append(("Permissions-Policy", value))
        if self.frame_options:
            fixed.append(("X-Frame-Options", self.frame_options))
        if self.x_content_type_options:
            fixed.append(("X-Content-Type-Options", "nosniff"))
        hsts = f"max-age={self.strict_transport_security_max_age}"
        if self.strict_transport_security_include_subdomains:
            hsts += "; includeSubDomains"
        if self.strict_transport_security_preload:
            hsts += "; preload"
        names = {"content-security-policy", "strict-transport-security", "referrer-policy"}
        names.update(name.lower() for name, _ in fixed)
        return {
            "nonce": bool(nonce_in),
            "csp_pieces": "; ".join(marked).split("\0"),
            "csp_without_nonce": _checked([("CSP", "; ".join(parts))])[0][1],
            "fixed": _checked(fixed),
            "hsts": _checked([("Strict-Transport-Security", hsts)])[0]
            if self.strict_transport_security
            else None,
            "referrer": _checked([("Referrer-Policy", self.referrer_policy)])[0],
            "names": names,
        }

    def _force_https(self) -> Response | None:
        if self._prebuilt() is None:
            return super()._force_https()
        if self.session_cookie_secure and not self.app.debug:
            self.app.config["SESSION_COOKIE_SECURE"] = True
        if self.force_https and not (self.app.debug or _is_https()):
            return super()._force_https()
        return None

    def _make_nonce(self) -> None:
        built = self._prebuilt()
        if built is None:
            super()._make_nonce()
        elif built["nonce"] and not getattr(request, "csp_nonce", None):
            # Talisman's own nonce: the same generator and length.
            request.csp_nonce = _talisman_impl.get_random_string(_talisman_impl.NONCE_LENGTH)

    def _set_response_headers(self, response: Response) -> Response:
        built = self._prebuilt()
        headers = response.headers
        if built is None or any(name.lower() in built["names"] for name, _value in headers):
            return super()._set_response_headers(response)
        nonce = getattr(request, "csp_nonce", None)
        pieces = built["csp_pieces"]
        csp = built["csp_without_nonce"] if nonce is None else nonce.join(pieces)
        # Talisman leaves a trailing space after a value-less last directive; sent clean.
        extra = [*built["fixed"], ("Content-Security-Policy", csp.rstrip())]
        if built["hsts"] and _is_https():
            extra.append(built["hsts"])
        extra.append(built["referrer"])
        if nonce is not None and ("\r" in nonce or "\n" in nonce):
            return super()._set_response_headers(response)  # werkzeug refuses it
        _append_checked(headers, extra)
        setattr(response, _PREBUILT, True)
        return response


def _append_checked(headers: Headers, pairs: list[tuple[str, str]]) -> None:
    """``headers.extend(pairs)`` for text values checked already (no CR or LF: werkzeug's one
    check of a header value, a regex per header per response, done for these at start-up)."""
    items = getattr(headers, "_list", None)
    if type(headers) is Headers and type(items) is list:
        items.extend(pairs)
    else:
        headers.extend(pairs)


def _checked(pairs: list[tuple[str, object]]) -> list[tuple[str, str]]:
    """The header pairs as werkzeug stores them (text), refused as werkzeug refuses them."""
    return list(Headers(pairs).items())


def _is_https() -> bool:
    # Talisman's test: the request came over TLS, or the proxy says it did (asked twice).
    req = request._get_current_object()
    found = req.__dict__.get(_HTTPS)
    if found is None:
        found = req.is_secure or req.headers.get("X-Forwarded-Proto", "http") == "https"
        req.__dict__[_HTTPS] = found
    return found


_HTTPS = "_security_https"


class _WatchedPolicy(dict):
    """A policy dict that counts its changes, so that the headers built from it are built
    again after one without comparing the whole policy on every request."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._count()

    def _count(self) -> None:
        _changes[0] += 1
        # Lists of sources could change in place, unseen: such a policy is compared whole.
        self.plain = all(type(value) is str for value in self.values())

    def __setitem__(self, key: object, value: object) -> None:
        super().__setitem__(key, value)
        self._count()

    def __delitem__(self, key: object) -> None:
        super().__delitem__(key)
        self._count()

    def __ior__(self, other: object):
        result = super().__ior__(other)
        self._count()
        return result

    def update(self, *args: object, **kwargs: object) -> None:
        super().update(*args, **kwargs)
        self._count()

    def setdefault(self, key: object, default: object = None) -> object:
        result = super().setdefault(key, default)
        self._count()
        return result

    def pop(self, *args: object) -> object:
        result = super().pop(*args)
        self._count()
        return result

    def popitem(self) -> tuple[object, object]:
        result = super().popitem()
        self._count()
        return result

    def clear(self) -> None:
        super().clear()
        self._count()


def _sealed(value: object) -> bool:
    """True if ``value`` cannot change without adding to ``_changes``."""
    if type(value) is _WatchedPolicy:
        return value.plain
    if type(value) is tuple:
        return all(type(item) is str for item in value)
    return value is None or type(value) in (str, bool, int)


# Options set on a Talisman and entries changed in its policies, since the process started.
_changes = [0]
_POLICY_OPTIONS = (
    "content_security_policy",
    "permissions_policy",
    "feature_policy",
    "document_policy",
)


def _kept(owner: object, store: str, key: object, make: Callable[[object], object]):
    """``make(key)``, made once per key and kept in ``owner.__dict__[store]``."""
    cache = owner.__dict__.setdefault(store, {})
    value = cache.get(key)
    if value is None:
        value = cache[key] = make(key)
    return value


class _HmacByName(HMACAlgorithm):
    """HMAC in one call to OpenSSL (``hmac.digest``). itsdangerous hands ``hmac.new`` its own
    wrapper around hashlib.sha1, which sends every signature through the pure-Python HMAC."""

    def __init__(self, digest_method: Callable[..., object], name: str) -> None:
        super().__init__(digest_method)
        self.name = name

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.digest(key, value, self.name)


class _CachedKeysSigner(TimestampSigner):
    """itsdangerous' TimestampSigner that derives each key once instead of on every signature.

    The derived key is a digest of the salt and the secret, both fixed for a signer; the
    signatures, the format and the checks (expiry, every key of a rotation) are itsdangerous'.
    Its HMAC, when it is one over a hashlib digest, is computed by ``hmac.digest``; ``sign``
    does TimestampSigner's steps in one go, with the HMAC's two keyed digest states made once
    (RFC 2104, as the hmac module does it): the same bytes.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._keyed = None
        algorithm = self.algorithm
        if type(algorithm) is HMACAlgorithm:
            name = getattr(algorithm.digest_method(), "name", None)
            if name in hashlib.algorithms_guaranteed:
                self.algorithm = _HmacByName(algorithm.digest_method, name)
        self._sep = want_bytes(self.sep)
        self._signing_key = super().derive_key()
        if isinstance(self.algorithm, _HmacByName):
            self._keyed = _hmac_states(self._signing_key, self.algorithm.name)

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        if secret_key is None:
            return self._signing_key
        return _kept(self, "_derived", secret_key, super().derive_key)

    def sign(self, value: str | bytes) -> bytes:
        if self._keyed is None:
            return super().sign(value)
        # value.timestamp.signature, each part URL-safe base64 without padding: itsdangerous'.
        stamped = want_bytes(value) + self._sep + _timestamp_part(self.get_timestamp())
        return stamped + self._sep + _url_safe_base64(self._mac(stamped))

    def verify_signature(self, value: str | bytes, sig: str | bytes) -> bool:
        # The current key first, from its keyed states; a miss (an older key of a rotation, a
        # forgery) goes through itsdangerous' own check of every key.
        if self._keyed is not None:
            try:
                raw = base64_decode(sig)
            except Exception:  # noqa: BLE001 - itsdangerous' own answer to an undecodable one
                return False
            if hmac.compare_digest(raw, self._mac(want_bytes(value))):
                return True
        return super().verify_signature(value, sig)

    def _mac(self, value: bytes) -> bytes:
        inner, outer = self._keyed[0].copy(), self._keyed[1].copy()
        inner.update(value)
        outer.update(inner.digest())
        return outer.digest()


_INNER_PAD = bytes(byte ^ 0x36 for byte in range(256))
_OUTER_PAD = bytes(byte ^ 0x5C for byte in range(256))


def _hmac_states(key: bytes, name: str) -> tuple[object, object]:
    """The inner and outer digests of HMAC(key, ...) with the key already fed in."""
    block = hashlib.new(name).block_size
    if len(key) > block:
        key = hashlib.new(name, key).digest()
    key = key.ljust(block, b"\0")
    return hashlib.new(name, key.translate(_INNER_PAD)), hashlib.new(
        name, key.translate(_OUTER_PAD)
    )


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def _url_safe_base64(data: bytes) -> bytes:
    # itsdangerous' base64_encode: URL-safe alphabet, no padding.
    return binascii.b2a_base64(data, newline=False).translate(_URL_SAFE).rstrip(b"=")


# (the second, its encoding), replaced as one tuple so that threads always see a matching pair.
_stamp: list[tuple[int | None, bytes]] = [(None, b"")]


def _timestamp_part(timestamp: int) -> bytes:
    # The same for every signature made in one second.
    stamp = _stamp[0]
    if stamp[0] != timestamp:
        stamp = _stamp[0] = (timestamp, _url_safe_base64(int_to_bytes(timestamp)))
    return stamp[1]


class _CachedSigningSerializer(URLSafeTimedSerializer):
    """URLSafeTimedSerializer that makes its signer once per salt (it makes one per call), and
    does not try zlib on a short payload.

    itsdangerous compresses a payload when that saves 2 bytes or more. zlib's header and
    checksum take 6 bytes and it shrinks text only by matching repeats of 3 bytes or more, so a
    payload of a few dozen bytes (a new CSRF token, the session cookie holding one) gains a few
    bytes at best, while each try sets up 256 KiB of zlib state, the largest single cost of
    signing one. Such a payload goes out uncompressed: the format has both forms and every
    reader reads both.
    """

    default_signer = _CachedKeysSigner

    def dumps(self, obj: object, salt: str | bytes | None = None) -> str | bytes:
        return self.dumps_json(self.json_of(obj), salt)

    def json_of(self, obj: object) -> bytes:
        """The payload serializer's output for ``obj``, as bytes (Serializer.dump_payload's)."""
        return Serializer.dump_payload(self, obj)

    def dumps_json(self, data: bytes, salt: str | bytes | None = None) -> str | bytes:
        """``dumps`` of the object whose serialized form (``json_of``) is ``data``."""
        signed = self.make_signer(salt).sign(self._url_safe(data))
        return signed.decode("utf-8") if self.is_text_serializer else signed

    def dump_payload(self, obj: object) -> bytes:
        return self._url_safe(self.json_of(obj))

    @staticmethod
    def _url_safe(data: bytes) -> bytes:
        if len(data) > _SHORT_PAYLOAD:
            compressed = zlib.compress(data)
            if len(compressed) < len(data) - 1:
                return b"." + _url_safe_base64(compressed)
        return _url_safe_base64(data)

    def make_signer(self, salt: str | bytes | None = None) -> TimestampSigner:
        if salt is None:  # the serializer's own salt: the usual case, one lookup
            signer = self.__dict__.get("_default_signer")
            if signer is None:
                signer = self.__dict__["_default_signer"] = super().make_signer()
            return signer
        return _kept(self, "_signers", salt, super().make_signer)


_SHORT_PAYLOAD = 64


def _cached_copy(serializer: URLSafeTimedSerializer) -> _CachedSigningSerializer:
    """The same serializer (keys, salt, payload serializer, signer options), signing faster."""
    return _CachedSigningSerializer(
        serializer.secret_keys,
        salt=serializer.salt,
        serializer=_PlainFirstJSON(serializer.serializer)
        if type(serializer.serializer) is TaggedJSONSerializer
        else serializer.serializer,
        signer_kwargs=serializer.signer_kwargs,
    )


class _PlainFirstJSON:
    """Flask's tagged JSON for the session, reading a cookie of plain strings with json alone.

    TaggedJSONSerializer parses the JSON, then walks it to untag what it tagged (a one-key dict
    whose key is a tag); a dict of strings holds nothing to untag, and comes back as parsed.
    """

    def __init__(self, tagged: TaggedJSONSerializer) -> None:
        self.tagged = tagged

    def dumps(self, value: object) -> str:
        return self.tagged.dumps(value)

    def loads(self, value: str | bytes) -> object:
        if current_app and type(current_app.json) is not DefaultJSONProvider:
            return self.tagged.loads(value)
        data = json.loads(value)  # what Flask's provider does with it
        if type(data) is not dict or (len(data) == 1 and next(iter(data)) in self.tagged.tags):
            return self.tagged.loads(value)
        for item in data.values():
            if type(item) is not str:
                return self.tagged.loads(value)
        return data


# json's own string quoting (its C code, the same for keys and values).
_json_ascii_string = json.encoder.encode_basestring_ascii
_json_string = json.encoder.encode_basestring


def _session_json(app: Flask, serializer: object, data: dict) -> bytes | None:
    """Flask's tagged JSON of a session holding only text, or None where Flask's code must run.

    TaggedJSONSerializer leaves ``str`` keys and values as they are (it tags bytes, tuples,
    Markup, UUIDs, dates, and a one-key dict whose key is one of its tags), then hands the result
    to the app's JSON provider with compact separators; for Flask's own provider that is
    json.dumps with its ensure_ascii and sort_keys. The same text, without the walk.
    """
    provider = app.json
    if type(serializer) is not TaggedJSONSerializer or type(provider) is not DefaultJSONProvider:
        return None
    for key, value in data.items():
        if type(key) is not str or type(value) is not str:
            return None
    if len(data) == 1 and next(iter(data)) in serializer.tags:
        return None
    quote = _json_ascii_string if provider.ensure_ascii else _json_string
    keys = sorted(data) if provider.sort_keys else data
    # json.dumps(data, separators=(",", ":")) of a dict of strings, the same text.
    return ("{" + ",".join(f"{quote(key)}:{quote(data[key])}" for key in keys) + "}").encode()


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with its signing serializer built once per set of keys,
    and the usual save (a session of text, no expiry, no Vary yet) written in one step.

    Flask builds a new serializer when it opens and again when it saves a session, on every
    request, and its save reads seven settings and formats the cookie's attributes each time;
    the cookie format, the keys, the salt and the attributes are Flask's, unchanged.
    """

    _cached: tuple[tuple[object, ...], URLSafeTimedSerializer | None] | None = None
    _cookie: tuple[tuple[object, ...], str, str] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._cached
        if cached is None or cached[0] != keys:
            serializer = super().get_signing_serializer(app)
            cached = self._cached = (keys, serializer and _cached_copy(serializer))
        return cached[1]

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        headers = response.headers
        if (
            not session
            or not session.modified
            or "Vary" in headers
            or self.get_expiration_time(app, session) is not None
        ):
            return super().save_session(app, session, response)
        serializer = self.get_signing_serializer(app)
        tagged = getattr(serializer.serializer, "tagged", None) if serializer else None
        data = _session_json(app, tagged, session) if tagged else None
        if data is None:
            return super().save_session(app, session, response)
        head, tail = self._cookie_parts(app)
        # The value is URL-safe base64 and dots: nothing for werkzeug's dump_cookie to quote.
        cookie = f"{head}{serializer.dumps_json(data)}{tail}"
        limit = app.config["MAX_COOKIE_SIZE"]  # what response.max_cookie_size reads
        if limit and len(cookie) > limit:
            return super().save_session(app, session, response)  # werkzeug warns
        # Flask's order: Vary first when the session was read, and always after the cookie.
        vary = ("Vary", "Cookie")
        pairs = (
            [vary, ("Set-Cookie", cookie)] if session.accessed else [("Set-Cookie", cookie), vary]
        )
        _append_checked(headers, pairs)
        return None

    def _cookie_parts(self, app: Flask) -> tuple[str, str]:
        """What comes before and after the value in the Set-Cookie header, by werkzeug's rules,
        worked out again whenever one of the settings Flask reads for it changes."""
        settings = _COOKIE_SETTINGS(app.config)
        cached = self._cookie
        if cached is None or cached[0] != settings:
            name = self.get_cookie_name(app)
            empty = dump_cookie(
                name,
                "",
                httponly=self.get_cookie_httponly(app),
                domain=self.get_cookie_domain(app),
                path=self.get_cookie_path(app),
                secure=self.get_cookie_secure(app),
                partitioned=self.get_cookie_partitioned(app),
                samesite=self.get_cookie_samesite(app),
            )
            head = f"{name.encode().decode('latin1')}="
            _checked([("Set-Cookie", empty)])  # a CR or LF in a setting: refused, as werkzeug does
            cached = self._cookie = (settings, head, empty[len(head) :])
        return cached[1], cached[2]


# Every setting SecureCookieSessionInterface's get_cookie_* read, in one call.
_COOKIE_SETTINGS = operator.itemgetter(
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_PATH",
    "APPLICATION_ROOT",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_PARTITIONED",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_HTTPONLY",
)


# Flask-WTF's salt for the token it signs; the same in generate_csrf and validate_csrf.
_CSRF_SALT = "wtf-csrf-token"
_csrf_serializers: dict[object, _CachedSigningSerializer] = {}
# More keys than this in one process (a test suite making app after app): start the cache anew.
_CSRF_SERIALIZERS_KEPT = 8


def _raw_csrf_token() -> str:
    # What Flask-WTF stores: 40 hex digits, 160 random bits (it hashes 64 random bytes to get them).
    return secrets.token_hex(20)


def csrf_token() -> str:
    """Flask-WTF's ``generate_csrf()``, with its signing serializer kept per secret key.

    What templates call as ``csrf_token()``. The same steps as Flask-WTF's (which makes a new
    serializer, and derives its key, on every call): the raw token in the session under
    WTF_CSRF_FIELD_NAME (made when missing), signed with WTF_CSRF_SECRET_KEY or SECRET_KEY and
    the same salt, at most once per request (kept in ``g``, where Flask-WTF's own
    generate_csrf and FlaskForm find it too). Flask-WTF's validate_csrf checks it, unchanged.
    """
    app = current_app._get_current_object()
    config = app.config
    secret_key = config.get("WTF_CSRF_SECRET_KEY", app.secret_key)
    field_name = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if secret_key is None or field_name is None:
        message = "A secret key and a field name are required to use CSRF."
        raise RuntimeError(message)
    kept = g._get_current_object().__dict__  # what `field_name in g` and g.get read
    if field_name not in kept:
        serializer = _csrf_serializers.get(secret_key)
        if serializer is None:
            if len(_csrf_serializers) >= _CSRF_SERIALIZERS_KEPT:
                _csrf_serializers.clear()
            serializer = _CachedSigningSerializer(secret_key, salt=_CSRF_SALT)
            _csrf_serializers[secret_key] = serializer
        store = session._get_current_object()
        if field_name not in store:
            store[field_name] = _raw_csrf_token()
        raw = store[field_name]
        if type(raw) is str:
            # itsdangerous' compact JSON of a string: the string, quoted and escaped to ASCII.
            token = serializer.dumps_json(_json_ascii_string(raw).encode("ascii"))
        else:
            try:
                token = serializer.dumps(raw)
            except TypeError:
                store[field_name] = _raw_csrf_token()
                token = serializer.dumps(store[field_name])
        kept[field_name] = token
    return kept[field_name]


def _sign_tokens_with_cached_keys(app: Flask) -> None:
    """Points the templates' ``csrf_token()`` (a global and a context processor that
    CSRFProtect.init_app installs) at ``csrf_token`` above; nothing changes without them."""
    processors = app.template_context_processors.get(None, [])
    for index, processor in enumerate(processors):
        if getattr(processor, "__module__", None) == "flask_wtf.csrf":
            processors[index] = _csrf_context
            app.jinja_env.globals["csrf_token"] = csrf_token


def _csrf_context() -> dict[str, object]:
    return {"csrf_token": csrf_token, "csrf_meta_tag": _flask_wtf_csrf.csrf_meta_tag}
