"""A/B of two versions of the security layer, in-process (not run by npm run bench).

From a bench project folder (bench_variants.py beside it), with a copy of its package under
another name whose hardening/security.py is the other version, e.g.:

    cp -r src/pkg src/pkg_main
    git -C <repo> show main:templates/hardening/security.py > src/pkg_main/hardening/security.py
    APP_ENV=production SECRET_KEY=... PYTHONPATH=src:. python layer_ab.py pkg pkg_main 20 100

Prints, per request kind of inproc.py, the fastest and the median batch of "on" for both
packages and of "off" (the page without the layer), the batches interleaved, after checking
that both send the same headers.
"""

import os
import sys

sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_variants  # noqa: E402
import inproc  # noqa: E402


def main():
    ours, other, batches, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    apps = {
        ours: bench_variants.build("on", ours),
        other: bench_variants.build("on", other),
        "off": bench_variants.build("off", ours),
    }
    kinds = {v: inproc.requests_for(app) for v, app in apps.items()}
    print("header differences:", inproc.same_headers(apps[ours], apps[other], kinds[ours], kinds[other]) or "none")
    result = inproc.measure(apps, kinds, batches, batch)
    for kind in kinds[ours]:
        fastest = {v: round(result[v][kind]["min_us"]) for v in apps}
        median = {v: round(result[v][kind]["median_us"]) for v in apps}
        print(f"{kind:15s} fastest {fastest} median {median}")


if __name__ == "__main__":
    main()
