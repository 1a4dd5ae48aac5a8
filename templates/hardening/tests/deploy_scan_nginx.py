"""The nginx half of the deploy scan, rule by rule, on small sites written here.

`deploy_files.py` shows that the project's own site passes and that each weakening of it is
found; these tests pin down what each rule reads, as nginx reads it: units of time and size,
which level a directive is inherited from, what the default server of the TLS port decides for
every name, which nested locations really refuse dotfiles, and how a header nginx sends is
compared with the one the app sends. Each finding is checked whole: protection, file, line,
problem and fix, since the report is what a maintainer acts on.
"""

import pytest

from ..deploy_scan import (
    NGINX_HEADERS,
    NGINX_LIMITS,
    NGINX_STATIC,
    NGINX_TLS,
    AppPolicy,
    Directive,
    Finding,
    NginxSyntaxError,
    _bytes,
    _header_values,
    _is_nonce,
    _locations,
    _permissions,
    _seconds,
    check_nginx,
    csp_weakenings,
    header_weakenings,
    nginx_sites,
    parse_nginx,
)

SITE = "deploy/nginx/site.conf"
MOZILLA_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
)
# A site with every value DESIGN.md §2 asks of nginx, and nothing else. Tests change one line
# (a removed line becomes a comment, so the others keep their numbers).
GOOD = f"""\
limit_req_zone $binary_remote_addr zone=general:10m rate=30r/s;
limit_conn_zone $binary_remote_addr zone=conn:10m;
map $status $loggable {{
    429 0;
    default 1;
}}
server {{
    listen 443 ssl default_server;
    server_name _;
    ssl_reject_handshake on;
    ssl_ecdh_curve X25519:prime256v1:secp384r1;
    ssl_session_cache shared:TLS:10m;
    ssl_session_tickets off;
    client_header_timeout 10s;
    return 444;
}}
server {{
    listen 443 ssl;
    server_name example.org;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers {MOZILLA_CIPHERS};
    ssl_session_tickets off;
    access_log /var/log/nginx/example.log combined if=$loggable;
    client_max_body_size 1m;
    client_header_timeout 10s;
    client_body_timeout 10s;
    send_timeout 10s;
    keepalive_timeout 5s;
    limit_req zone=general burst=60 nodelay;
    limit_req_status 429;
    limit_conn conn 20;
    limit_conn_status 429;
    location / {{
        proxy_pass http://127.0.0.1:8000;
    }}
}}
"""
DEFAULT_SERVER = 7  # the line of each server block
NAMED_SERVER = 17
LOCATION = "    location / {\n        proxy_pass http://127.0.0.1:8000;\n    }\n"
MIB = 1024**2


def _line(text: str, fragment: str) -> int:
    """The line ``fragment`` (found once in ``text``) starts on."""
    assert text.count(fragment) == 1, fragment
    return text[: text.index(fragment)].count("\n") + 1


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _without(text: str, fragment: str) -> str:
    """The site with the line holding ``fragment`` commented out."""
    return _replace_line(text, _line(text, fragment), "# (removed)")


def _replace_line(text: str, number: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[number - 1] = new + "\n"
    return "".join(lines)


def _locations_site(locations: str) -> str:
    """GOOD with its one location replaced by ``locations`` (indented for the server)."""
    return _edit(GOOD, LOCATION, locations)


@pytest.fixture
def nginx(tmp_path):
    """Runs check_nginx on a site file; returns the findings of one protection."""

    def check(text: str, protection: str, app: AppPolicy | None = None) -> list[Finding]:
        folder = tmp_path / "deploy" / "nginx"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "site.conf").write_text(text, encoding="utf-8")
        return [f for f in check_nginx(tmp_path, app) if f.protection == protection]

    return check


def test_the_site_with_designs_values_weakens_nothing(nginx):
    for protection in (NGINX_TLS, NGINX_LIMITS, NGINX_STATIC):
        assert nginx(GOOD, protection) == []
        assert nginx(GOOD, protection, AppPolicy({}, MIB)) == []


# --- nginx's units ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("10", 10),  # a bare number is seconds
        ("0", 0),
        ("10s", 10),
        ("500ms", 0.5),
        ("1500ms", 1.5),
        ("2m", 120),
        ("2h", 7200),
        ("2d", 172800),
        ("10S", None),  # nginx's units are case-sensitive (M is months)
        ("1.5s", None),
        ("10 s", None),
        ("ten", None),
        ("", None),
        ("-1s", None),
    ],
)
def test_nginx_times_in_each_unit(value, seconds):
    assert _seconds(value) == (pytest.approx(seconds) if seconds is not None else None)


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ("1048576", MIB),  # bytes
        ("0", 0),
        ("1k", 1024),
        ("1K", 1024),
        ("1024k", MIB),
        ("3m", 3 * MIB),
        ("3M", 3 * MIB),
        ("2g", 2 * 1024**3),
        ("2G", 2 * 1024**3),
        ("1t", None),  # nginx sizes stop at gigabytes
        ("1.5m", None),
        ("10mb", None),
        ("m", None),
        ("", None),
    ],
)
def test_nginx_sizes_in_each_unit(value, size):
    assert _bytes(value) == size


# --- TLS ----------------------------------------------------------------------------------

TICKETS = "session tickets are on: their keys never rotate, so no forward secrecy"
PROTOCOLS_FIX = "ssl_protocols TLSv1.2 TLSv1.3;"
CIPHERS_FIX = "ssl_ciphers as Mozilla's intermediate profile lists them (forward-secret AEAD)"


def test_a_tls_site_without_a_default_server_is_found(nginx):
    site = _edit(GOOD, "listen 443 ssl default_server;", "listen 80 default_server;")
    assert nginx(site, NGINX_TLS) == [
        Finding(
            NGINX_TLS,
            SITE,
            NAMED_SERVER,
            "no default_server on the TLS port, where nginx takes curves and sessions from",
            "keep the site's default_server (ssl_reject_handshake on, curves, session cache)",
        )
    ]


def test_every_default_server_is_checked(nginx):
    # One default server per listen socket: a good one on 8443 does not make up for 443's.
    site = _without(GOOD, "ssl_reject_handshake on;") + (
        "server {\n"
        "    listen 8443 ssl default_server;\n"
        "    ssl_reject_handshake on;\n"
        "    ssl_ecdh_curve X25519;\n"
        "    ssl_session_cache shared:TLS8443:10m;\n"
        "    ssl_session_tickets off;\n"
        "    client_header_timeout 5s;\n"
        "    return 444;\n"
        "}\n"
    )
    assert [(f.line, f.problem) for f in nginx(site, NGINX_TLS)] == [
        (
            DEFAULT_SERVER,
            "the default TLS server completes handshakes for names it does not serve",
        )
    ]


