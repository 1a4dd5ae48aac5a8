"""CPU per request of the security layer, measured in-process: WSGI calls, no server, no socket.

Usage (from a generated project's folder, with bench_variants.py beside it):
    BENCH_PACKAGE=<pkg> python inproc.py --out result.json [--batches 7 --batch 1500] [--profile]

For each variant (bench_variants.VARIANTS) and each request kind, the same WSGI environ is sent
to the app `batch` times and the process CPU time (time.process_time) is divided by the count.
Batches of all variants run interleaved (round-robin), so drift in machine load hits every
variant alike; the figure is the median batch. Request kinds:

    get-first      GET / without a cookie: the first visit; a CSRF token is made and the session
                   cookie is signed and set on every such request
    get-returning  GET / with the session cookie from a first visit
    get-404        GET /missing without a cookie: an error page (what scanners mostly get)
    post-api       POST /api/echo with JSON, the session cookie, X-CSRFToken and Referer, as
                   static/app.js sends it (variants without CSRF get the same request)

With --profile, cProfile runs the "on" and "off" apps on get-first and the result names the
functions of the layer and their share of the per-request time.
"""

import argparse
import cProfile
import json
import os
import pstats
import re
import secrets
import statistics
import sys
import time

from werkzeug.test import EnvironBuilder

sys.path.insert(0, os.getcwd())
import bench_variants  # noqa: E402

HOST = "localhost"
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1", "X-Forwarded-Host": HOST}


def environ(path="/", method="GET", headers=None, body=None):
    builder = EnvironBuilder(
        path=path,
        method=method,
        base_url=f"http://{HOST}/",  # as gunicorn sees it behind nginx: http + X-Forwarded-*
        headers={**PROXY_HEADERS, **(headers or {})},
        data=body,
    )
    try:
        return builder.get_environ()
    finally:
        builder.close()


