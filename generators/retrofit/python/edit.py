#!/usr/bin/env python3
"""Edit engine for `hardened-flask retrofit` (stdlib only, Python 3.8+).

Reads a JSON request on stdin:
    {"root": "/abs/project", "python": ["app.py", ...], "templates": ["templates/x.html", ...],
     "only": ["debug", "secret", "csrf", "templates", "headers", "server"], "ajax": false}
and writes one JSON document on stdout: {"protocol": 1, "files": [...], "app": {...} | null,
"csp": {...}, "blockers": [...], "human": [...]}.

Each file entry is {"path", "text" (the new text, or null when unchanged), "changes": [...],
"error"}. Edits are found with `ast` (Python) or tag positions (templates) and spliced into the
original text at exact offsets, so everything around them keeps its formatting. A fixer that
finds its work already done does nothing, so a second run plans nothing. A file that does not
parse is left untouched and reported. Like the audit's analyser, nothing of the project is
imported or run.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from urllib.parse import urlsplit

PROTOCOL = 1
ENV_DEBUG = 'os.environ.get("APP_ENV") == "development"'
ENV_KEY = 'os.environ.get("SECRET_KEY")'
TOKEN_INPUT = '<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">'
NONCE_ATTR = ' nonce="{{ csp_nonce() }}"'
META_TAG = '<meta name="csrf-token" content="{{ csrf_token() }}">'
SHIM_TAG = "<script src=\"{{ url_for('static', filename='hardening-csrf.js') }}\" nonce=\"{{ csp_nonce() }}\"></script>"
# Stylesheets from these hosts load fonts from the second one.
FONT_HOSTS = {"https://fonts.googleapis.com": "https://fonts.gstatic.com"}
JS_TYPES = {"", "text/javascript", "application/javascript", "module"}


def main() -> int:
    request = json.load(sys.stdin)
    root = request["root"]
    only = set(request.get("only") or ["debug", "server", "secret", "csrf", "templates", "headers"])
    out = {"protocol": PROTOCOL, "files": [], "app": None, "csp": {}, "blockers": [], "human": []}

    templates = []
    ajax = bool(request.get("ajax"))
    for rel in request.get("templates", []):
        text = read(root, rel)
        if text is None:
            out["files"].append({"path": rel, "text": None, "changes": [], "error": "unreadable or not UTF-8"})
            continue
        scan = scan_template(text)
        templates.append((rel, text, scan))
        ajax = ajax or scan["ajax"]
    csp = {}
    for rel, _text, scan in templates:
        for directive, origin in scan["origins"]:
            csp.setdefault(directive, [])
            if origin not in csp[directive]:
                csp[directive].append(origin)
        out["blockers"].extend({"file": rel, **b} for b in scan["blockers"])
        out["human"].extend({"file": rel, **h} for h in scan["human"])
    out["csp"] = {k: sorted(v) for k, v in sorted(csp.items())}
    report_only = bool(out["blockers"])

    for rel, text, scan in templates:
        edits, changes = template_edits(text, scan, only, ajax)
        out["files"].append(result(rel, text, edits, changes))

    parsed = []
    for rel in request.get("python", []):
        text = read(root, rel)
        if text is None:
            out["files"].append({"path": rel, "text": None, "changes": [], "error": "unreadable or not UTF-8"})
            continue
        try:
            tree = ast.parse(text, filename=rel)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None) or 1
            out["files"].append({"path": rel, "text": None, "changes": [], "error": f"line {line}: {exc.__class__.__name__} (left untouched)"})
            continue
        parsed.append((rel, text, tree))

    app = find_app(root, parsed)
    out["app"] = app
    for rel, text, tree in parsed:
        src = Source(text)
        edits, changes = [], []
        if not is_test_file(rel):
            if "secret" in only:
                secret_edits(tree, src, edits, changes)
            if "debug" in only:
                debug_edits(tree, src, edits, changes)
            # The CSP settings are the headers protection's (a run with --only may add them later).
            csp, reports = (out["csp"], report_only) if "headers" in only else ({}, False)
            # The call (and the package) serve these; --only server or templates needs neither.
            needs_init = any(name in only for name in ("debug", "secret", "csrf", "headers"))
            if app and app["file"] == rel and not app["hardened"] and needs_init:
                init_edits(tree, src, app, csp, reports, edits, changes)
            elif app and app["file"] == rel:
                settings_edits(src, app, csp, reports, edits, changes)
            if app and app["file"] == rel and request.get("configSplit") and "debug" in only and app["configFree"]:
                config_edits(tree, src, app, edits, changes)
            if any(e[3] for e in edits):
                ensure_import_os(tree, src, edits, changes)
        out["files"].append(result(rel, text, [e[:3] for e in edits], changes))
    json.dump(out, sys.stdout)
    return 0


def read(root: str, rel: str) -> str | None:
    try:
        with open(os.path.join(root, rel), "rb") as handle:
            return handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def result(rel, text, edits, changes):
    new = splice(text, edits)
    return {"path": rel, "text": new if new != text else None, "changes": changes if new != text else [], "error": None}


def splice(text: str, edits) -> str:
    """Apply (start, end, replacement) edits given as character offsets; they must not overlap."""
    out = text
    last = len(text) + 1
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        if end > last:
            raise ValueError("overlapping edits")
        out = out[:start] + new + out[end:]
        last = start
    return out


def is_test_file(rel: str) -> bool:
    parts = rel.split("/")
    base = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
    return any(re.fullmatch(r"tests?|testing|spec", d, re.I) for d in parts[:-1]) or bool(
        re.fullmatch(r"test_.*|.*_test|conftest|tests?", base, re.I)
    )


class Source:
    """Character offsets for ast positions (which count UTF-8 bytes within a line)."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, lineno: int, col: int) -> int:
        line = self.lines[lineno - 1] if lineno - 1 < len(self.lines) else ""
        return self.starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8", "ignore"))

    def span(self, node) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def segment(self, node) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def line_start(self, lineno: int) -> int:
        return self.starts[lineno - 1]

    def after_line(self, lineno: int) -> int:
        return self.starts[min(lineno, len(self.lines))]

    def indent(self, lineno: int) -> str:
        line = self.lines[lineno - 1]
        return line[: len(line) - len(line.lstrip())]

    def newline_at_end(self) -> bool:
        return self.text.endswith("\n")