DEFAULT_TICKETS = "    ssl_session_tickets off;\n    client_header"
NAMED_TICKETS = "    ssl_session_tickets off;\n    access_log"


@pytest.mark.parametrize(
    ("site", "line"),
    [
        (_without(GOOD, DEFAULT_TICKETS), DEFAULT_SERVER),
        (_without(GOOD, NAMED_TICKETS), NAMED_SERVER),
        (_edit(GOOD, NAMED_TICKETS, NAMED_TICKETS.replace("off", "on")), 22),
    ],
    ids=["default server: not set (nginx's default is on)", "named server: not set", "on"],
)
def test_session_tickets_on_in_any_tls_server_are_found(nginx, site, line):
    assert nginx(site, NGINX_TLS) == [
        Finding(NGINX_TLS, SITE, line, TICKETS, "ssl_session_tickets off;")
    ]


def test_session_tickets_off_in_http_is_inherited_by_every_server(nginx):
    site = _without(_without(GOOD, DEFAULT_TICKETS), NAMED_TICKETS) + "ssl_session_tickets off;\n"
    assert nginx(site, NGINX_TLS) == []


PROTOCOLS = _line(GOOD, "ssl_protocols")


@pytest.mark.parametrize(
    ("site", "found"),
    [
        (
            _without(GOOD, "ssl_protocols"),
            (NAMED_SERVER, "ssl_protocols allows nginx.conf's defaults"),
        ),
        # In http {} it clashes with (or inherits) Debian's nginx.conf, which allows TLS 1.0.
        (
            _without(GOOD, "ssl_protocols") + "ssl_protocols TLSv1.2 TLSv1.3;\n",
            (NAMED_SERVER, "ssl_protocols allows nginx.conf's defaults"),
        ),
        (
            _edit(GOOD, "ssl_protocols TLSv1.2", "ssl_protocols TLSv1 TLSv1.1 TLSv1.2"),
            (PROTOCOLS, "ssl_protocols allows TLSv1 TLSv1.1"),
        ),
        (_edit(GOOD, "ssl_protocols TLSv1.2 TLSv1.3", "ssl_protocols TLSv1.3"), None),
    ],
    ids=["not set", "only in http", "TLS 1.0 and 1.1", "TLS 1.3 only"],
)
def test_protocols_are_tls_1_2_and_1_3_in_the_server(nginx, site, found):
    expected = [Finding(NGINX_TLS, SITE, *found, PROTOCOLS_FIX)] if found else []
    assert nginx(site, NGINX_TLS) == expected


CIPHERS = _line(GOOD, "ssl_ciphers")


@pytest.mark.parametrize(
    ("site", "found"),
    [
        (_without(GOOD, "ssl_ciphers"), (NAMED_SERVER, "ssl_ciphers allows OpenSSL's defaults")),
        (_without(GOOD, "ssl_ciphers") + f"ssl_ciphers {MOZILLA_CIPHERS};\n", None),
        (
            _edit(GOOD, "ssl_ciphers ", "ssl_ciphers DES-CBC3-SHA:AES128-SHA:"),
            (CIPHERS, "ssl_ciphers allows AES128-SHA:DES-CBC3-SHA"),
        ),
        (_edit(GOOD, MOZILLA_CIPHERS, "ECDHE-RSA-CHACHA20-POLY1305"), None),
    ],
    ids=["not set", "inherited from http", "two weak ones", "a subset of Mozilla's"],
)
def test_ciphers_are_mozillas_intermediate_ones(nginx, site, found):
    expected = [Finding(NGINX_TLS, SITE, *found, CIPHERS_FIX)] if found else []
    assert nginx(site, NGINX_TLS) == expected


# --- the default server of the TLS port: what nginx takes from it for every name ----------

CURVES = "the default TLS server's ssl_ecdh_curve allows "
CURVES_FIX = "ssl_ecdh_curve X25519:prime256v1:secp384r1; in the default server"
CACHE = "the default TLS server has no shared ssl_session_cache: no session is resumed"
CACHE_FIX = "ssl_session_cache shared:TLS:10m; in the default server"
REJECT = "the default TLS server completes handshakes for names it does not serve"
REJECT_FIX = "ssl_reject_handshake on; in the default server"
CURVE_LINE = _line(GOOD, "ssl_ecdh_curve")
CACHE_LINE = _line(GOOD, "ssl_session_cache")
REJECT_LINE = _line(GOOD, "ssl_reject_handshake")


@pytest.mark.parametrize(
    ("site", "expected"),
    [
        (
            _without(GOOD, "ssl_ecdh_curve"),
            [(DEFAULT_SERVER, CURVES + "every curve (secp521r1, X448)", CURVES_FIX)],
        ),
        # Set in the named server only: nginx never reads it there.
        (
            _edit(
                _without(GOOD, "ssl_ecdh_curve"),
                "server_name example.org;",
                "server_name example.org; ssl_ecdh_curve X25519;",
            ),
            [(DEFAULT_SERVER, CURVES + "every curve (secp521r1, X448)", CURVES_FIX)],
        ),
        (
            _edit(GOOD, "X25519:prime256v1:secp384r1", "X25519:secp521r1:X448"),
            [(CURVE_LINE, CURVES + "X448:secp521r1", CURVES_FIX)],
        ),
        (
            _edit(GOOD, "X25519:prime256v1:secp384r1", "auto"),
            [(CURVE_LINE, CURVES + "auto", CURVES_FIX)],
        ),
        (_edit(GOOD, "X25519:prime256v1:secp384r1", "X25519"), []),
        (_without(GOOD, "ssl_session_cache"), [(DEFAULT_SERVER, CACHE, CACHE_FIX)]),
        (_edit(GOOD, "shared:TLS:10m", "builtin:1000"), [(CACHE_LINE, CACHE, CACHE_FIX)]),
        (_edit(GOOD, "shared:TLS:10m", "none"), [(CACHE_LINE, CACHE, CACHE_FIX)]),
        (_edit(GOOD, "shared:TLS:10m", "builtin:1000 shared:TLS:10m"), []),
        (_without(GOOD, "ssl_reject_handshake"), [(DEFAULT_SERVER, REJECT, REJECT_FIX)]),
        (
            _edit(GOOD, "ssl_reject_handshake on", "ssl_reject_handshake off"),
            [(REJECT_LINE, REJECT, REJECT_FIX)],
        ),
    ],
    ids=[
        "curves not set",
        "curves only in the named server",
        "secp521r1 and X448",
        "auto",
        "X25519 only",
        "no session cache",
        "builtin cache only",
        "cache none",
        "builtin and shared",
        "handshakes not rejected",
        "reject handshake off",
    ],
)
def test_the_default_server_decides_curves_sessions_and_handshakes(nginx, site, expected):
    assert nginx(site, NGINX_TLS) == [Finding(NGINX_TLS, SITE, *f) for f in expected]


