"""`flask security ...`: key generation and the configuration check."""

import re
from pathlib import Path


def test_gen_secret_prints_a_fresh_64_hex_key(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["security", "gen-secret"])
    second = runner.invoke(args=["security", "gen-secret"])
    assert first.exit_code == 0
    assert re.fullmatch(r"[0-9a-f]{64}\n", first.output)
    assert first.output != second.output


def test_check_passes_on_the_production_build(production_app):
    # The check builds the app as wsgi.py does; tests/test_checks.py switches each part off.
    project = str(Path(__file__).resolve().parents[1])
    runner = production_app.test_cli_runner()
    result = runner.invoke(args=["security", "check", "--project", project])
    assert result.exit_code == 0, result.output
    assert "✗" not in result.output


def test_audit_templates_passes(app):
    result = app.test_cli_runner().invoke(args=["security", "audit-templates"])
    assert result.exit_code == 0, result.output