def call(app, env):
    """One request; returns (status, headers, body)."""
    out = {}

    def start_response(status, headers, exc_info=None):
        out["status"], out["headers"] = status, headers

    env = dict(env)
    if "wsgi.input" in env:
        env["wsgi.input"].seek(0)
    chunks = app(env, start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return out["status"], out["headers"], body


def requests_for(app):
    """The environs of each request kind for this app, checked once to answer as expected."""
    first = environ()
    status, headers, body = call(app, first)
    assert status.startswith("200"), status
    cookies = [v.split(";", 1)[0] for k, v in headers if k.lower() == "set-cookie"]
    cookie = "; ".join(cookies)
    match = re.search(rb'name="csrf-token" content="([^"]*)"', body)
    token = match.group(1).decode() if match else ""
    kinds = {"get-first": first}
    kinds["get-returning"] = environ(headers={"Cookie": cookie} if cookie else {})
    status, _, _ = call(app, kinds["get-returning"])
    assert status.startswith("200"), status
    kinds["get-404"] = environ("/missing")
    status, _, _ = call(app, kinds["get-404"])
    assert status.startswith("404"), status
    post_headers = {"Content-Type": "application/json", "Accept": "application/json", "Referer": f"https://{HOST}/"}
    if cookie:
        post_headers["Cookie"] = cookie
    if token:
        post_headers["X-CSRFToken"] = token
    kinds["post-api"] = environ("/api/echo", "POST", post_headers, json.dumps({"message": "hello"}).encode())
    status, _, body = call(app, kinds["post-api"])
    if not status.startswith("200"):
        raise RuntimeError(f"POST /api/echo answered {status}: {body[:200]!r}")
    return kinds


def comparable_headers(headers):
    """Header list with the per-request values (nonce, cookie, date) masked, sorted."""
    out = []
    for name, value in headers:
        value = re.sub(r"'nonce-[^']+'", "'nonce-*'", value)
        if name.lower() == "set-cookie":
            value = re.sub(r"=[^;]*", "=*", value, count=1)
        out.append((name.lower(), value))
    return sorted(out)


def same_headers(app_a, app_b, kinds_a, kinds_b):
    """Whether two apps answer every request kind with the same headers (masked)."""
    diffs = {}
    for kind in kinds_a:
        _, ha, _ = call(app_a, kinds_a[kind])
        _, hb, _ = call(app_b, kinds_b[kind])
        a, b = comparable_headers(ha), comparable_headers(hb)
        if a != b:
            diffs[kind] = {"only_a": [x for x in a if x not in b], "only_b": [x for x in b if x not in a]}
    return diffs


def measure(apps, kinds, batches, batch):
    per_request = {v: {k: [] for k in kinds[v]} for v in apps}
    for v, app in apps.items():  # warm-up: templates compiled, caches filled
        for env in kinds[v].values():
            for _ in range(200):
                call(app, env)
    for _ in range(batches):
        for kind in next(iter(kinds.values())):
            for v, app in apps.items():
                env = kinds[v][kind]
                start = time.process_time()
                for _ in range(batch):
                    call(app, env)
                per_request[v][kind].append((time.process_time() - start) / batch * 1e6)
    return {
        v: {k: {"median_us": statistics.median(xs), "min_us": min(xs), "max_us": max(xs), "batches_us": xs} for k, xs in ks.items()}
        for v, ks in per_request.items()
    }


# Entry points of the layer, as (label, file suffix, function name).
LAYER_FUNCTIONS = [
    ("CSRF: token for the page (hardening csrf_token, cached keys)", "security.py", "csrf_token"),
    ("CSRF: token for the page (flask_wtf generate_csrf)", "flask_wtf/csrf.py", "generate_csrf"),
    ("CSRF: check before each request (CSRFProtect.protect hook)", "flask_wtf/csrf.py", "csrf_protect"),
    ("session cookie written (flask save_session)", "flask/sessions.py", "save_session"),
    ("session cookie read (flask open_session)", "flask/sessions.py", "open_session"),
    ("Talisman: https check before each request", "security.py", "_force_https"),
    ("Talisman: CSP nonce", "security.py", "_make_nonce"),
    ("Talisman: response headers (prebuilt)", "security.py", "_set_response_headers"),
    ("Talisman's own code (flask_talisman/talisman.py, all of it)", "flask_talisman/talisman.py", None),
    ("security.py _finish_headers", "security.py", "_finish_headers"),
    ("template rendering (jinja2 Template.render)", "jinja2/environment.py", "render"),
]


def profile(app, env, count):
    for _ in range(200):
        call(app, env)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        call(app, env)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = max(ct for (_f, _l, _n), (_cc, _nc, _tt, ct, _c) in stats.items())
    found = {}
    for label, suffix, name in LAYER_FUNCTIONS:
        if name is None:  # a whole file: its own time (no double counting of nested calls)
            mine = [v for (f, _l, _n), v in stats.items() if f.endswith(suffix)]
            found[label] = {"share": sum(tt for _cc, _nc, tt, _ct, _c in mine) / total, "calls_per_request": None}
            continue
        cum = sum(ct for (f, _l, n), (_cc, _nc, _tt, ct, _c) in stats.items() if n == name and f.endswith(suffix))
        calls = sum(nc for (f, _l, n), (_cc, nc, _tt, _ct, _c) in stats.items() if n == name and f.endswith(suffix))
        found[label] = {"share": cum / total, "calls_per_request": calls / count}
    # Heaviest functions by own time, for the report's "where".
    top = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:12]
    heaviest = [
        {"function": f"{short(f)}:{n}", "own_share": tt / total, "calls_per_request": nc / count}
        for (f, _l, n), (_cc, nc, tt, _ct, _c) in top
    ]
    return {"profiled_us_per_request": total / count * 1e6, "layer": found, "heaviest_own_time": heaviest}


def short(path):
    for marker in ("site-packages/", "/src/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return os.path.basename(path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--batches", type=int, default=7)
    parser.add_argument("--batch", type=int, default=1500)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-count", type=int, default=1500)
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
    apps = {v: bench_variants.build(v) for v in bench_variants.VARIANTS}
    kinds = {v: requests_for(app) for v, app in apps.items()}
    diffs = same_headers(apps["on"], apps["stock"], kinds["on"], kinds["stock"])
    result = {"batches": args.batches, "batch": args.batch, "stock_header_diffs": diffs}
    result["variants"] = measure(apps, kinds, args.batches, args.batch)
    if args.profile:
        result["profile"] = {v: profile(apps[v], kinds[v]["get-first"], args.profile_count) for v in ("on", "off")}
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=1)


if __name__ == "__main__":
    main()