HEADER_TIMEOUT = "the default server's client_header_timeout (every name's) is not 10s or less"
HEADER_TIMEOUT_FIX = "client_header_timeout 10s; in the default server"
HEADER_TIMEOUT_LINE = _line(GOOD, "client_header_timeout 10s;\n    return")


@pytest.mark.parametrize(
    ("value", "slow"),
    [
        ("10s", False),
        ("10", False),
        ("9s", False),
        ("10000ms", False),
        ("10001ms", True),
        ("11s", True),
        ("1m", True),
        ("60s", True),
        ("ten", True),
    ],
)
def test_the_default_servers_header_timeout_is_10s_at_most(nginx, value, slow):
    site = _edit(
        GOOD,
        "client_header_timeout 10s;\n    return",
        f"client_header_timeout {value};\n    return",
    )
    expected = [(HEADER_TIMEOUT_LINE, HEADER_TIMEOUT)] if slow else []
    found = nginx(site, NGINX_LIMITS)
    assert [(f.line, f.problem) for f in found] == expected
    assert all(f.fix == HEADER_TIMEOUT_FIX and f.path == SITE for f in found)


def test_a_default_server_without_a_header_timeout_is_found(nginx):
    site = _without(GOOD, "client_header_timeout 10s;\n    return")
    assert nginx(site, NGINX_LIMITS) == [
        Finding(NGINX_LIMITS, SITE, DEFAULT_SERVER, HEADER_TIMEOUT, HEADER_TIMEOUT_FIX)
    ]


# --- limits of the named server -----------------------------------------------------------

TIMEOUTS = [
    ("client_header_timeout", 10),
    ("client_body_timeout", 10),
    ("send_timeout", 10),
    ("keepalive_timeout", 5),
]


def _named_line(name: str) -> int:
    """The line of the named server's timeout (the default server has a header timeout too)."""
    return max(n for n, line in enumerate(GOOD.splitlines(), start=1) if f" {name} " in line)


@pytest.mark.parametrize(("name", "limit"), TIMEOUTS)
def test_each_timeout_not_set_is_found_at_the_server(nginx, name, limit):
    site = _replace_line(GOOD, _named_line(name), "# (removed)")
    assert nginx(site, NGINX_LIMITS) == [
        Finding(
            NGINX_LIMITS,
            SITE,
            NAMED_SERVER,
            f"{name} not set (nginx waits 60s): slow clients hold connections longer than {limit}s",
            f"{name} {limit}s;",
        )
    ]


@pytest.mark.parametrize(("name", "limit"), TIMEOUTS)
def test_each_timeout_too_long_is_found_at_its_line(nginx, name, limit):
    number = _named_line(name)
    site = _replace_line(GOOD, number, f"    {name} 60s;")
    assert nginx(site, NGINX_LIMITS) == [
        Finding(
            NGINX_LIMITS,
            SITE,
            number,
            f"{name} 60s: slow clients hold connections longer than {limit}s",
            f"{name} {limit}s;",
        )
    ]


def test_keepalive_timeout_shows_both_of_its_values(nginx):
    site = _edit(GOOD, "keepalive_timeout 5s;", "keepalive_timeout 75s 60;")
    assert [f.problem for f in nginx(site, NGINX_LIMITS)] == [
        "keepalive_timeout 75s 60: slow clients hold connections longer than 5s"
    ]
    assert (
        nginx(_edit(GOOD, "keepalive_timeout 5s;", "keepalive_timeout 5s 5;"), NGINX_LIMITS) == []
    )


@pytest.mark.parametrize(
    ("value", "slow"),
    [
        ("10s", False),
        ("10", False),
        ("10000ms", False),
        ("11s", True),
        ("10001ms", True),
        ("1h", True),
        ("1d", True),
        ("x", True),
    ],
)
def test_send_timeout_boundary_and_units(nginx, value, slow):
    site = _edit(GOOD, "send_timeout 10s;", f"send_timeout {value};")
    assert bool(nginx(site, NGINX_LIMITS)) is slow


def test_timeouts_are_inherited_from_http_unless_the_server_sets_its_own(nginx):
    inherited = _without(GOOD, "send_timeout 10s;") + "send_timeout 10s;\n"
    assert nginx(inherited, NGINX_LIMITS) == []
    overridden = _edit(GOOD, "send_timeout 10s;", "send_timeout 60s;") + "send_timeout 10s;\n"
    assert [f.line for f in nginx(overridden, NGINX_LIMITS)] == [_line(GOOD, "send_timeout")]


BODY_LINE = _line(GOOD, "client_max_body_size")
BODY_FIX = "make both the same, so both layers refuse the same bodies"


@pytest.mark.parametrize(
    ("value", "flask"),
    [
        ("1m", MIB),
        ("1M", MIB),
        ("1024k", MIB),
        ("1024K", MIB),
        ("1048576", MIB),
        ("2m", 2 * MIB),
        ("1g", 1024**3),
        ("1G", 1024**3),
    ],
)
def test_a_body_limit_equal_to_flasks_in_any_unit_passes(nginx, value, flask):
    site = _edit(GOOD, "client_max_body_size 1m;", f"client_max_body_size {value};")
    assert nginx(site, NGINX_LIMITS, AppPolicy({}, flask)) == []


@pytest.mark.parametrize(
    ("value", "flask", "shown"),
    [
        ("1m", 2 * MIB, "1048576"),
        ("2m", MIB, "2097152"),
        ("1k", 1024 * 1024, "1024"),
        ("0", MIB, "0"),  # 0: nginx checks no size at all
    ],
)
def test_a_body_limit_other_than_flasks_is_found_at_its_line(nginx, value, flask, shown):
    site = _edit(GOOD, "client_max_body_size 1m;", f"client_max_body_size {value};")
    assert nginx(site, NGINX_LIMITS, AppPolicy({}, flask)) == [
        Finding(
            NGINX_LIMITS,
            SITE,
            BODY_LINE,
            f"client_max_body_size is {shown} bytes, Flask's MAX_CONTENT_LENGTH {flask}",
            BODY_FIX,
        )
    ]


