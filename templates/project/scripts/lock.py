"""Refreshes the lock files: every package production and CI install, pinned with its hashes.

    python -m pip install uv
    python scripts/lock.py              # after a change to pyproject.toml's dependencies
    python scripts/lock.py --upgrade    # the newest versions pyproject.toml allows

``requirements.lock`` holds the runtime dependencies and the build backend (hatchling, so the
project itself installs with ``--no-build-isolation``, offline from the lock);
``requirements-dev.lock`` adds the dev extra. Both are universal (every platform and Python
version from ``requires-python`` on), so one file serves every server and CI runner:

    pip install --require-hashes --no-deps -r requirements.lock
    pip install --no-deps --no-build-isolation .
"""

import argparse
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = (("requirements.lock", ()), ("requirements-dev.lock", ("--extra", "dev")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Refresh requirements.lock and requirements-dev.lock."
    )
    parser.add_argument("--upgrade", action="store_true", help="take the newest allowed versions")
    options = parser.parse_args(argv)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    build = pyproject["build-system"]["requires"]
    python = pyproject["project"]["requires-python"].removeprefix(">=")
    with tempfile.TemporaryDirectory() as scratch:
        build_in = Path(scratch) / "build-system.in"
        build_in.write_text("\n".join(build) + "\n", encoding="utf-8")
        for output, extras in LOCKS:
            command = [
                *("uv", "pip", "compile", "--quiet", "--universal", "--generate-hashes"),
                *("--python-version", python, "--no-annotate"),
                *("--custom-compile-command", "python scripts/lock.py"),
                *(["--upgrade"] if options.upgrade else []),
                *extras,
                *("--output-file", output, "pyproject.toml", str(build_in)),
            ]
            print("$", " ".join(command))
            if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
