"""The project's checks, kept in one place: CI runs exactly these, and so can you.

    python scripts/ci_checks.py                 # every job, as CI runs them
    python scripts/ci_checks.py security        # one job
    python scripts/ci_checks.py --list          # the commands, without running them
    python scripts/ci_checks.py --skip pip-audit   # offline: skip a step, and say so

Each CI job (.github/workflows/ci.yml, .gitlab-ci.yml) is the single line
``python scripts/ci_checks.py <job>``, so a command changed here changes in CI too. Every step
of a job runs even after one fails, so one run shows every broken protection; the exit status
is 1 when any step failed.

The security job builds the production app, which needs a secret key: when neither SECRET_KEY
nor SECRET_KEY_FILE is set, each run makes a throwaway one. ``.env`` is not read
(FLASK_SKIP_DOTENV), because production never reads it either.
"""

import argparse
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Step:
    name: str
    args: tuple[str, ...]
    # A `flask` command: run it as production would (no .env; a key, throwaway is enough).
    uses_flask: bool = False

    @property
    def command(self) -> list[str]:
        # The tools of the interpreter running this script: the project's venv in CI and locally.
        return [sys.executable, "-m", *self.args]


JOBS: dict[str, tuple[Step, ...]] = {
    "lint": (
        Step("ruff check", ("ruff", "check", ".")),
        Step("ruff format", ("ruff", "format", "--check", ".")),
    ),
    "test": (Step("pytest", ("pytest", "-q")),),
    "security": (
        Step("security check", ("flask", "security", "check"), uses_flask=True),
        Step("template audit", ("flask", "security", "audit-templates"), uses_flask=True),
        # The protection tests in the hardening package use pytest's assert, as tests do.
        Step("bandit", ("bandit", "-q", "-r", "src", "-x", "*/hardening/tests/*")),
        # The exact versions production and CI install (the lock files), not whatever happens to
        # be in this environment; --strict: a package the service cannot answer for fails too.
        Step(
            "pip-audit",
            (
                *("pip_audit", "--strict", "--progress-spinner", "off", "--disable-pip"),
                *("--require-hashes", "--requirement", "requirements-dev.lock"),
            ),
        ),
        Step("secret scan", ("flask", "security", "scan-secrets"), uses_flask=True),
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the project's CI checks.")
    parser.add_argument("jobs", nargs="*", metavar="job", help=f"{', '.join(JOBS)} (default: all)")
    parser.add_argument("--list", action="store_true", help="print the commands and exit")
    parser.add_argument(
        "--skip", action="append", default=[], metavar="STEP", help="skip a step by name"
    )
    options = parser.parse_args(argv)
    jobs = options.jobs or list(JOBS)
    if set(jobs) - set(JOBS):
        parser.error(
            f"unknown job {', '.join(sorted(set(jobs) - set(JOBS)))}; jobs: {', '.join(JOBS)}"
        )
    known = {step.name for steps in JOBS.values() for step in steps}
    unknown = sorted(set(options.skip) - known)
    if unknown:
        parser.error(f"unknown step {', '.join(unknown)}; steps: {', '.join(sorted(known))}")

    if options.list:
        for job in jobs:
            for step in JOBS[job]:
                print(f"{job}\t{step.name}\tpython -m {' '.join(step.args)}")
        return 0

    env = _environment()
    summary = []
    for job in jobs:
        for step in JOBS[job]:
            label = f"{job} / {step.name}"
            if step.name in options.skip:
                summary.append(("SKIP", label, "--skip"))
                continue
            print(f"\n== {label}: python -m {' '.join(step.args)}", flush=True)
            started = time.monotonic()
            code = subprocess.run(
                step.command, cwd=ROOT, env=env if step.uses_flask else None, check=False
            ).returncode
            seconds = f"{time.monotonic() - started:.1f}s"
            summary.append(
                ("PASS" if code == 0 else "FAIL", label, seconds if code == 0 else f"exit {code}")
            )

    print("\n== summary")
    for status, label, note in summary:
        print(f"{status}  {label} ({note})")
    failed = [label for status, label, _ in summary if status == "FAIL"]
    print(f"{len(failed)} of {len(summary)} steps failed" if failed else "all steps passed")
    return 1 if failed else 0


def _environment() -> dict[str, str]:
    env = dict(os.environ, FLASK_SKIP_DOTENV="1")
    credential = Path(env.get("CREDENTIALS_DIRECTORY") or "/nonexistent") / "secret_key"
    # The app refuses two key sources: add one only when none is there.
    if not env.get("SECRET_KEY") and not env.get("SECRET_KEY_FILE") and not credential.is_file():
        env["SECRET_KEY"] = secrets.token_hex(32)
    return env


if __name__ == "__main__":
    sys.exit(main())