@pytest.mark.parametrize("value", ["1.5m", "10mb", "lots"])
def test_a_body_limit_that_is_not_a_size_is_found(nginx, value):
    site = _edit(GOOD, "client_max_body_size 1m;", f"client_max_body_size {value};")
    [found] = nginx(site, NGINX_LIMITS, AppPolicy({}, MIB))
    assert (found.line, found.fix) == (BODY_LINE, BODY_FIX)
    assert found.problem.startswith("client_max_body_size is ")
    assert found.problem.endswith(f"Flask's MAX_CONTENT_LENGTH {MIB}")


def test_no_body_limit_is_nginxs_default_of_1m(nginx):
    site = _without(GOOD, "client_max_body_size")
    assert nginx(site, NGINX_LIMITS, AppPolicy({}, MIB)) == []
    assert nginx(site, NGINX_LIMITS, AppPolicy({}, 2 * MIB)) == [
        Finding(
            NGINX_LIMITS,
            SITE,
            NAMED_SERVER,
            f"client_max_body_size is {MIB} bytes, Flask's MAX_CONTENT_LENGTH {2 * MIB}",
            BODY_FIX,
        )
    ]
    inherited = site + "client_max_body_size 2m;\n"
    assert nginx(inherited, NGINX_LIMITS, AppPolicy({}, 2 * MIB)) == []


def test_the_body_limit_is_compared_only_with_a_known_flask_limit(nginx):
    site = _edit(GOOD, "client_max_body_size 1m;", "client_max_body_size 100m;")
    assert nginx(site, NGINX_LIMITS) == []
    assert nginx(site, NGINX_LIMITS, AppPolicy({}, None)) == []


def test_rate_and_connection_zones_must_be_keyed_by_the_client_address(nginx):
    site = _edit(GOOD, "limit_req_zone $binary_remote_addr", "limit_req_zone $server_name")
    site = _edit(site, "limit_conn_zone $binary_remote_addr", "limit_conn_zone $server_name")
    assert nginx(site, NGINX_LIMITS) == [
        Finding(
            NGINX_LIMITS,
            SITE,
            NAMED_SERVER,
            "no per-address rate limit (limit_req_zone $binary_remote_addr ...)",
            "restore the site's limit_req_zone lines",
        ),
        Finding(
            NGINX_LIMITS,
            SITE,
            NAMED_SERVER,
            "no per-address connection limit (limit_conn_zone $binary_remote_addr ...)",
            "restore the site's limit_conn_zone line",
        ),
    ]
    # One per-address zone is enough, whatever other keys the site uses as well.
    both = _edit(
        GOOD,
        "limit_conn_zone",
        "limit_req_zone $server_name zone=names:1m rate=1r/s;\nlimit_conn_zone",
    )
    assert not [f for f in nginx(both, NGINX_LIMITS) if f.problem.startswith("no per-address")]


@pytest.mark.parametrize("name", ["limit_req_status", "limit_conn_status"])
@pytest.mark.parametrize("change", ["removed", "503"])
def test_rejections_answer_429(nginx, name, change):
    # nginx's default for both is 503, which clients and monitors read as an outage.
    if change == "removed":
        site = _without(GOOD, f"{name} 429;")
    else:
        site = _edit(GOOD, f"{name} 429;", f"{name} {change};")
    assert nginx(site, NGINX_LIMITS) == [
        Finding(NGINX_LIMITS, SITE, NAMED_SERVER, f"{name} is not 429", f"{name} 429;")
    ]
    assert nginx(_without(GOOD, f"{name} 429;") + f"{name} 429;\n", NGINX_LIMITS) == []


# --- the access log -----------------------------------------------------------------------

LOGGED = "429 responses are written to the access log: one flooding client fills the disk"
LOG_FIX = "access_log ... if=$<site>_loggable; with a map $status that gives 429 the value 0"
LOG_LINE = _line(GOOD, "access_log")
LOG = "    access_log /var/log/nginx/example.log combined if=$loggable;\n"
MAP = "map $status $loggable {\n    429 0;\n    default 1;\n}\n"


def test_no_access_log_is_nginx_confs_which_logs_everything(nginx):
    assert nginx(_without(GOOD, "access_log"), NGINX_LIMITS) == [
        Finding(
            NGINX_LIMITS,
            SITE,
            NAMED_SERVER,
            "the access log is nginx.conf's, which writes every rejected request to disk",
            LOG_FIX,
        )
    ]


@pytest.mark.parametrize(
    "logs",
    [
        "    access_log off;\n",
        # "off" cancels every access_log of its level, whichever comes first.
        "    access_log off; access_log /var/log/nginx/all.log;\n",
        "    access_log /var/log/nginx/all.log; access_log off;\n",
    ],
)
def test_an_access_log_that_is_off_writes_nothing(nginx, logs):
    assert nginx(_edit(GOOD, LOG, logs), NGINX_LIMITS) == []


def test_an_access_log_off_in_http_is_inherited(nginx):
    assert nginx(_without(GOOD, "access_log") + "access_log off;\n", NGINX_LIMITS) == []
    # The server's own log replaces http's.
    site = _edit(GOOD, LOG, "    access_log /var/log/nginx/all.log;\n") + "access_log off;\n"
    assert nginx(site, NGINX_LIMITS) == [Finding(NGINX_LIMITS, SITE, LOG_LINE, LOGGED, LOG_FIX)]


@pytest.mark.parametrize(
    ("site", "logged"),
    [
        (_edit(GOOD, " if=$loggable", ""), True),
        (_edit(GOOD, "if=$loggable", "if=$unknown"), True),
        (_edit(GOOD, "map $status", "map $request_method"), True),  # 429 0 of another variable
        (_edit(GOOD, "    429 0;", "    429 1;"), True),
        (_without(GOOD, "    429 0;"), True),
        # The condition is false for "0" and for an empty string.
        (_edit(GOOD, "    429 0;", '    429 "";'), False),
        # Map parameters are not values.
        (_edit(GOOD, "    429 0;", "    volatile; 429 0;"), False),
        (_edit(GOOD, "    429 0;", "    hostnames; 429 0; 404 1;"), False),
    ],
    ids=[
        "no condition",
        "an unknown variable",
        "a map of another variable",
        "429 logged",
        "429 not mapped",
        "429 empty",
        "volatile",
        "hostnames",
    ],
)
def test_the_access_log_condition_must_drop_429(nginx, site, logged):
    expected = [Finding(NGINX_LIMITS, SITE, LOG_LINE, LOGGED, LOG_FIX)] if logged else []
    assert nginx(site, NGINX_LIMITS) == expected


