"""`flask security ...`: key generation and the configuration check."""

import re

import pytest


def test_gen_secret_prints_a_fresh_64_hex_key(production_app):
    runner = production_app.test_cli_runner()
    first = runner.invoke(args=["security", "gen-secret"])
    second = runner.invoke(args=["security", "gen-secret"])
    assert first.exit_code == 0
    assert re.fullmatch(r"[0-9a-f]{64}\n", first.output)
    assert first.output != second.output


@pytest.mark.usefixtures("throwaway_key")
def test_check_passes_on_the_production_build(production_app, project_root, hardening_wsgi):
    # The check builds the app as wsgi.py does; tests/checks.py switches each part off.
    runner = production_app.test_cli_runner()
    where = ["--project", str(project_root), "--wsgi", hardening_wsgi]
    result = runner.invoke(args=["security", "check", *where])
    assert result.exit_code == 0, result.output
    assert "✗" not in result.output


def test_audit_templates_passes(production_app):
    result = production_app.test_cli_runner().invoke(args=["security", "audit-templates"])
    assert result.exit_code == 0, result.output
