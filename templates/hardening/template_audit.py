"""Finds the template constructs that switch Jinja's autoescaping off.

It walks each template's syntax tree (not its text, so comments, strings and odd spacing
neither hide nor fake a finding) and reports:

- ``safe-filter``: ``x|safe`` or ``{% filter safe %}``
- ``markup``: ``Markup`` used as a name or attribute (only possible if someone exposed it)
- ``autoescape-off``: ``{% autoescape false %}`` or autoescape set from an expression
- ``not-autoescaped``: a template whose file type Flask does not autoescape at all

A finding is accepted only when the allow-list (``template-audit-allowlist.toml`` beside this
module) names its template and rule and gives a reason.
"""

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from jinja2 import Environment, nodes

DEFAULT_ALLOWLIST = Path(__file__).with_name("template-audit-allowlist.toml")


class AllowlistError(ValueError):
    """The allow-list file is malformed or an entry lacks a reason."""


@dataclass(frozen=True)
class Finding:
    template: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.rule}: {self.message}"


@dataclass(frozen=True)
class Allowance:
    template: str
    rule: str
    reason: str

    def covers(self, finding: Finding) -> bool:
        return (self.template, self.rule) == (finding.template, finding.rule)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    allowed: list[tuple[Finding, Allowance]] = field(default_factory=list)
    unused: list[Allowance] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings and not self.unused


def audit_source(env: Environment, source: str, name: str) -> list[Finding]:
    tree = env.parse(source, name=name)
    found = [*_safe_filters(tree, name), *_markup(tree, name), *_autoescape_off(tree, name)]
    if not _autoescaped(env, name):
        message = "this file type is rendered without autoescaping"
        found.append(Finding(name, 1, "not-autoescaped", message))
    return sorted(found, key=lambda f: (f.line, f.rule))


def audit_environment(env: Environment, allowlist: Iterable[Allowance] = ()) -> Report:
    if env.loader is None:
        message = "the Jinja environment has no loader, so there are no templates to audit"
        raise ValueError(message)
    allowances = list(allowlist)
    used: set[Allowance] = set()
    report = Report(templates=sorted(env.list_templates()))
    for name in report.templates:
        source, _, _ = env.loader.get_source(env, name)
        for finding in audit_source(env, source, name):
            match = next((a for a in allowances if a.covers(finding)), None)
            if match is None:
                report.findings.append(finding)
            else:
                used.add(match)
                report.allowed.append((finding, match))
    report.unused = [a for a in allowances if a not in used]
    return report


def audit_app(app: Flask, allowlist_path: Path = DEFAULT_ALLOWLIST) -> Report:
    return audit_environment(app.jinja_env, load_allowlist(allowlist_path))


def load_allowlist(path: Path) -> list[Allowance]:
    """Entries are ``[[allow]]`` tables with ``template``, ``rule`` and a non-empty ``reason``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except tomllib.TOMLDecodeError as exc:
        message = f"{path.name}: not valid TOML ({exc})"
        raise AllowlistError(message) from None
    entries = data.get("allow", [])
    if not isinstance(entries, list):
        message = f"{path.name}: use [[allow]] tables"
        raise AllowlistError(message)
    allowances = []
    for number, entry in enumerate(entries, start=1):
        fields = ("template", "rule", "reason")
        values = [entry.get(key) if isinstance(entry, dict) else None for key in fields]
        if not all(isinstance(value, str) and value.strip() for value in values):
            message = f"{path.name}: entry {number} needs a template, a rule and a reason"
            raise AllowlistError(message)
        allowances.append(Allowance(*(value.strip() for value in values)))
    return allowances


def _safe_filters(tree: nodes.Template, name: str) -> Iterable[Finding]:
    for node in tree.find_all(nodes.Filter):
        if node.name == "safe":
            yield Finding(name, node.lineno, "safe-filter", "output marked safe is not escaped")


def _markup(tree: nodes.Template, name: str) -> Iterable[Finding]:
    message = "Markup() marks text as safe HTML without escaping it"
    for node in tree.find_all((nodes.Name, nodes.Getattr)):
        label = node.name if isinstance(node, nodes.Name) else node.attr
        if label == "Markup":
            yield Finding(name, node.lineno, "markup", message)


def _autoescape_off(tree: nodes.Template, name: str) -> Iterable[Finding]:
    for node in tree.find_all((nodes.EvalContextModifier, nodes.ScopedEvalContextModifier)):
        for option in node.options:
            if option.key != "autoescape":
                continue
            value = option.value
            if not isinstance(value, nodes.Const) or not value.value:
                message = "autoescape is switched off (or set from an expression) in this block"
                yield Finding(name, node.lineno, "autoescape-off", message)


def _autoescaped(env: Environment, name: str) -> bool:
    setting = env.autoescape
    return bool(setting(name) if callable(setting) else setting)