def test_each_access_log_of_the_server_is_checked(nginx):
    site = _edit(GOOD, LOG, LOG + "    access_log /var/log/nginx/all.log combined;\n")
    site = _without(site, "client_max_body_size")  # keeps the lines below where they were
    assert nginx(site, NGINX_LIMITS) == [Finding(NGINX_LIMITS, SITE, LOG_LINE + 1, LOGGED, LOG_FIX)]


def test_maps_nginx_would_refuse_are_not_the_logs_condition(nginx):
    # map takes a source and a variable, and a block; these have not.
    site = _edit(GOOD, MAP, "map $loggable {\n    429 0;\n}\nmap {\n}\n")
    site = _edit(site, "limit_req_zone", "map $status $loggable; limit_req_zone")
    assert nginx(site, NGINX_LIMITS) == [
        Finding(NGINX_LIMITS, SITE, _line(site, "access_log"), LOGGED, LOG_FIX)
    ]


# --- limits in each location --------------------------------------------------------------

NOT_LIMITED_FIX = "limit_req zone={} ...; in the server (a location's limit_req replaces it)"
CONN = "limit_conn <zone> 20; in the server"


def _unlimited(locations: str) -> str:
    """The site without the server's limit_req and limit_conn, with these locations."""
    site = _without(_without(GOOD, "limit_req zone=general"), "limit_conn conn 20")
    return _edit(site, LOCATION, locations)


def test_a_location_without_limits_is_found(nginx):
    site = _unlimited("    location = /login {\n        proxy_pass http://127.0.0.1:8000;\n    }\n")
    line = _line(site, "location = /login")
    assert nginx(site, NGINX_LIMITS) == [
        Finding(
            NGINX_LIMITS,
            SITE,
            line,
            "location = /login is not rate-limited by zone general",
            NOT_LIMITED_FIX.format("general"),
        ),
        Finding(
            NGINX_LIMITS, SITE, line, "location = /login has no per-address connection limit", CONN
        ),
    ]


@pytest.mark.parametrize(
    "block",
    ["return 200;", "return 301 https://example.org/;", "deny all;", "allow 192.0.2.1; deny all;"],
)
def test_a_location_that_answers_at_once_needs_no_limits(nginx, block):
    site = _unlimited(f"    location = /health {{\n        {block}\n    }}\n")
    assert nginx(site, NGINX_LIMITS) == []


def test_a_locations_own_limit_req_replaces_the_servers(nginx):
    site = _edit(
        GOOD,
        "limit_conn_zone",
        "limit_req_zone $binary_remote_addr zone=write:10m rate=5r/s;\nlimit_conn_zone",
    )
    site = _edit(
        site,
        LOCATION,
        "    location /api/ {\n        limit_req zone=write burst=10;\n    }\n"
        "    location / {\n        location /nested/ {\n        }\n    }\n",
    )
    api = _line(site, "location /api/")
    # The server limits by general only: both other locations miss write, /api/ misses general.
    assert [(f.line, f.problem) for f in nginx(site, NGINX_LIMITS)] == [
        (api, "location /api/ is not rate-limited by zone general"),
        (api + 3, "location / is not rate-limited by zone write"),
        (api + 4, "location /nested/ is not rate-limited by zone write"),
    ]


def test_every_rate_zone_counts_in_name_order(nginx):
    site = _edit(
        GOOD,
        "limit_conn_zone",
        # Without rate=, nginx limits to 1 request per second.
        "limit_req_zone $binary_remote_addr zone=b_zone:10m;\n"
        "limit_req_zone $binary_remote_addr zone=a_zone:10m rate=1r/s;\nlimit_conn_zone",
    )
    assert [f.problem for f in nginx(site, NGINX_LIMITS)] == [
        "location / is not rate-limited by zone a_zone",
        "location / is not rate-limited by zone b_zone",
    ]


# --- static files -------------------------------------------------------------------------

STATIC_FIX = 'a nested location ~ "(^|/)\\.|~$|\\.(swp|bak|orig)$" { return 404; }'
GUARD = r'location ~ "(^|/)\.|~$|\.(swp|bak|orig)$"'


def _static(nested: str, prefix: str = "/static/", serve: str = "alias /srv/app/static/") -> str:
    return _locations_site(f"    location {prefix} {{\n        {serve};\n{nested}    }}\n")


def _served(*probes: str, prefix: str = "/static/") -> str:
    shown = ", ".join(prefix.rstrip("/") + "/" + probe for probe in probes)
    return f"location {prefix} serves dotfiles and backup files ({shown}, ...)"


ALL_SERVED = (".env", ".git/config", ".htpasswd")


@pytest.mark.parametrize(
    ("nested", "served"),
    [
        ("", ALL_SERVED),
        (f"        {GUARD} {{ return 404; }}\n", None),
        (f"        {GUARD} {{ return 403; }}\n", None),
        (f'        {GUARD} {{ return 403 "forbidden"; }}\n', None),
        (f"        {GUARD} {{ deny all; }}\n", None),
        # Case-insensitive (~*): uppercase in the pattern still matches .bak.
        ('        location ~* "(^|/)\\.|~$|\\.(SWP|BAK|ORIG)$" { return 404; }\n', None),
        # Case-sensitive (~): it does not.
        (
            '        location ~ "(^|/)\\.|~$|\\.(SWP|BAK|ORIG)$" { return 404; }\n',
            ("app.js.swp", "app.js.bak", "app.js.orig"),
        ),
        ('        location ~ "/\\.[^/]+|~$|\\.(swp|bak|orig)$" { return 404; }\n', None),
        # Two locations, each refusing part: together they refuse all.
        (
            (
                '        location ~ "(^|/)\\." { deny all; }\n'
                '        location ~ "~$|\\.(swp|bak|orig)$" { return 404; }\n'
            ),
            None,
        ),
        ('        location ~ "(^|/)\\." { deny all; }\n', ("app.js~", "app.js.swp", "app.js.bak")),
        # An exact location refuses only its own URI, whatever it looks like as a regex.
        ("        location = /static/ { return 404; }\n", ALL_SERVED),
        (
            f"        location = /static/ {{ return 404; }}\n        {GUARD} {{ return 404; }}\n",
            None,
        ),
        # A regex location that serves (or cannot be read) does not stop the next from refusing.
        (
            f'        location ~ "\\.css$" {{ expires 1d; }}\n        {GUARD} {{ return 404; }}\n',
            None,
        ),
        (
            (
                '        location ~ "^/static/(?<name>[^/]+)\\.map$" { return 404; }\n'
                f"        {GUARD} {{ return 404; }}\n"
            ),
            None,
        ),
        # None of these refuses.
        (f"        {GUARD} {{ allow all; }}\n", ALL_SERVED),
        (f"        {GUARD} {{ deny 192.0.2.1; }}\n", ALL_SERVED),
        (f"        {GUARD} {{ error_page 404 /404.html; }}\n", ALL_SERVED),
        (f"        {GUARD} {{ return 301 /; }}\n", ALL_SERVED),
    ],
    ids=[
        "no guard",
        "return 404",
        "return 403",
        "return 403 with a text",
        "deny all",
        "~* ignores case",
        "~ keeps case",
        "a pattern with repeats",
        "two guards",
        "dotfiles only",
        "exact location",
        "exact location then guard",
        "serving regex then guard",
        "PCRE-only regex then guard",
        "allow all",
        "deny one address",
        "error_page 404",
        "return 301",
    ],
)
def test_a_static_location_refuses_dotfiles_and_backups(nginx, nested, served):
    site = _static(nested)
    expected = []
    if served:
        line = _line(site, "location /static/")
        expected = [Finding(NGINX_STATIC, SITE, line, _served(*served), STATIC_FIX)]
    assert nginx(site, NGINX_STATIC) == expected


