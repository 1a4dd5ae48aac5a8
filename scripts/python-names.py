"""Prints, as JSON, the module names a generated project's package must not take.

Run with an interpreter of each supported Python version (for `stdlib`) and with the python of a
venv that holds the project's dependencies, dev tools and build backend (for `installed`):
`scripts/python-names.mjs` does both and writes generators/lib/python-names.ts.
"""

import importlib.metadata
import json
import keyword
import re
import sys

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SKIP_DIST = {name.lower().replace("_", "-") for name in sys.argv[1:]}


def top_level_names(dist):
    """The importable top-level names a distribution installs (packages, modules, extensions)."""
    names = set()
    listed = dist.read_text("top_level.txt")
    if listed:
        names.update(line.strip() for line in listed.splitlines())
    for path in dist.files or []:
        parts = path.parts
        first = parts[0] if parts else ""
        if first.startswith("..") or first.endswith((".dist-info", ".egg-info", ".data")):
            continue
        if len(parts) > 1:
            names.add(first)
        elif first.endswith(".py"):
            names.add(first[:-3])
        elif first.endswith((".so", ".pyd")):
            names.add(first.split(".")[0])
        elif first.endswith(".pth"):
            # setuptools' distutils-precedence.pth imports _distutils_hack at every start-up.
            text = dist.read_text(first) or ""
            names.update(re.findall(r"import\s+([A-Za-z_][A-Za-z0-9_]*)", text))
    # mypyc runtime modules are named by a content hash (`<hex>__mypyc`): nobody types one, and the
    # name changes with every release, so listing them would only make the list go stale.
    return {
        name
        for name in names
        if IDENTIFIER.match(name) and name != "__pycache__" and not name.endswith("__mypyc")
    }


installed = set()
for dist in importlib.metadata.distributions():
    if dist.metadata["Name"].lower().replace("_", "-") in SKIP_DIST:
        continue
    installed |= top_level_names(dist)

result = {"stdlib": sorted(sys.stdlib_module_names), "installed": sorted(installed), "keywords": keyword.kwlist}
print(json.dumps(result))