def dotted(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return dotted(node.func) + "()"
    return ""


def literal(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)) and len(node.value) > 0


def class_role(name: str) -> str:
    if re.search(r"test", name, re.I):
        return "test"
    if re.search(r"dev|local|debug", name, re.I):
        return "dev"
    return "prod"


def change(fixer: str, line: int, description: str, removed: list[str] | None = None):
    return {"fixer": fixer, "line": line, "description": description, "removed": removed or []}


# ------------------------------------------------------------------------------------------
# Python fixers. Each edit is (start, end, text, needs_os).


def env_lookup_of_key(node) -> bool:
    """os.environ.get("SECRET_KEY", "literal") / os.getenv("SECRET_KEY", "literal")."""
    return (
        isinstance(node, ast.Call)
        and dotted(node.func).split(".")[-1] in ("get", "getenv")
        and ("environ" in dotted(node.func) or dotted(node.func).endswith("getenv"))
        and len(node.args) >= 2
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value == "SECRET_KEY"
        and literal(node.args[1])
    )


def secret_edits(tree, src: Source, edits, changes):
    def replace(value, why):
        start, end = src.span(value)
        edits.append((start, end, ENV_KEY, True))
        removed = src.lines[value.lineno - 1 : value.end_lineno]
        changes.append(change("secret", value.lineno, why, [line.rstrip("\n") for line in removed]))

    def value_fix(value, where):
        if literal(value):
            replace(value, f"literal SECRET_KEY {where} → the environment (hardening.init_app loads and checks it)")
        elif env_lookup_of_key(value):
            replace(value, f"SECRET_KEY {where} loses its literal fallback")
        elif isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or) and any(literal(v) for v in value.values[1:]):
            first = value.values[0]
            if isinstance(first, ast.Call) and "SECRET_KEY" in src.segment(first):
                replace(value, f"SECRET_KEY {where} loses its literal fallback (`or \"...\"`)")

    def visit(node, cls=None):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, child.name)
                continue
            if cls and class_role(cls) != "prod":
                continue
            if isinstance(child, (ast.Assign, ast.AnnAssign)):
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                for target in targets:
                    name = target_key(target)
                    if name in ("SECRET_KEY", "secret_key") and child.value is not None:
                        value_fix(child.value, f"in {cls}" if cls else "assignment")
            if isinstance(child, ast.Call):
                for kw in child.keywords:
                    if kw.arg == "SECRET_KEY":
                        value_fix(kw.value, "argument")
            if isinstance(child, ast.Dict):
                for key, value in zip(child.keys, child.values):
                    if isinstance(key, ast.Constant) and key.value == "SECRET_KEY":
                        value_fix(value, "in a mapping")
            visit(child, cls)

    visit(tree)