@pytest.mark.parametrize(
    ("prefix", "serve"),
    [
        ("/static/", "root /srv/app"),
        ("/static", "alias /srv/app/static"),
        ("/", "root /srv/app/public"),
        ("/mathjax/fonts/HTML-CSS/TeX/", "alias /srv/mathjax/fonts/TeX/"),
    ],
)
def test_every_location_serving_files_is_probed_under_its_prefix(nginx, prefix, serve):
    site = _static("", prefix=prefix, serve=serve)
    assert nginx(site, NGINX_STATIC) == [
        Finding(
            NGINX_STATIC,
            SITE,
            _line(site, f"location {prefix} "),
            _served(*ALL_SERVED, prefix=prefix),
            STATIC_FIX,
        )
    ]


def test_a_location_that_serves_no_files_is_not_probed(nginx):
    assert nginx(GOOD, NGINX_STATIC) == []


# --- the nginx file as read ---------------------------------------------------------------


def test_includes_of_files_in_the_folder_are_expanded_once():
    site = (
        "server {\n"
        "    include snippets/headers.conf;\n"
        "    include /etc/nginx/snippets/deep.conf;\n"
        "    include bare.conf;\n"
        "    include missing.conf;\n"
        "    include snippets/*.conf;\n"
        "}\n"
    )
    files = {
        "headers.conf": "add_header A 1;\n",
        "deep.conf": "\n\nadd_header B 2;\ninclude headers.conf;\n",
        "bare.conf": "gzip off;\n",
    }
    [server] = parse_nginx(site, SITE, includes=files)
    assert server.block == [
        Directive("add_header", ["A", "1"], "deploy/nginx/headers.conf", 1),
        Directive("add_header", ["B", "2"], "deploy/nginx/deep.conf", 3),
        # An included file's own includes stay as written (no loops).
        Directive("include", ["headers.conf"], "deploy/nginx/deep.conf", 4),
        Directive("gzip", ["off"], "deploy/nginx/bare.conf", 1),
        # A file not in the folder, or a glob, is left as an include.
        Directive("include", ["missing.conf"], SITE, 5),
        Directive("include", ["snippets/*.conf"], SITE, 6),
    ]


def test_locations_are_every_location_block_at_any_depth():
    [server] = parse_nginx(
        "server {\n"
        "    if ($request_method = POST) { return 405; }\n"
        "    location / {\n"
        "        limit_except GET { deny all; }\n"
        "        location /inner/ { }\n"
        "    }\n"
        "    location = /health { return 200; }\n"
        "}\n",
        SITE,
    )
    found = [(d.args, len(chain)) for d, chain in _locations([server.block], server.block)]
    assert found == [(["/"], 2), (["/inner/"], 3), (["=", "/health"], 2)]


# --- headers: what nginx can send, and how it compares with the app's ---------------------


def test_header_values_are_a_literal_or_each_value_of_a_map():
    http = parse_nginx(
        "map $upstream_http_x_frame_options $xfo {\n"
        "    default $upstream_http_x_frame_options;\n"
        '    "" "DENY";\n'
        "}\n"
        "map $host $csp {\n"
        "    hostnames;\n"
        "    volatile;\n"
        "    example.org \"default-src 'none'\";\n"
        "    default $other;\n"
        "}\n"
        "map $host $nothing;\n",
        SITE,
    )
    assert _header_values(http, "DENY") == ["DENY"]
    # The upstream's own header is the app's: only nginx's literals are compared.
    assert _header_values(http, "$xfo") == ["DENY"]
    assert _header_values(http, "$csp") == ["default-src 'none'", "(unresolved $other)"]
    assert _header_values(http, "$nothing") == ["(unresolved $nothing)"]
    assert _header_values(http, "$unset") == ["(unresolved $unset)"]


APP_CSP = "default-src 'none'; script-src 'self' 'nonce-abc'; form-action 'self'"


@pytest.mark.parametrize(
    ("name", "expected", "given", "weaknesses"),
    [
        (
            "X-Frame-Options",
            "DENY",
            "(unresolved $xfo)",
            ["nginx sends (unresolved $xfo), which cannot be compared with the app's policy"],
        ),
        # Plain headers: equal but for case and spacing.
        ("X-Frame-Options", "DENY", "deny", []),
        (
            "Referrer-Policy",
            "no-referrer, strict-origin-when-cross-origin",
            "no-referrer,   strict-origin-when-cross-origin",
            [],
        ),
        (
            "X-Frame-Options",
            "DENY",
            "SAMEORIGIN",
            ["nginx sends 'SAMEORIGIN', the app 'DENY'"],
        ),
        # CSP (report-only too, any case of the name) is compared directive by directive.
        (
            "Content-Security-Policy",
            APP_CSP,
            "default-src 'none'; script-src 'self'; form-action 'self'",
            [],
        ),
        (
            "content-security-policy-report-only",
            APP_CSP,
            "default-src 'none'; script-src 'self'; form-action 'self'",
            [],
        ),
        (
            "CONTENT-SECURITY-POLICY",
            APP_CSP,
            "default-src 'none'; script-src *; form-action 'self'",
            ["script-src allows *"],
        ),
        # Permissions-Policy: feature by feature, in any order; () is stricter than anything.
        ("Permissions-Policy", "camera=(), usb=()", "usb=(),  camera=()", []),
        ("permissions-policy", "camera=(self)", "camera=()", []),
        (
            "Permissions-Policy",
            "camera=(), usb=()",
            "camera=*",
            ["camera=*, the app says ()", "usb=(any origin), the app says ()"],
        ),
        (
            "Permissions-Policy",
            "camera=(), geolocation=(self)",
            "camera=(self), geolocation=(self)",
            ["camera=(self), the app says ()"],
        ),
    ],
)
def test_header_weakenings(name, expected, given, weaknesses):
    assert header_weakenings(name, expected, given) == weaknesses


