"""``flask security``: commands that create keys and check the protections."""

import json
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .checks import check_project
from .secret_scan import SecretScanError, scan_repository
from .template_audit import AllowlistError, audit_app

PROJECT_OPTION = click.option(
    "--project",
    "project_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The project folder: wsgi.py, the deploy files and the git work tree.",
)


# Not named `security`: that would clash with the security module in the package namespace.
@click.group("security", help="Create secret keys and check this service's security settings.")
def security_cli() -> None:
    pass


@security_cli.command("gen-secret")
def gen_secret() -> None:
    """Print a new random SECRET_KEY (32 bytes, as 64 hex characters)."""
    click.echo(secrets.token_hex(32))


@security_cli.command("check")
@PROJECT_OPTION
@click.option(
    "--wsgi",
    default="wsgi.py",
    show_default=True,
    help="The file gunicorn serves, relative to --project; it defines `app`.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def check(project_dir: Path, wsgi: str, *, as_json: bool) -> None:
    """Check the production build (as wsgi.py makes it) and the deploy files.

    One line per check, ✓ or ✗ with the fix; exit 1 if any protection is off. The build needs
    a secret key: in CI, pass a throwaway one (SECRET_KEY="$(flask security gen-secret)").
    """
    results = check_project(project_dir, wsgi)
    failed = [result for result in results if not result.ok]
    if as_json:
        payload = {"ok": not failed, "checks": [result.as_dict() for result in results]}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for result in results:
            click.echo(result.line())
        click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise SystemExit(1)


@security_cli.command("audit-templates")
@with_appcontext
def audit_templates() -> None:
    """Report |safe, Markup and autoescape-off in templates; exit 1 on an unlisted finding."""
    try:
        report = audit_app(current_app)
    except AllowlistError as exc:
        raise click.ClickException(str(exc)) from None
    for finding, allowance in report.allowed:
        click.echo(f"allowed  {finding}  ({allowance.reason})")
    for allowance in report.unused:
        click.echo(f"stale    {allowance.template} {allowance.rule}: matches nothing, remove it")
    for finding in report.findings:
        click.echo(f"FOUND    {finding}")
    click.echo(f"{len(report.templates)} templates audited, {len(report.findings)} findings")
    if not report.ok:
        raise SystemExit(1)


@security_cli.command("scan-secrets")
@PROJECT_OPTION
def scan_secrets(project_dir: Path) -> None:
    """Fail if git tracks .env or a key-looking literal, or if .env is not ignored."""
    try:
        report = scan_repository(project_dir)
    except SecretScanError as exc:
        raise click.ClickException(str(exc)) from None
    for leak in report.leaks:
        click.echo(f"✗ secret key not in git: {leak}")
    if report.ok:
        files = len(report.files)
        click.echo(f"✓ secret key not in git: {files} tracked files, .env ignored and untracked")
    else:
        raise SystemExit(1)