def target_key(target) -> str:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript) and dotted(target.value).endswith("config"):
        key = target.slice
        if isinstance(key, ast.Index):  # Python 3.8
            key = key.value
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    return ""


def debug_edits(tree, src: Source, edits, changes):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "run":
            for kw in node.keywords:
                if kw.arg == "debug" and isinstance(kw.value, ast.Constant) and kw.value.value is True:
                    start, end = src.span(kw.value)
                    edits.append((start, end, ENV_DEBUG, True))
                    changes.append(
                        change(
                            "debug",
                            kw.value.lineno,
                            "app.run(debug=True) → debug only when APP_ENV=development",
                            [src.lines[kw.value.lineno - 1].rstrip("\n")],
                        )
                    )
    for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and class_role(n.name) == "prod"] + [tree]:
        body = cls.body
        for stmt in body:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant) and stmt.value.value is True:
                if any(target_key(t) in ("DEBUG", "debug") for t in stmt.targets):
                    start, end = src.span(stmt.value)
                    edits.append((start, end, ENV_DEBUG, True))
                    changes.append(change("debug", stmt.lineno, "DEBUG = True → only when APP_ENV=development", [src.lines[stmt.lineno - 1].rstrip("\n")]))


def ensure_import_os(tree, src: Source, edits, changes):
    for node in tree.body:
        if isinstance(node, ast.Import) and any(a.name == "os" and a.asname is None for a in node.names):
            return
    # Before the first import (the standard library comes first), else after the docstring.
    first = next((n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)) and not is_future(n)), None)
    if first is not None:
        at, line = src.line_start(first.lineno), first.lineno
    else:
        line = import_insertion_line(tree)
        at = src.after_line(line) if line else 0
        line += 1
    edits.append((at, at, "import os\n", False))
    changes.append(change("import", line, "import os (for the environment lookups above)"))


def is_future(node) -> bool:
    return isinstance(node, ast.ImportFrom) and node.module == "__future__"


def import_insertion_line(tree) -> int:
    """The line after which a new top-level import goes: the last of the leading imports."""
    last = 0
    for index, node in enumerate(tree.body):
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            last = node.end_lineno
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            last = node.end_lineno
            continue
        break
    return last


def is_flask_call(node) -> bool:
    return isinstance(node, ast.Call) and dotted(node.func) in ("Flask", "flask.Flask")