HSTS_APP = "max-age=63072000; includeSubDomains"


def _age(sent: int, app: int = 63072000) -> str:
    return (
        f"nginx sends max-age={sent}, the app max-age={app} (HSTS_MAX_AGE): browsers get "
        "nginx's, so set both to the same value"
    )


@pytest.mark.parametrize(
    ("expected", "given", "weaknesses"),
    [
        (HSTS_APP, HSTS_APP, []),
        (HSTS_APP, "includeSubDomains; max-age=63072000; preload", []),
        (HSTS_APP, "MAX-AGE=63072000 ;  INCLUDESUBDOMAINS", []),
        (HSTS_APP, "max-age=63072000", ["includeSubDomains is missing"]),
        (HSTS_APP, "max-age=1; includeSubDomains", [_age(1)]),
        (HSTS_APP, "max-age=126144000; includeSubDomains", [_age(126144000)]),
        # No max-age (or one browsers cannot read): no HSTS at all, as max-age=0.
        (HSTS_APP, "includeSubDomains", [_age(0)]),
        (HSTS_APP, "max-age=abc; includeSubDomains", [_age(0)]),
        (HSTS_APP, "max-age=; includeSubDomains", [_age(0)]),
        (HSTS_APP, "preload", [_age(0), "includeSubDomains is missing"]),
        ("max-age=0", "includeSubDomains", []),
        # The app's own subdomain choice: nginx may add it, not drop it.
        ("max-age=300", "max-age=300; includeSubDomains", []),
    ],
)
def test_hsts_compared_with_the_apps(expected, given, weaknesses):
    assert header_weakenings("Strict-Transport-Security", expected, given) == weaknesses


@pytest.mark.parametrize(
    ("policy", "features"),
    [
        ("camera=(), geolocation=(self)", {"camera": "()", "geolocation": "(self)"}),
        (" camera = () ,usb=(),, ", {"camera": "()", "usb": "()"}),
        ('geolocation=(self "https://a.example")', {"geolocation": '(self "https://a.example")'}),
        ("camera, usb=()", {"camera": "", "usb": "()"}),
        ("", {}),
    ],
)
def test_permissions_policy_is_read_feature_by_feature(policy, features):
    assert _permissions(policy) == features


@pytest.mark.parametrize(
    ("source", "per_response"),
    [
        ("'nonce-abc123'", True),
        ("'sha256-abc='", True),
        ("'sha384-abc='", True),
        ("'sha512-abc='", True),
        ("'self'", False),
        ("nonce-abc", False),  # a host named so, not a nonce
        ("'strict-dynamic'", False),
        ("https:", False),
    ],
)
def test_nonce_and_hash_sources(source, per_response):
    assert _is_nonce(source) is per_response


@pytest.mark.parametrize(
    ("given", "weaknesses"),
    [
        # Every directive of the app is needed; fetch directives fall back to default-src.
        ("default-src 'none'; form-action 'self'; upgrade-insecure-requests", []),
        (
            "default-src 'none'",
            [
                "no form-action (the app sends form-action 'self')",
                "no upgrade-insecure-requests (the app sends upgrade-insecure-requests)",
            ],
        ),
        (
            "img-src 'self'; form-action 'self'; upgrade-insecure-requests",
            [
                "no default-src (the app sends default-src 'none')",
                "no script-src (the app sends script-src 'self' 'nonce-abc')",
            ],
        ),
        (
            "default-src 'self'; form-action 'self'; upgrade-insecure-requests",
            ["default-src allows 'self'"],  # script-src 'self' is the app's own
        ),
        # The app's nonce is per response: the same one fixed in nginx is a weakness.
        (
            (
                "default-src 'none'; script-src 'self' 'nonce-abc'; form-action *; "
                "upgrade-insecure-requests"
            ),
            ["script-src allows 'nonce-abc'", "form-action allows *"],
        ),
    ],
)
def test_csp_directive_by_directive(given, weaknesses):
    assert csp_weakenings(f"{APP_CSP}; upgrade-insecure-requests", given) == weaknesses


def test_a_mapped_header_is_compared_value_by_value(nginx):
    site = _edit(
        GOOD,
        "server {\n    listen 443 ssl;",
        'map $host $xfo {\n    default "DENY";\n    old.example.org "SAMEORIGIN";\n}\n'
        "server {\n    listen 443 ssl;",
    )
    site = _edit(
        site, LOCATION, "    location / {\n        add_header X-Frame-Options $xfo always;\n    }\n"
    )
    line = _line(site, "add_header")
    assert nginx(site, NGINX_HEADERS, AppPolicy({"X-Frame-Options": "DENY"}, MIB)) == [
        Finding(
            NGINX_HEADERS,
            SITE,
            line,
            "X-Frame-Options: nginx sends 'SAMEORIGIN', the app 'DENY'",
            NGINX_HEADERS_FIX,
        )
    ]


NGINX_HEADERS_FIX = (
    "include the security headers snippet in every location (and keep it as rendered from "
    "security-headers.json): nginx's headers are the ones browsers get"
)


# --- the parser: nginx's own reading of a file --------------------------------------------


def _words(text: str) -> list[tuple[str, list[str], int]]:
    return [(d.name, d.args, d.line) for d in parse_nginx(text, SITE)]


