"""Protection 5: templates keep Jinja's autoescaping on.

The audit parses every template into Jinja's syntax tree; the last tests feed it templates
that must be flagged, so a broken audit cannot pass silently.
"""

from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment, TemplateSyntaxError, select_autoescape

from ..template_audit import (
    DEFAULT_ALLOWLIST,
    Allowance,
    AllowlistError,
    audit_app,
    audit_environment,
    audit_source,
    load_allowlist,
)

# The package's error pages come with its error handler (errors.py); a retrofit with --only
# templates installs the template audit without them. Where they are, the audit must read them.
HARDENING = Path(__file__).resolve().parents[1]


def test_every_template_is_audited_and_clean(production_app):
    report = audit_app(production_app)
    assert (HARDENING / "template_audit.py").is_file()
    if (HARDENING / "errors.py").is_file():
        assert "hardening/error.html" in report.templates
    assert set(report.templates) == set(production_app.jinja_env.list_templates())
    assert [str(finding) for finding in report.findings] == []
    assert report.unused == [], "allow-list entries that match nothing should be removed"


def test_flask_autoescapes_html_templates(production_app):
    assert production_app.jinja_env.autoescape("page.html") is True


def test_allowlist_entries_all_have_reasons():
    for allowance in load_allowlist(DEFAULT_ALLOWLIST):
        assert allowance.reason.strip()


def test_allowlist_entry_without_reason_is_refused(tmp_path):
    path = tmp_path / "allowlist.toml"
    path.write_text('[[allow]]\ntemplate = "a.html"\nrule = "safe-filter"\n', encoding="utf-8")
    with pytest.raises(AllowlistError, match="reason"):
        load_allowlist(path)


def _audit(templates, allowlist=()):
    env = Environment(loader=DictLoader(templates), autoescape=select_autoescape())
    return audit_environment(env, allowlist)


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        ("<p>{{ bio|safe }}</p>", "safe-filter"),
        ("<p>{{ bio | trim | safe }}</p>", "safe-filter"),
        ("{% filter safe %}{{ bio }}{% endfilter %}", "safe-filter"),
        ("<p>{{ Markup(bio) }}</p>", "markup"),
        ("{% autoescape false %}{{ bio }}{% endautoescape %}", "autoescape-off"),
        ("{% autoescape flag %}{{ bio }}{% endautoescape %}", "autoescape-off"),
    ],
)
def test_audit_flags_unescaped_output(source, rule):
    report = _audit({"page.html": source})
    assert [(f.template, f.rule) for f in report.findings] == [("page.html", rule)]


def test_audit_flags_templates_rendered_without_autoescape():
    report = _audit({"mail.txt": "Hello {{ name }}"})
    assert [f.rule for f in report.findings] == ["not-autoescaped"]


def test_audit_reads_syntax_not_text():
    report = _audit({"page.html": "{# {{ x|safe }} #}<p>{{ '|safe' }} Markup</p>"})
    assert report.findings == []


def test_allowlisted_finding_is_accepted_and_stale_entries_are_reported():
    allowed = Allowance("page.html", "safe-filter", "Sanitised by bleach before rendering.")
    stale = Allowance("gone.html", "markup", "Template was deleted.")
    report = _audit({"page.html": "{{ bio|safe }}"}, [allowed, stale])
    assert report.findings == []
    assert [allowance for _, allowance in report.allowed] == [allowed]
    assert report.unused == [stale]
    assert not report.ok


def test_a_safe_filter_added_to_the_app_is_caught(production_app, tmp_path, monkeypatch):
    # The same audit as the first test, on the real app plus one bad template.
    (tmp_path / "added.html").write_text("{{ name|safe }}", encoding="utf-8")
    loader = production_app.jinja_loader
    monkeypatch.setattr(loader, "searchpath", [*loader.searchpath, str(tmp_path)])
    report = audit_app(production_app)
    assert [(f.template, f.rule) for f in report.findings] == [("added.html", "safe-filter")]


def test_findings_name_the_template_line_rule_and_why():
    source = (
        "{{ a|safe }}\n"
        "{% autoescape false %}{{ b }}{% endautoescape %}\n"
        "{{ Markup(c) }}\n"
        "{% autoescape true %}{{ d }}{% endautoescape %}\n"
        "{% autoescape e %}{{ f }}{% endautoescape %}\n"
    )
    env = Environment(autoescape=False)  # noqa: S701 - what the audit must flag
    found = audit_source(env, source, "mail.txt")
    off = "autoescape is switched off (or set from an expression) in this block"
    assert [str(finding) for finding in found] == [
        "mail.txt:1: not-autoescaped: this file type is rendered without autoescaping",
        "mail.txt:1: safe-filter: output marked safe is not escaped",
        f"mail.txt:2: autoescape-off: {off}",
        "mail.txt:3: markup: Markup() marks text as safe HTML without escaping it",
        f"mail.txt:5: autoescape-off: {off}",
    ]


def test_a_broken_template_is_named_in_the_error():
    with pytest.raises(TemplateSyntaxError) as error:
        audit_source(Environment(autoescape=True), "{% if %}", "broken.html")
    assert error.value.name == "broken.html"


def test_the_app_audit_reads_the_allowlist_it_is_given(production_app, tmp_path):
    path = tmp_path / "allowlist.toml"
    path.write_text(
        '[[allow]]\ntemplate = "nowhere.html"\nrule = "safe-filter"\nreason = "gone"\n',
        encoding="utf-8",
    )
    assert audit_app(production_app, path).unused == [
        Allowance("nowhere.html", "safe-filter", "gone")
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[[allow]\n", r"allowlist\.toml: not valid TOML \("),
        ("allow = 1\n", r"allowlist\.toml: use \[\[allow\]\] tables"),
        ('allow = ["a.html"]\n', r"allowlist\.toml: entry 1 needs a template, a rule and a reason"),
        (
            (
                '[[allow]]\ntemplate = "a.html"\nrule = "markup"\nreason = "fixed text"\n'
                '[[allow]]\ntemplate = "b.html"\nrule = " "\nreason = "x"\n'
            ),
            r"allowlist\.toml: entry 2 needs a template, a rule and a reason",
        ),
    ],
)
def test_a_malformed_allowlist_says_where(tmp_path, text, error):
    path = tmp_path / "allowlist.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AllowlistError, match=error):
        load_allowlist(path)


def test_allowlist_entries_are_read_trimmed(tmp_path):
    path = tmp_path / "allowlist.toml"
    path.write_text(
        '[[allow]]\ntemplate = " a.html "\nrule = "markup"\nreason = " fixed text "\n',
        encoding="utf-8",
    )
    assert load_allowlist(path) == [Allowance("a.html", "markup", "fixed text")]


def test_an_environment_without_templates_cannot_be_audited():
    with pytest.raises(ValueError, match="no loader, so there are no templates to audit"):
        audit_environment(Environment(autoescape=True))