def find_app(root: str, parsed):
    """The file, variable and shape (factory or module level) of the first non-test Flask app."""
    for rel, text, tree in parsed:
        if is_test_file(rel):
            continue
        hardened = "hardening.init_app(" in text
        for node in tree.body:
            if isinstance(node, ast.Assign) and is_flask_call(node.value) and isinstance(node.targets[0], ast.Name):
                return describe_app(root, rel, node.targets[0].id, None, node, hardened)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                for stmt in node.body:
                    if isinstance(stmt, ast.Assign) and is_flask_call(stmt.value) and isinstance(stmt.targets[0], ast.Name):
                        var = stmt.targets[0].id
                        returns = [s for s in node.body if isinstance(s, ast.Return) and isinstance(s.value, ast.Name) and s.value.id == var]
                        if returns:
                            return describe_app(root, rel, var, node.name, stmt, hardened, returns[-1].lineno)
    return None


def describe_app(root, rel, var, factory, node, hardened, return_line=None):
    folder = os.path.dirname(rel)
    in_package = os.path.isfile(os.path.join(root, folder, "__init__.py")) and folder != ""
    module = rel[:-3].replace("/", ".")
    if module.endswith(".__init__"):
        module = module[: -len(".__init__")]
    if module.startswith("src."):
        module = module[4:]
    package = module.rsplit(".", 1)[0] if rel.split("/")[-1] != "__init__.py" else module
    if not in_package:
        package = ""
    return {
        "file": rel,
        "var": var,
        "factory": factory,
        "line": node.lineno,
        "returnLine": return_line,
        "module": module,
        "package": package,
        "packageDir": folder,
        "hardened": hardened,
        # A config module of our own can go beside the app only where none exists yet.
        "configFree": not os.path.exists(os.path.join(root, folder, "config.py")),
        "importLine": "from . import hardening" if in_package else "import hardening",
    }


def init_call(var: str, csp, report_only: bool, indent: str) -> str:
    """The one init_app call, after the config hardening reads for what this project loads."""
    lines = []
    if csp:
        items = [f"{json.dumps(k)}: [{', '.join(json.dumps(o) for o in v)}]" for k, v in csp.items()]
        flat = f'{indent}{var}.config["CSP_EXTRA_SOURCES"] = {{{", ".join(items)}}}\n'
        if len(flat) > 100:
            inner = "".join(f"{indent}    {item},\n" for item in items)
            flat = f'{indent}{var}.config["CSP_EXTRA_SOURCES"] = {{\n{inner}{indent}}}\n'
        lines.append(flat)
    if report_only:
        lines.append(f'{indent}{var}.config["CSP_REPORT_ONLY"] = True  # until the blockers in the retrofit summary are fixed\n')
    lines.append(f"{indent}hardening.init_app({var})\n")
    return "".join(lines)


def init_edits(tree, src: Source, app, csp, report_only, edits, changes):
    var = app["var"]
    if app["factory"]:
        line = app["returnLine"]
        at = src.line_start(line)
        edits.append((at, at, init_call(var, csp, report_only, src.indent(line)), False))
        changes.append(change("init-app", line, f"hardening.init_app({var}) before `return {var}` in {app['factory']}()"))
    else:
        # After the app's own configuration statements, so the loader sees and checks the key.
        created = next(n for n in tree.body if getattr(n, "lineno", 0) == app["line"])
        index = tree.body.index(created)
        last = created
        for stmt in tree.body[index + 1 :]:
            segment = src.segment(stmt)
            if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Expr)) and re.match(rf"\s*{re.escape(var)}\.", segment):
                last = stmt
                continue
            break
        at = src.after_line(last.end_lineno)
        prefix = "" if src.text[:at].endswith("\n") else "\n"
        edits.append((at, at, prefix + init_call(var, csp, report_only, ""), False))
        changes.append(change("init-app", last.end_lineno + 1, f"hardening.init_app({var}) after the app is created and configured"))
    line = import_insertion_line(tree)
    at = src.after_line(line) if line else 0
    edits.append((at, at, app["importLine"] + "\n", False))
    changes.append(change("import", line + 1, app["importLine"]))