@pytest.mark.parametrize(
    ("text", "directives"),
    [
        ("a 1;\n\n  b  2   3 ;\n", [("a", ["1"], 1), ("b", ["2", "3"], 3)]),
        ("a 1; # b 2;\nc 3;#d\n", [("a", ["1"], 1), ("c", ["3"], 2)]),
        ("a\n1\n;\n", [("a", ["1"], 1)]),  # a directive is on the line of its name
        ('a "x y" \'z;{}\' "";\n', [("a", ["x y", "z;{}", ""], 1)]),
        ('a "one\ntwo";\nb 1;\n', [("a", ["one\ntwo"], 1), ("b", ["1"], 3)]),
        # \" \' and \\ lose their backslash, a regex's \. keeps it.
        ('a "q\\"q" \'s\\\'s\' "b\\\\s" "\\.";\n', [("a", ['q"q', "s's", "b\\s", "\\."], 1)]),
        ('a "x"y;\n', [("a", ["x", "y"], 1)]),
        ("a x#y;\n", [("a", ["x#y"], 1)]),  # "#" starts a comment only after a space
        ("a 1; # the last line, without a newline", [("a", ["1"], 1)]),
        ('return 200 "{" "}" ";";\n', [("return", ["200", "{", "}", ";"], 1)]),  # quoted: words
        ("a{b 1;}c 2;\n", [("a", [], 1), ("c", ["2"], 1)]),
    ],
)
def test_the_parser_reads_words_as_nginx_does(text, directives):
    assert _words(text) == directives


def test_blocks_nest_with_their_lines():
    [server] = parse_nginx("server {\n    location / {\n        return 404;\n    }\n}\n", SITE)
    [location] = server.block
    assert (server.line, location.line, location.args) == (1, 2, ["/"])
    assert location.block == [Directive("return", ["404"], SITE, 3)]
    assert Directive("x", [], SITE, 1).block is None


def test_an_include_without_a_folder_of_files_is_kept():
    assert _words("include x.conf;\n") == [("include", ["x.conf"], 1)]
    [include] = parse_nginx("include;\n", SITE, includes={"x.conf": "a 1;\n"})
    assert (include.name, include.args) == ("include", [])


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("server {\n    listen 443\n}\n", f"{SITE}:3: unexpected }}"),
        ("a 1;\n;\n", f"{SITE}:2: unexpected ;"),
        ("a 1;\n  {\n}\n", f"{SITE}:2: unexpected {{"),
        ("a 1;\nb 2\n", f"{SITE}:2: unexpected end of file"),
        ("a 1;\nb\n 2\n\n", f"{SITE}:3: unexpected end of file"),
        ("a 1;\nb\n 2\n 3", f"{SITE}:4: unexpected end of file"),  # at the last word
        ("a 1;\nb", f"{SITE}:2: unexpected end of file"),
        ('a 1;\nb "never closed', f"{SITE}:2: unexpected end of file"),
    ],
)
def test_a_file_nginx_would_refuse_is_an_error_with_its_line(text, error):
    with pytest.raises(NginxSyntaxError) as raised:
        parse_nginx(text, SITE)
    assert str(raised.value) == error


# --- the folder of nginx files ------------------------------------------------------------


def _folder(tmp_path, files: dict[str, str]):
    folder = tmp_path / "deploy" / "nginx"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_sites_are_the_files_with_server_blocks_and_include_the_others(tmp_path):
    root = _folder(
        tmp_path,
        {
            "b-site.conf": "server {\n    include snippets/x-headers.conf;\n}\n",
            "a-site.conf": "server {\n}\n",
            "x-headers.conf": 'add_header X-Frame-Options "DENY" always;\n',
            "notes.txt": "server {\n}\n",
        },
    )
    sites, findings = nginx_sites(root)
    assert findings == []
    assert [path for path, _ in sites] == ["deploy/nginx/a-site.conf", "deploy/nginx/b-site.conf"]
    [server] = sites[1][1]
    assert server.block == [
        Directive(
            "add_header", ["X-Frame-Options", "DENY", "always"], "deploy/nginx/x-headers.conf", 1
        )
    ]


@pytest.mark.parametrize(
    "files",
    [{}, {"x-headers.conf": "add_header A 1;\n"}],
    ids=["empty folder", "only a snippet"],
)
def test_no_site_is_a_finding(tmp_path, files):
    assert nginx_sites(_folder(tmp_path, files)) == (
        [],
        [
            Finding(
                NGINX_TLS,
                "deploy/nginx",
                0,
                "no nginx site (a file with server blocks) in deploy/nginx/",
                "restore the site file",
            )
        ],
    )
    assert check_nginx(tmp_path, None) == nginx_sites(tmp_path)[1]


def test_a_file_that_does_not_parse_is_a_finding_and_the_others_are_still_read(tmp_path):
    root = _folder(tmp_path, {"a.conf": "server {\n    listen 443\n}\n", "b.conf": "server {\n}\n"})
    sites, findings = nginx_sites(root)
    assert [path for path, _ in sites] == ["deploy/nginx/b.conf"]
    assert findings == [
        Finding(
            NGINX_TLS,
            "deploy/nginx/a.conf",
            0,
            "cannot parse: deploy/nginx/a.conf:3: unexpected }",
            "fix the syntax (nginx -t shows the same)",
        )
    ]
    assert check_nginx(root, None) == findings  # the other sites' checks keep it
    # A broken file alone is the finding: not also "no site".
    (tmp_path / "deploy" / "nginx" / "b.conf").unlink()
    assert [f.problem for f in nginx_sites(root)[1]] == [findings[0].problem]


def test_only_tls_servers_are_checked(nginx):
    plain = "server {\n    listen 80;\n    listen 443;\n    location / {\n    }\n}\n"
    for protection in (NGINX_TLS, NGINX_LIMITS, NGINX_STATIC, NGINX_HEADERS):
        assert nginx(plain, protection, AppPolicy({"X-Frame-Options": "DENY"}, MIB)) == []


def test_the_default_server_is_not_checked_as_a_named_one(nginx):
    # No limits, locations or protocols are asked of the catch-all server that answers 444.
    site = _edit(GOOD, "    return 444;\n", "    location / {\n        root /srv;\n    }\n")
    assert nginx(site, NGINX_STATIC) == []
    assert nginx(site, NGINX_LIMITS) == []


def test_a_header_shared_by_locations_is_reported_once(tmp_path):
    root = _folder(
        tmp_path,
        {
            "site.conf": _edit(
                GOOD,
                LOCATION,
                "    location / {\n        include snippets/h.conf;\n    }\n"
                "    location /b/ {\n        include snippets/h.conf;\n    }\n",
            ),
            "h.conf": 'add_header X-Frame-Options "SAMEORIGIN" always;\n',
        },
    )
    policy = AppPolicy({"X-Frame-Options": "DENY"}, MIB)
    assert [f for f in check_nginx(root, policy) if f.protection == NGINX_HEADERS] == [
        Finding(
            NGINX_HEADERS,
            "deploy/nginx/h.conf",
            1,
            "X-Frame-Options: nginx sends 'SAMEORIGIN', the app 'DENY'",
            NGINX_HEADERS_FIX,
        )
    ]
    assert [f for f in check_nginx(root, None) if f.protection == NGINX_HEADERS] == []
