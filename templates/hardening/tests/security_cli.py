"""`flask security ...` on the app's own command line: key generation and the template audit.

`flask security check` has its tests beside the checks it runs (tests/checks.py), the passing
production build among them.
"""

import re


def test_gen_secret_prints_a_fresh_64_hex_key(production_app):
    runner = production_app.test_cli_runner()
    first = runner.invoke(args=["security", "gen-secret"])
    second = runner.invoke(args=["security", "gen-secret"])
    assert first.exit_code == 0
    assert re.fullmatch(r"[0-9a-f]{64}\n", first.output)
    assert first.output != second.output


def test_audit_templates_passes(production_app):
    result = production_app.test_cli_runner().invoke(args=["security", "audit-templates"])
    assert result.exit_code == 0, result.output