def settings_edits(src: Source, app, csp, report_only, edits, changes):
    """An app whose init_app call an earlier run (with --only) added: the CSP settings that
    call reads, where they are missing, on the lines right before it."""
    call = re.search(rf"^([ \t]*)hardening\.init_app\({re.escape(app['var'])}\)", src.text, re.M)
    if call is None:
        return
    csp = csp if "CSP_EXTRA_SOURCES" not in src.text else {}
    report_only = report_only and "CSP_REPORT_ONLY" not in src.text
    if not csp and not report_only:
        return
    settings = init_call(app["var"], csp, report_only, call.group(1))
    settings = settings[: settings.rindex(call.group(1) + "hardening.init_app(")]
    edits.append((call.start(), call.start(), settings, False))
    line = src.text.count("\n", 0, call.start()) + 1
    changes.append(change("headers", line, f"CSP settings for hardening.init_app({app['var']}) (this project's origins{', report-only' if report_only else ''})"))


def config_edits(tree, src: Source, app, edits, changes):
    """Load the APP_ENV-selected config class right after the app is created (the user's own
    settings below it still win), and import config_for from the config module added beside it."""
    var = app["var"]
    created = next(n for n in ast.walk(tree) if isinstance(n, ast.Assign) and getattr(n, "lineno", 0) == app["line"])
    indent = src.indent(created.lineno)
    at = src.after_line(created.end_lineno)
    edits.append((at, at, f'{indent}{var}.config.from_object(config_for(os.environ.get("APP_ENV")))\n', True))
    changes.append(change("debug", created.end_lineno + 1, "configuration chosen by APP_ENV (production when unset)", []))
    line = import_insertion_line(tree)
    where = src.after_line(line) if line else 0
    module = "from .config import config_for" if app["package"] else "from config import config_for"
    edits.append((where, where, module + "\n", False))
    changes.append(change("debug", line + 1, module, []))


# ------------------------------------------------------------------------------------------
# Templates: tags found by position; Jinja expressions and quoted values may hold ">".

TAG = re.compile(r"<(?P<name>[A-Za-z][A-Za-z0-9-]*)(?P<attrs>(?:\"[^\"]*\"|'[^']*'|\{\{.*?\}\}|\{%.*?%\}|[^>\"'{]|\{(?![{%]))*)>", re.S)
ATTR = re.compile(r"([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")
AJAX = re.compile(
    r"\$\.(post|ajax)\s*\(|XMLHttpRequest|fetch\s*\([^)]*\{[^}]*method\s*:\s*['\"](post|put|patch|delete)['\"]", re.I | re.S
)


def attrs_of(text: str) -> dict:
    out = {}
    cleaned = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", lambda m: "_" * len(m.group(0)), text, flags=re.S)
    for m in ATTR.finditer(cleaned):
        value = m.group(2)
        if value is not None:
            value = text[m.start(2) : m.end(2)].strip("\"'")
        out[m.group(1).lower()] = value
    return out


def line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def blank_comments(text: str) -> str:
    # {# #} and <!-- --> keep their length so offsets stay true.
    return re.sub(r"\{#.*?#\}|<!--.*?-->", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)


