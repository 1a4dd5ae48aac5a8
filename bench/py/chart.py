"""Chart of the served-stack figures: requests/s and p99 latency per server and connection count.

    python chart.py results.json served-stack.png
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LABELS = {"dev": "Flask dev server", "gunicorn": "gunicorn (generated config)", "nginx": "nginx TLS → gunicorn"}


def main() -> None:
    results = json.load(open(sys.argv[1]))
    served = results["served"]
    runs = served["runs"]
    servers = [s for s in ("dev", "gunicorn", "nginx") if any(r["server"] == s for r in runs)]
    conns = sorted({r["connections"] for r in runs})
    fig, (ax_rps, ax_p99) = plt.subplots(1, 2, figsize=(11, 4.2))
    width = 0.8 / len(conns)
    for i, c in enumerate(conns):
        rps = [next(r["rps"] for r in runs if r["server"] == s and r["connections"] == c) for s in servers]
        p99 = [next(r["p99Ms"] for r in runs if r["server"] == s and r["connections"] == c) for s in servers]
        xs = [x + (i - (len(conns) - 1) / 2) * width for x in range(len(servers))]
        bars = ax_rps.bar(xs, rps, width, label=f"{c} connections")
        ax_rps.bar_label(bars, fmt="%.0f", fontsize=8)
        bars = ax_p99.bar(xs, p99, width, label=f"{c} connections")
        ax_p99.bar_label(bars, fmt="%.0f", fontsize=8)
    for ax, title in ((ax_rps, "requests/s (GET /, higher is better)"), (ax_p99, "p99 latency, ms (lower is better)")):
        ax.set_xticks(range(len(servers)), [LABELS[s] for s in servers], fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"Served stack, loopback, {results['machine']['cpus']} cores — {results['served']['finished']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
