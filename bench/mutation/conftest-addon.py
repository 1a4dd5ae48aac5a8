

# --- Added by bench/mutation/run.mjs to the bench copy only (never to a generated project). ---
# Two changes for the mutation run, neither of which changes what a test asserts:
# 1. mutmut rewrites each mutated module into a "trampoline" file holding every mutant of every
#    function (checks.py grows from 31 kB to 0.9 MB, deploy_scan.py to 3.8 MB). The checks that
#    scan the package's own source (no literal SECRET_KEY, no Markup() on data, no assert, no
#    DEBUG switch) would parse and walk those files, 40x the project's code, in every test that
#    checks the whole project. Here a read of a mutated module's file returns the module as it
#    was generated, which is what the scans exist to read; the mutated code still does the scan.
# 2. With a mutant active, the tests mutmut picked run fastest first (mutmut runs them with -x),
#    so a mutant one quick test kills never waits for the whole-project checks.
import json as _mutation_json
import os as _mutation_os
import pathlib as _mutation_pathlib

_MUTATION_MUTATED = __MUTATED__  # paths of the mutated modules, relative to the project
_mutation_here = _mutation_pathlib.Path(__file__).resolve().parent.parent
if _mutation_here.name == "mutants":
    _mutation_originals = {
        str(_mutation_here / path): _mutation_here.parent / path for path in _MUTATION_MUTATED
    }
    _mutation_read_text = _mutation_pathlib.Path.read_text

    def _mutation_read_as_generated(self, *args, **kwargs):
        original = _mutation_originals.get(str(self.resolve()))
        return _mutation_read_text(original if original else self, *args, **kwargs)

    _mutation_pathlib.Path.read_text = _mutation_read_as_generated

    def pytest_collection_modifyitems(items):
        mutant = _mutation_os.environ.get("MUTANT_UNDER_TEST", "")
        if mutant in {"", "stats", "fail"}:
            return
        stats = _mutation_here / "mutmut-stats.json"
        durations = _mutation_json.loads(stats.read_text(encoding="utf-8"))["duration_by_test"]
        items.sort(key=lambda item: durations.get(item.nodeid, 0.0))