def origin_of(url: str) -> str | None:
    if url.startswith("//"):
        url = "https:" + url
    if not re.match(r"https?://", url, re.I):
        return None
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}" if parts.netloc and "{" not in parts.netloc else None


def scan_template(text: str) -> dict:
    scan = {"tags": [], "origins": [], "blockers": [], "human": [], "ajax": False}
    body = blank_comments(text)
    for m in TAG.finditer(body):
        name = m.group("name").lower()
        attrs = attrs_of(m.group("attrs"))
        line = line_of(text, m.start())
        scan["tags"].append((name, m.start(), m.end(), attrs))
        for attr in attrs:
            if re.fullmatch(r"on[a-z]+", attr):
                scan["blockers"].append({"line": line, "what": f"inline event handler {attr}= on <{name}>"})
            elif attr == "style":
                scan["blockers"].append({"line": line, "what": f'style="" on <{name}>'})
        for attr in ("href", "src", "action"):
            if (attrs.get(attr) or "").strip().lower().startswith("javascript:"):
                scan["blockers"].append({"line": line, "what": f"javascript: URL in {attr}"})
        if name == "script" and attrs.get("src"):
            origin = origin_of(attrs["src"])
            if origin:
                scan["origins"].append(("script-src", origin))
                if "integrity" not in attrs:
                    scan["human"].append({"line": line, "what": f"add integrity= (SRI) to the script from {origin}"})
        if name == "link" and "stylesheet" in (attrs.get("rel") or "").lower() and attrs.get("href"):
            origin = origin_of(attrs["href"])
            if origin:
                scan["origins"].append(("style-src", origin))
                if origin in FONT_HOSTS:
                    scan["origins"].append(("font-src", FONT_HOSTS[origin]))
                elif "integrity" not in attrs:
                    scan["human"].append({"line": line, "what": f"add integrity= (SRI) to the stylesheet from {origin}"})
        if name == "style":
            scan["blockers"].append({"line": line, "what": "inline <style> block (move it to a static .css file)"})
        if name == "script" and not attrs.get("src"):
            close = body.find("</script", m.end())
            if AJAX.search(body[m.end() : close if close > 0 else len(body)]):
                scan["ajax"] = True
    for m in re.finditer(r"\|\s*safe\b|\bMarkup\s*\(|\{%-?\s*autoescape\s+false", body):
        scan["human"].append({"line": line_of(text, m.start()), "what": f"`{m.group(0).strip()}` outputs HTML unescaped: review it, then give it a reason in template-audit-allowlist.toml"})
    return scan


def line_text(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start : end if end >= 0 else len(text)]


def in_place(text: str, at: int, insert: str) -> list[str]:
    """The original line an insertion changes: none when it only adds whole new lines."""
    if insert.startswith("\n") and (at == len(text) or text[at] == "\n"):
        return []
    return [line_text(text, at)]


def template_edits(text: str, scan, only, ajax: bool):
    edits, changes = [], []
    body = blank_comments(text)
    for name, start, end, attrs in scan["tags"]:
        line = line_of(text, start)
        if name == "form" and "csrf" in only and (attrs.get("method") or "").lower() == "post":
            close = body.lower().find("</form", end)
            inner = body[end : close if close > 0 else len(body)]
            if not re.search(r"csrf_token|hidden_tag\s*\(", inner):
                insert = token_insert(text, start, end)
                edits.append((end, end, insert))
                changes.append(change("csrf", line, "csrf_token() added to a POST form", in_place(text, end, insert)))
        if name == "script" and "headers" in only and "nonce" not in attrs:
            # Inline scripts need the nonce to run; scripts with src= get it too, so a page
            # stays valid if the policy later moves to 'strict-dynamic'.
            if (attrs.get("type") or "").lower() in JS_TYPES:
                at = start + len("<script")
                kind = "an external" if attrs.get("src") else "an inline"
                edits.append((at, at, NONCE_ATTR))
                changes.append(change("headers", line, f"nonce added to {kind} <script>", in_place(text, at, NONCE_ATTR)))
        if name == "head" and "csrf" in only and ajax and "csrf-token" not in body:
            indent = line_indent(text, start) + "  "
            insert = f"\n{indent}{META_TAG}\n{indent}{SHIM_TAG}"
            edits.append((end, end, insert))
            changes.append(change("csrf", line, "CSRF meta tag and the same-origin fetch/XHR shim added to <head>", in_place(text, end, insert)))
    return edits, changes


def line_indent(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    line = text[start:index]
    return line[: len(line) - len(line.lstrip())]


def token_insert(text: str, start: int, end: int) -> str:
    rest = text[end : text.find("\n", end) if "\n" in text[end:] else len(text)]
    if rest.strip() == "":
        return f"\n{line_indent(text, start)}  {TOKEN_INPUT}"
    return TOKEN_INPUT


if __name__ == "__main__":
    sys.exit(main())
