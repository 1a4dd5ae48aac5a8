#!/usr/bin/env python3
"""Fact extractor for `hardened-flask audit` (stdlib only, Python 3.8+).

Reads a JSON request on stdin:
    {"root": "/abs/project", "python": ["app.py", ...], "templates": ["templates/x.html", ...],
     "maxBytes": 2097152}
and writes one JSON document on stdout: {"protocol": 1, "python": "3.11.7", "jinja": "3.1.6" | null,
"files": [...], "templates": [...]}.

It never imports or executes the audited project's code: Python files are read as bytes and
given to ast.parse; templates are given to jinja2's parser (which builds a tree and runs
nothing) when jinja2 is importable, else to the documented regex fallback. It decides nothing:
it reports facts with line numbers, and the TypeScript side turns them into statuses.
"""

from __future__ import annotations

import ast
import json
import os
import platform
import re
import sys

PROTOCOL = 1

# Config keys whose assignments are reported, wherever they are set.
CONFIG_KEYS = {
    "DEBUG",
    "TESTING",
    "ENV",
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "CSP_REPORT_ONLY",
    "WTF_CSRF_ENABLED",
    "WTF_CSRF_CHECK_DEFAULT",
    "WTF_CSRF_SSL_STRICT",
    "WTF_CSRF_HEADERS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "PREFERRED_URL_SCHEME",
    "HSTS_MAX_AGE",
}
CSRF_CLASSES = {"CSRFProtect", "CsrfProtect", "SeaSurf"}
HEADER_CLASSES = {"Talisman"}
HOOK_NAMES = ("after_request", "after_app_request", "before_request", "before_app_request")
STATE_METHODS = {"post", "put", "patch", "delete"}
WRITE_CALLS = re.compile(r"^(commit|save|delete|remove|destroy|insert\w*|update_\w+|delete_\w+|bulk_\w+)$")
REQUEST_MAPS = {"form", "headers", "values", "args", "cookies", "json"}
ROUTE_SHORTCUTS = {"get", "post", "put", "patch", "delete"}
NON_APP_RUNNERS = ("subprocess", "asyncio", "uvicorn", "unittest", "pytest", "trio", "anyio", "doctest")
DEV_WORDS = re.compile(r"dev|debug|local|test", re.IGNORECASE)
SECRET_NAME = re.compile(r"SECRET_KEY", re.IGNORECASE)
MAX_VAL_DEPTH = 6
ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]{2,}")
ENVIRON_NAMES = {"environ", "env", "environment", "os_environ", "environ_"}
# Settings that switch headers on or off by name (HSTS, CSP): reported wherever they are set.
HEADER_SETTING = re.compile(r"HSTS|STRICT_TRANSPORT|CONTENT_SECURITY_POLICY|(^|_)CSP(_|$)|FORCE_HTTPS", re.IGNORECASE)
# Calls whose result no longer carries request data: file contents, lengths, numbers, booleans,
# safe path parts. A template read from disk is the file's text, whatever chose the file.
TAINT_STOPS = {
    "open", "read", "read_text", "read_bytes", "readlines", "load", "loads", "len", "int", "float", "bool",
    "get_template", "render_template", "exists", "isfile", "listdir", "scandir", "glob", "escape",
    "secure_filename", "quote", "urlencode", "uuid4", "hash", "sha256", "hexdigest",
}
RANDOM_CALLS = re.compile(r"(^|\.)(urandom|token_hex|token_bytes|token_urlsafe|randbytes|getrandbits|uuid4|get_random_bytes)$")
SECRET_STORES = re.compile(
    r"secretsmanager|get_secret_value|secretmanager|access_secret_version|hvac|vault|keyvault|SecretClient|"
    r"get_parameter|ssm|keyring|credstash|doppler|infisical|onepassword|op_read",
    re.IGNORECASE,
)
KEYISH = re.compile(r"urandom|token_|randbytes|getrandbits|uuid4|get_random_bytes|open\(|read_text|read_bytes")
# Words that make a file/text pre-filter keep a Python file: every name the visitor reacts to.
RELEVANT = re.compile(
    rb"Flask|route|add_url_rule|@[\w.]+\.(?:get|post|put|patch|delete)\(|environ|getenv|config|Config|Settings|"
    rb"DEBUG|SECRET|secret_key|CSRF|csrf|SeaSurf|Talisman|headers|exempt|init_app|Blueprint|_request|"
    rb"\.run\(|serve|Markup|render_template_string|from_string|Template|Environment|jinja|autoescape|"
    rb"Form|setup\(|__name__|decouple|environs|HSTS|CSP|urandom|token_|Debugged|raw_env|bind|reload"
)


def main() -> int:
    # The audit starts this process before it walks the tree: the imports happen while the
    # request is being prepared. An audit that stops early closes standard input unsent.
    jinja = load_jinja()
    raw = sys.stdin.read()
    if not raw.strip():
        return 0
    request = json.loads(raw)
    root = request["root"]
    max_bytes = int(request.get("maxBytes", 2 * 1024 * 1024))
    out = {
        "protocol": PROTOCOL,
        "python": platform.python_version(),
        "jinja": jinja[0] if jinja else None,
        "files": [],
        "templates": [],
    }
    for rel in request.get("python", []):
        out["files"].append(guarded(analyse_python_file, root, rel, max_bytes))
    for rel in request.get("templates", []):
        out["templates"].append(guarded(analyse_template_file, root, rel, max_bytes, jinja))
    # json.dumps, not json.dump: only the one-shot form uses the C encoder (several times faster)
    sys.stdout.write(json.dumps(out, separators=(",", ":")))
    sys.stdout.write("\n")
    return 0


def guarded(fn, root, rel, max_bytes, *extra):
    """One bad file never stops the run: any unexpected failure becomes an error entry."""
    try:
        return fn(root, rel, max_bytes, *extra)
    except RecursionError:
        return {"path": rel, "error": {"line": 1, "message": "too deeply nested to analyse"}, "facts": []}
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        return {"path": rel, "error": {"line": 1, "message": "analyser failed: %s" % type(exc).__name__}, "facts": []}


def read_bytes(root: str, rel: str, max_bytes: int):
    path = os.path.join(root, rel)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        # os.read sized by fstat: a buffered read(max_bytes + 1) allocates the whole 2 MiB for
        # every file, which made reading the files a tenth of the analyser's time
        size = os.fstat(fd).st_size
        chunks, length = [], 0
        while length <= max_bytes:
            chunk = os.read(fd, min(max_bytes + 1 - length, max(size + 1 - length, 65536)))
            if not chunk:
                break
            chunks.append(chunk)
            length += len(chunk)
    finally:
        os.close(fd)
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if len(data) > max_bytes:
        return None, "larger than %d bytes" % max_bytes
    if b"\0" in data[:8192]:
        return None, "binary"
    return data, None


# ---------------------------------------------------------------------------------------------
# Python files


def read_or_skip(root: str, rel: str, max_bytes: int):
    """The file's bytes, or the result to report for a file that cannot or should not be read."""
    try:
        data, skip = read_bytes(root, rel, max_bytes)
    except OSError as exc:
        return None, {"path": rel, "skipped": "unreadable: %s" % (exc.strerror or type(exc).__name__), "facts": []}
    if skip:
        return None, {"path": rel, "skipped": skip, "facts": []}
    return data, None


def analyse_python_file(root: str, rel: str, max_bytes: int):
    data, skipped = read_or_skip(root, rel, max_bytes)
    if skipped:
        return skipped
    try:
        tree = ast.parse(data, filename=rel)
    except SyntaxError as exc:
        return {
            "path": rel,
            "error": {"line": exc.lineno or 1, "message": "syntax error: %s" % (exc.msg or "invalid syntax")},
            "facts": [],
        }
    except ValueError as exc:
        return {"path": rel, "error": {"line": 1, "message": "cannot parse: %s" % exc}, "facts": []}
    if not RELEVANT.search(data):
        # No name the visitor reacts to appears in the file, so it cannot yield a fact: the
        # parse above still reports syntax errors, the (costlier) visit is skipped.
        return {"path": rel, "facts": [], "imports": []}
    text = data.decode("utf-8", errors="replace")
    analyser = PyAnalyser(rel, tree, text.splitlines())
    analyser.may_key = bool(KEYISH.search(text))
    analyser.run()
    return {"path": rel, "facts": analyser.facts, "imports": sorted(set(analyser.aliases.values()))}


# Node types that never hold another node: expression contexts (Load, Store, Del) and operators.
LEAF_TYPES = frozenset(
    cls for base in (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop) for cls in base.__subclasses__()
)


# What the visitor never needs to enter (see PyAnalyser.visit).
SKIPPED = LEAF_TYPES | {ast.Constant}


def walk(tree):
    """The nodes ast.walk yields, in the same (breadth-first) order, as a list and without the
    leaf types above, which no caller looks at. About twice as fast: ast.walk goes through two
    generators per node."""
    nodes = [tree]
    append = nodes.append
    node_type = ast.AST
    leaves = LEAF_TYPES
    for node in nodes:  # the list grows while it is read: a queue without popping
        for field in node._fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, node_type) and type(item) not in leaves:
                        append(item)
            elif isinstance(value, node_type) and type(value) not in leaves:
                append(value)
    return nodes


def dotted(node) -> str | None:
    """`a.b.c` for Name/Attribute chains, `f().g` through calls; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return None if base is None else base + "." + node.attr
    if isinstance(node, ast.Call):
        base = dotted(node.func)
        return None if base is None else base + "()"
    return None


def last(name: str | None) -> str:
    if not name:
        return ""
    return name.rstrip("()").split(".")[-1]


def const_str(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class Summary:
    """What a view or a before_request hook does, for the CSRF rules, collected while the body is
    visited: the request fields and headers it reads, whether it compares them with the session
    and refuses, validates a form, authenticates by header, or writes."""

    __slots__ = ("reads", "calls", "session", "compares", "refuses", "method", "auth")

    def __init__(self):
        self.reads, self.calls = set(), set()
        self.session = self.compares = self.refuses = self.method = self.auth = False

    def result(self):
        return {
            "reads": sorted(self.reads),
            "session": self.session,
            "compares": self.compares or bool(self.calls & {"compare_digest", "safe_str_cmp"}),
            "refuses": self.refuses or "abort" in self.calls,
            "methodCheck": self.method,
            "authHeader": self.auth,
            "validatesForm": "validate_on_submit" in self.calls or "validate" in self.calls,
            "writes": any(WRITE_CALLS.match(c or "") for c in self.calls),
        }


class Scope:
    def __init__(self, kind: str, name: str, node=None):
        self.kind = kind  # module | class | function
        self.name = name
        self.node = node
        self.tainted: set = set()
        self.validated: set = set()
        self.summary = None  # a Summary while a view or before_request hook is visited
        self.summarised = []  # the facts that get the summary
        self.taint_ready = False  # computed on first need (template sources are rare)


class PyAnalyser(ast.NodeVisitor):
    def __init__(self, rel: str, tree, lines):
        self.rel = rel
        self.tree = tree
        self.lines = lines
        self.facts = []
        self.aliases = {}
        self.module_values = {}
        self.app_names = set()
        self.blueprint_names = set()
        self.env_factories = set()  # names bound to environs.Env()
        self.flask_classes = set()  # class App(Flask) in this module
        self.scopes = [Scope("module", "")]
        self.guards = []  # "main" | "dev"
        self.loops = []  # iterables of the enclosing for-loops
        self.route_functions = set()
        self.hook_functions = {}  # function name -> {"owner", "global"}
        self.before_functions = {}  # before_request hooks registered by call
        base = os.path.basename(rel)
        self.is_gunicorn = base.startswith("gunicorn") or ("gunicorn" in base and "conf" in base)
        self.is_setup = base == "setup.py"
        self.may_key = True

    # --- traversal ---------------------------------------------------------------------------
    # ast.NodeVisitor looks the visit_* method up by name and walks fields through generators on
    # every node; on a large project that lookup is a fair share of the run. The same traversal
    # with the method cached per node class and the fields read directly. Nodes that can hold no
    # other node and have no visit_* method of their own (contexts, operators, constants: about
    # a third of all nodes) are not visited at all: NodeVisitor.visit_Constant only forwards to
    # the deprecated visit_Str/visit_Num, which this class does not define.
    _dispatch: dict = dict.fromkeys(LEAF_TYPES | {ast.Constant}, lambda self, node: None)

    @classmethod
    def method_for(cls, node_type):
        method = getattr(cls, "visit_" + node_type.__name__, None) or cls.generic_visit
        cls._dispatch[node_type] = method
        return method

    def visit(self, node):
        method = self._dispatch.get(node.__class__) or self.method_for(node.__class__)
        return method(self, node)

    def generic_visit(self, node):
        # visit() inlined: one call less per node, and none for the skipped leaf types
        dispatch = self._dispatch
        node_type = ast.AST
        for field in node._fields:
            value = getattr(node, field, None)
            if value is None:
                continue
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, node_type) and item.__class__ not in SKIPPED:
                        (dispatch.get(item.__class__) or self.method_for(item.__class__))(self, item)
            elif isinstance(value, node_type) and value.__class__ not in SKIPPED:
                (dispatch.get(value.__class__) or self.method_for(value.__class__))(self, value)

    # --- preparation -------------------------------------------------------------------------
    def run(self):
        self.prepass()
        self.visit(self.tree)

    def prepass(self):
        """One walk over the tree collects what the visit needs to know in advance."""
        imports, assigns, registrations = [], [], []
        names = set()
        self.mentions_secret = False
        for node in walk(self.tree):
            kind = type(node)
            if kind is ast.Import or kind is ast.ImportFrom:
                imports.append(node)
            elif kind is ast.Assign or kind is ast.AnnAssign or kind is ast.AugAssign or kind is ast.NamedExpr:
                assigns.append(node)
            elif kind is ast.Name:
                names.add(node.id)
            elif kind is ast.ClassDef:
                if any(last(dotted(base)) == "Flask" for base in node.bases):
                    self.flask_classes.add(node.name)
            elif kind is ast.Call:
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr in HOOK_NAMES and node.args:
                    registrations.append(node)
            elif kind is ast.Constant and isinstance(node.value, str) and not self.mentions_secret:
                self.mentions_secret = bool(SECRET_NAME.search(node.value))
        self.collect_imports(imports)
        self.mentions_request = any(
            name == "request" or self.aliases.get(name) == "flask.request" for name in names
        )
        self.collect_module_values(assigns)
        self.collect_registrations(registrations)

    def collect_imports(self, imports):
        for node in imports:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.aliases[top] = top
            else:
                module = "." * (node.level or 0) + (node.module or "")
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    sep = "" if module.endswith(".") or not module else "."
                    self.aliases[alias.asname or alias.name] = module + sep + alias.name

    def collect_module_values(self, assigns):
        for stmt in self.tree.body:
            targets, value = assignment_parts(stmt)
            for target in targets:
                if isinstance(target, ast.Name) and value is not None:
                    self.module_values[target.id] = value
                    if isinstance(value, ast.Dict) and any(
                        (const_str(k) or "").endswith("-src") for k in value.keys if k is not None
                    ):
                        self.facts.append(
                            {"kind": "csp-candidate", "line": stmt.lineno, "name": target.id, "value": value}
                        )
                    if (
                        isinstance(value, ast.Dict)
                        and value.values
                        and all(isinstance(v, (ast.Name, ast.Attribute)) for v in value.values)
                        and all(const_str(k) is not None for k in value.keys if k is not None)
                        and None not in value.keys
                    ):
                        items = {const_str(k): dotted(v) for k, v in zip(value.keys, value.values)}
                        self.facts.append({"kind": "config-map", "line": stmt.lineno, "name": target.id, "items": items})
        for fact in self.facts:
            if fact["kind"] == "csp-candidate":
                fact["value"] = self.val(fact["value"])
        for node in assigns:
            targets, value = assignment_parts(node)
            if not isinstance(value, ast.Call):
                continue
            # the variable a call's result is bound to (csrf = CSRFProtect() -> "csrf")
            if len(targets) == 1 and isinstance(targets[0], (ast.Name, ast.Attribute)):
                value._parent_assign = dotted(targets[0])  # type: ignore[attr-defined]
            callee = last(self.qual(value.func))
            for target in targets:
                if not isinstance(target, ast.Name):
                    continue
                if callee == "Flask" or callee in self.flask_classes or callee.endswith("create_app") or callee == "make_app":
                    self.app_names.add(target.id)
                elif callee == "Blueprint":
                    self.blueprint_names.add(target.id)
                elif callee == "Env" and "environ" in (self.qual(value.func) or "environ"):
                    self.env_factories.add(target.id)

    def collect_registrations(self, registrations):
        """Functions registered as after-request hooks by call: app.after_request(add_headers)."""
        for node in registrations:
            name = dotted(node.args[0])
            if not name:
                continue
            owner = dotted(node.func.value) or "?"
            before = node.func.attr.startswith("before")
            hook = {
                "owner": owner,
                "global": node.func.attr.endswith("_app_request") or self.owner_kind(owner) == "app",
                "ownerKind": self.owner_kind(owner),
            }
            (self.before_functions if before else self.hook_functions)[name] = hook
            # the function may live in another module: report the registration itself
            kind = "before-request" if before else "after-request"
            fact = {"kind": kind, "line": node.lineno, "function": name.split(".")[-1], "via": "call"}
            fact.update(hook)
            self.facts.append(fact)

    # --- helpers -----------------------------------------------------------------------------
    def qual(self, node) -> str | None:
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        head_plain = head.rstrip("()")
        if head_plain in self.aliases:
            resolved = self.aliases[head_plain] + head[len(head_plain):]
            return resolved + ("." + rest if rest else "")
        return name

    def owner_kind(self, owner: str) -> str:
        base = owner.split(".")[-1].rstrip("()")
        if base in self.app_names or base in ("app", "application") or base.endswith("create_app"):
            return "app"
        if base in self.blueprint_names or re.search(r"(^|_)bp$|blueprint", base, re.IGNORECASE):
            return "blueprint"
        return "unknown"

    def add(self, kind: str, node, **data):
        fact = {"kind": kind, "line": getattr(node, "lineno", 1)}
        fact.update(data)
        scope = self.function_scope()
        if scope is not None and "function" not in fact:
            fact["function"] = scope.name
        cls = self.class_scope()
        if cls is not None and "cls" not in fact:
            fact["cls"] = cls.name
        if "main" in self.guards:
            fact["mainGuard"] = True
        if "dev" in self.guards:
            fact["devGuard"] = True
        if scope is None and cls is None:
            fact["moduleLevel"] = True
        self.facts.append(fact)

    def function_scope(self):
        for scope in reversed(self.scopes):
            if scope.kind == "function":
                return scope
        return None

    def class_scope(self):
        scope = self.scopes[-1]
        return scope if scope.kind == "class" else None

    def commented(self, lineno: int, first_line: int | None = None) -> bool:
        """A comment on the line itself, on the line above, or among the decorators above it."""
        here = lineno - 1
        if 0 <= here < len(self.lines) and "#" in self.lines[here]:
            return True
        start = min(first_line or lineno, lineno) - 2
        for idx in range(max(start, 0), here):
            if self.lines[idx].strip().startswith("#"):
                return True
        return False

    def is_request(self, node) -> bool:
        return isinstance(node, ast.Name) and (
            node.id == "request" or self.aliases.get(node.id, "") in ("flask.request", "request")
        )

    def expr_tainted(self, node) -> bool:
        scope = self.function_scope()
        if scope is not None and not scope.taint_ready:
            scope.taint_ready = True
            self.compute_taint(scope.node, scope)
        tainted = scope.tainted if scope else set()
        return self.expr_tainted_with(node, tainted)

    def val(self, node, depth: int = 0):
        """A small JSON summary of an expression: enough to judge literals, env lookups and CSPs."""
        if node is None:
            return None
        if depth > MAX_VAL_DEPTH:
            return {"t": "expr"}
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bytes):
                return {"t": "const", "v": value.decode("latin-1"), "bytes": True}
            if value is None or isinstance(value, (str, bool, int, float)):
                return {"t": "const", "v": value}
            return {"t": "expr"}
        if isinstance(node, ast.JoinedStr):
            return {"t": "fstring"}
        if isinstance(node, ast.Dict):
            items = {}
            for key, value in zip(node.keys, node.values):
                key_str = const_str(key) if key is not None else None
                if key_str is None:
                    return {"t": "expr"}
                items[key_str] = self.val(value, depth + 1)
            return {"t": "dict", "items": items}
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return {"t": "list", "items": [self.val(item, depth + 1) for item in node.elts]}
        env = self.env_lookup(node)
        if env is not None:
            return env
        if isinstance(node, ast.Name):
            result = {"t": "name", "name": node.id}
            bound = self.module_values.get(node.id)
            if bound is not None and bound is not node and depth < 3:
                result["value"] = self.val(bound, depth + 1)
            return result
        if isinstance(node, ast.Attribute):
            return {"t": "attr", "name": dotted(node) or "?"}
        if isinstance(node, ast.Subscript):
            return {"t": "subscript", "base": self.val(node.value, depth + 1), "key": self.val(subscript_key(node), depth + 1)}
        if isinstance(node, ast.BoolOp):
            kind = "or" if isinstance(node.op, ast.Or) else "and"
            return {"t": kind, "items": [self.val(item, depth + 1) for item in node.values]}
        if isinstance(node, ast.Call):
            func = self.qual(node.func) or "?"
            result = {"t": "call", "func": func}
            if last(func) == "dict" and not node.args:
                items = {}
                for kw in node.keywords:
                    if kw.arg is None:
                        return {"t": "expr"}
                    items[kw.arg] = self.val(kw.value, depth + 1)
                return {"t": "dict", "items": items}
            if node.args:
                result["args"] = [self.val(node.args[0], depth + 1)]
            return result
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            return {"t": "concat"}
        return {"t": "expr"}

    def env_lookup(self, node):
        """`os.environ.get("X", d)`, `os.getenv`, `os.environ["X"]`, environs and decouple lookups."""
        if isinstance(node, ast.Subscript):
            if self.is_environ(node.value) and isinstance(node.ctx, ast.Load):
                name = const_str(subscript_key(node))
                if name is not None:
                    return {"t": "env", "name": name, "required": True, "via": "os.environ[]"}
            return None
        if not isinstance(node, ast.Call):
            return None
        func = self.qual(node.func) or ""
        if any(self.is_environ(arg) for arg in node.args):
            # a helper handed the environment and a variable name: _read_one(os.environ, "SECRET_KEY")
            for arg in node.args:
                candidate = const_str(arg)
                if candidate is not None and ENV_NAME.fullmatch(candidate):
                    return {"t": "env", "name": candidate, "required": False, "via": "helper:" + func, "fallback": None}
            return None
        name = const_str(node.args[0]) if node.args else None
        if name is None:
            for kw in node.keywords:
                if kw.arg in ("key", "var", "name"):
                    name = const_str(kw.value)
        if name is None:
            return None
        default = None
        mapping_get = (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "setdefault")
            and self.is_environ(node.func.value)
        )
        if mapping_get or func in ("os.getenv", "getenv"):
            if len(node.args) > 1:
                default = node.args[1]
            for kw in node.keywords:
                if kw.arg == "default":
                    default = kw.value
            return {
                "t": "env",
                "name": name,
                "required": False,
                "via": func,
                "fallback": self.val(default, MAX_VAL_DEPTH - 1) if default is not None else None,
            }
        base = func.split(".")[0]
        if base in self.env_factories or func.startswith("decouple.") or func.startswith("environs."):
            for kw in node.keywords:
                if kw.arg == "default":
                    default = kw.value
            if default is None and len(node.args) > 1 and func.startswith("decouple."):
                default = node.args[1]
            return {
                "t": "env",
                "name": name,
                "required": default is None,
                "via": func,
                "fallback": self.val(default, MAX_VAL_DEPTH - 1) if default is not None else None,
            }
        return None

    # --- visiting ----------------------------------------------------------------------------
    def visit_ClassDef(self, node):
        bases = [self.qual(base) or "?" for base in node.bases]
        meta_csrf_off = False
        for stmt in node.body:
            if isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
                for inner in stmt.body:
                    targets, value = assignment_parts(inner)
                    for target in targets:
                        if isinstance(target, ast.Name) and target.id == "csrf":
                            if isinstance(value, ast.Constant) and value.value is False:
                                meta_csrf_off = True
        self.add("class", node, name=node.name, bases=bases, metaCsrfOff=meta_csrf_off)
        for deco in node.decorator_list:
            self.visit(deco)
        self.scopes.append(Scope("class", node.name, node))
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()

    def visit_FunctionDef(self, node):
        decorators = []
        routes = []
        hook = self.hook_functions.get(node.name)
        before = self.before_functions.get(node.name)
        for deco in node.decorator_list:
            call = deco if isinstance(deco, ast.Call) else None
            target = deco.func if call else deco
            name = dotted(target) or ""
            decorators.append(name)
            attr = name.split(".")[-1]
            owner = name.rsplit(".", 1)[0] if "." in name else ""
            if attr in ("route",) or (attr in ROUTE_SHORTCUTS and owner and call is not None):
                if attr == "route":
                    methods = ["GET"]
                    if call is not None:
                        for kw in call.keywords:
                            if kw.arg == "methods":
                                methods = [str(m).upper() for m in literal_strings(kw.value)] or ["?"]
                else:
                    methods = [attr.upper()]
                rule = const_str(call.args[0]) if call is not None and call.args else None
                routes.append({"rule": rule, "methods": methods, "owner": owner, "line": deco.lineno})
            if attr in ("after_request", "after_app_request") and owner:
                hook = {
                    "owner": owner,
                    "global": attr == "after_app_request" or self.owner_kind(owner) == "app",
                    "ownerKind": self.owner_kind(owner),
                }
            if attr in ("before_request", "before_app_request") and owner:
                before = {
                    "owner": owner,
                    "global": attr == "before_app_request" or self.owner_kind(owner) == "app",
                    "ownerKind": self.owner_kind(owner),
                }
            if attr == "exempt" and owner:
                self.add(
                    "csrf-exempt",
                    deco,
                    receiver=owner,
                    target=node.name,
                    form="decorator",
                    commented=self.commented(deco.lineno, node.decorator_list[0].lineno),
                )
            self.visit(deco)
        scope = Scope("function", node.name, node)
        if routes:
            params = [a.arg for a in node.args.args + node.args.kwonlyargs if a.arg not in ("self", "cls")]
            scope.tainted.update(params)
            scope.summary = Summary()
            for route in routes:
                fact = {"kind": "route", "line": route["line"], "function": node.name, "decorators": decorators}
                fact.update({k: v for k, v in route.items() if k != "line"})
                scope.summarised.append(fact)
                self.facts.append(fact)
        if hook is not None:
            fact = {"kind": "after-request", "line": node.lineno, "function": node.name}
            fact.update(hook)
            self.facts.append(fact)
        if before is not None:
            fact = {"kind": "before-request", "line": node.lineno, "function": node.name, "def": True}
            fact.update(before)
            scope.summary = scope.summary or Summary()
            scope.summarised.append(fact)
            self.facts.append(fact)
        self.key_helper(node)
        self.scopes.append(scope)
        secret_before = len(self.facts)
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()
        if scope.summary is not None:
            done = scope.summary.result()
            for fact in scope.summarised:
                fact.update(done)
        self.secret_function(node, secret_before, bool(routes), hook)

    visit_AsyncFunctionDef = visit_FunctionDef

    def request_key(self, node):
        """("form", "nonce") for request.form.get("nonce") / request.form["nonce"], else None."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
            owner, key = node.func.value, const_str(node.args[0])
        elif isinstance(node, ast.Subscript):
            owner, key = node.value, const_str(subscript_key(node))
        else:
            return None
        if key is None or not isinstance(owner, ast.Attribute) or owner.attr not in REQUEST_MAPS:
            return None
        return (owner.attr, key) if self.is_request(owner.value) else None

    def summary_here(self):
        """The summary being collected for the innermost view or before_request hook, if any."""
        scope = self.function_scope()
        return scope.summary if scope is not None else None

    def visit_Name(self, node):
        summary = self.summary_here()
        if summary is not None and (node.id == "session" or self.aliases.get(node.id) == "flask.session"):
            summary.session = True

    def visit_Attribute(self, node):
        summary = self.summary_here()
        if summary is not None and self.is_request(node.value):
            if node.attr == "method":
                summary.method = True
            elif node.attr == "authorization":
                summary.auth = True
        self.generic_visit(node)

    def visit_Compare(self, node):
        summary = self.summary_here()
        if summary is not None:
            summary.compares = True
        self.generic_visit(node)

    def visit_Raise(self, node):
        summary = self.summary_here()
        if summary is not None:
            summary.refuses = True
        self.generic_visit(node)

    def summarise(self, node):
        """Called for Call and Subscript nodes inside a view or hook (see Summary)."""
        summary = self.summary_here()
        if summary is None:
            return
        key = self.request_key(node)
        if key is not None:
            summary.reads.add(key[0] + ":" + key[1])
            if key[0] == "headers" and key[1].lower() in ("authorization", "x-api-key", "x-auth-token", "api-key"):
                summary.auth = True
        if isinstance(node, ast.Call):
            name = last(dotted(node.func))
            summary.calls.add(name)

    def key_helper(self, func):
        """A function that makes a random key and/or reads or writes a file: how a key generated
        once and kept in a private file is recognised (load_or_create_key)."""
        if not self.may_key:
            return
        generates = reads = writes = False
        for node in walk(func):
            if isinstance(node, ast.Call):
                qual = self.qual(node.func) or ""
                name = last(qual)
                if RANDOM_CALLS.search(qual):
                    generates = True
                elif name in ("read_text", "read_bytes", "read"):
                    reads = True
                elif name in ("write_text", "write_bytes", "write", "chmod", "fchmod"):
                    writes = True
                elif name == "open":
                    mode = node.args[1] if len(node.args) > 1 else None
                    for kw in node.keywords:
                        if kw.arg in ("mode", "flags"):
                            mode = kw.value
                    text = const_str(mode) or ""
                    if any(c in text for c in "wxa") or (mode is not None and "O_CREAT" in ast.dump(mode)):
                        writes = True
                    else:
                        reads = True
        if generates or reads:
            self.facts.append(
                {"kind": "key-helper", "line": func.lineno, "function": func.name, "generates": generates, "readsFile": reads, "writesFile": writes}
            )

    def compute_taint(self, func, scope: Scope):
        """Names that (transitively) hold request data inside one function: two passes suffice here."""
        if not scope.tainted and not self.mentions_request:
            return
        for _ in range(2):
            self.drop_validated(func, scope)
            for node in ast.walk(func):
                targets, value = assignment_parts(node)
                if isinstance(node, ast.For):
                    targets, value = [node.target], node.iter
                if value is None:
                    continue
                if self.expr_tainted_with(value, scope.tainted):
                    for target in targets:
                        for name in ast.walk(target):
                            if isinstance(name, ast.Name) and name.id not in scope.validated:
                                scope.tainted.add(name.id)
        self.drop_validated(func, scope)

    def drop_validated(self, func, scope: Scope):
        """`if name not in ALLOWED: abort(404)` (or `if name in ALLOWED:`): the name is one of a
        known set of values from then on, so it no longer counts as request data. Flow-insensitive:
        a membership test anywhere in the function validates the name for the whole function."""
        for node in ast.walk(func):
            if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
                if isinstance(node.left, ast.Name):
                    scope.validated.add(node.left.id)
                    scope.tainted.discard(node.left.id)

    def expr_tainted_with(self, node, tainted) -> bool:
        """Whether request data reaches this value, stopping where a reviewer would: the result of
        a file read (or another call in TAINT_STOPS), a comparison or membership test (a boolean),
        and a lookup in a module-level literal (a constant choice)."""
        if self.is_request(node):
            return True
        if isinstance(node, ast.Name):
            return node.id in tainted
        if isinstance(node, ast.Call):
            if last(dotted(node.func)) in TAINT_STOPS:
                return False
            parts = [node.func] + list(node.args) + [kw.value for kw in node.keywords]
            return any(self.expr_tainted_with(part, tainted) for part in parts)
        if isinstance(node, ast.Compare):
            return False
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            bound = self.module_values.get(node.value.id)
            if isinstance(bound, (ast.Dict, ast.List, ast.Tuple)):
                return False
        if isinstance(node, (ast.Lambda, ast.FunctionDef)):
            return False
        return any(self.expr_tainted_with(child, tainted) for child in ast.iter_child_nodes(node))

    def secret_function(self, node, since: int, is_route: bool, hook):
        """A function that reads the secret key: does it refuse bad values (raise) and check length?"""
        if not self.mentions_secret:
            return
        reads = any(f["kind"] == "env-lookup" for f in self.facts[since:])
        params = [a.arg for a in node.args.args + node.args.kwonlyargs]
        reads = reads or any(p in ENVIRON_NAMES for p in params)
        mentions = any(
            f["kind"] == "env-lookup" and SECRET_NAME.search(f["name"]) for f in self.facts[since:]
        )
        raises = False
        length = False
        for sub in walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and SECRET_NAME.search(sub.value):
                mentions = True
            elif isinstance(sub, ast.Raise):
                raises = True
            elif isinstance(sub, ast.Compare):
                for part in [sub.left] + list(sub.comparators):
                    if isinstance(part, ast.Call) and dotted(part.func) == "len":
                        length = True
        if mentions and not is_route and not self.is_test_file():
            self.facts.append(
                {
                    "kind": "secret-function",
                    "line": node.lineno,
                    "function": node.name,
                    "readsEnv": reads,
                    "raises": raises,
                    "lengthCheck": length,
                }
            )

    def visit_For(self, node):
        self.visit(node.target)
        self.visit(node.iter)
        self.loops.append((node.target, node.iter))
        for stmt in node.body:
            self.visit(stmt)
        self.loops.pop()
        for stmt in node.orelse:
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def loop_elements(self, arg):
        """The names a loop variable takes when the loop runs over a literal tuple/list of names."""
        if not self.loops or not isinstance(arg, ast.Name):
            return None
        for target, source in reversed(self.loops):
            if isinstance(target, ast.Name) and target.id == arg.id:
                if isinstance(source, (ast.Tuple, ast.List, ast.Set)):
                    names = [dotted(e) for e in source.elts]
                    return [n for n in names if n] or None
                return None
        return None

    def allow_list(self):
        """An exemption made in `for x in ALLOW_LIST:` (or `.items()`/`.keys()`): the list, if literal."""
        if not self.loops:
            return None
        source = self.loops[-1][1]
        if isinstance(source, ast.Call) and isinstance(source.func, ast.Attribute) and not source.args:
            if source.func.attr in ("items", "keys", "values"):
                source = source.func.value
        if not isinstance(source, ast.Name):
            return None
        bound = self.module_values.get(source.id)
        if isinstance(bound, ast.Dict):
            reasons = [const_str(v) for v in bound.values]
            return {
                "name": source.id,
                "line": bound.lineno,
                "entries": len(bound.keys),
                "withReasons": sum(1 for r in reasons if r and r.strip()),
            }
        if isinstance(bound, (ast.List, ast.Tuple, ast.Set)):
            return {"name": source.id, "line": bound.lineno, "entries": len(bound.elts), "withReasons": 0}
        return {"name": source.id, "line": None, "entries": None, "withReasons": 0}

    def visit_If(self, node):
        guard = None
        if is_main_guard(node.test):
            guard = "main"
        elif self.is_dev_test(node.test):
            guard = "dev"
        self.visit(node.test)
        if guard:
            self.guards.append(guard)
        for stmt in node.body:
            self.visit(stmt)
        if guard:
            self.guards.pop()
        for stmt in node.orelse:
            self.visit(stmt)

    def is_dev_test(self, test) -> bool:
        for sub in walk(test):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                if re.fullmatch(r"(?i)dev|develop(ment)?|debug|local|test(ing)?", sub.value.strip()):
                    return True
            elif isinstance(sub, ast.Name) and DEV_WORDS.search(sub.id):
                return True
            elif isinstance(sub, ast.Attribute) and sub.attr in ("debug", "testing", "DEBUG", "TESTING"):
                return True
        return False

    def visit_Assign(self, node):
        self.handle_assignment(node.targets, node.value, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.handle_assignment([node.target], node.value, node)
        self.generic_visit(node)

    def handle_assignment(self, targets, value, node):
        scope = self.scopes[-1]
        for target in targets:
            # KEY = value in a class body or at module level
            if isinstance(target, ast.Name):
                if scope.kind in ("class", "module") and HEADER_SETTING.search(target.id):
                    self.add("header-setting", node, name=target.id, value=self.val(value))
                if scope.kind in ("class", "module") and target.id in CONFIG_KEYS:
                    self.add("config-set", node, key=target.id, where=scope.kind, value=self.val(value))
                if scope.kind == "module" and self.is_gunicorn:
                    self.add("gunicorn-setting", node, name=target.id, value=self.val(value))
                if isinstance(value, ast.Call):
                    callee = last(self.qual(value.func))
                    if callee in CSRF_CLASSES or callee in HEADER_CLASSES:
                        pass  # reported by visit_Call with the variable name
            # x.config["KEY"] = value
            elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute):
                key_str = const_str(subscript_key(target))
                if target.value.attr == "config" and key_str in CONFIG_KEYS:
                    self.add("config-set", node, key=key_str, where="app.config", value=self.val(value))
                elif target.value.attr == "config" and key_str and HEADER_SETTING.search(key_str):
                    self.add("header-setting", node, name=key_str, value=self.val(value))
                elif target.value.attr == "headers" and key_str:
                    self.add("header-set", node, header=key_str, value=self.val(value))
            # app.secret_key = ..., app.debug = ..., app.jinja_env.autoescape = ...
            elif isinstance(target, ast.Attribute):
                if target.attr == "secret_key":
                    self.add("config-set", node, key="SECRET_KEY", where="attribute", value=self.val(value))
                elif target.attr == "debug" and self.owner_kind(dotted(target.value) or "") == "app":
                    self.add("config-set", node, key="DEBUG", where="attribute", value=self.val(value))
                elif target.attr == "autoescape" and (dotted(target.value) or "").endswith("jinja_env"):
                    self.add("autoescape", node, source="jinja_env.autoescape", value=self.val(value))
                elif target.attr == "jinja_options":
                    self.jinja_options(node, value)
            if scope.kind == "class" and isinstance(target, ast.Name) and target.id == "jinja_options":
                self.jinja_options(node, value)

    def jinja_options(self, node, value):
        summary = self.val(value)
        if summary and summary.get("t") == "dict" and "autoescape" in summary["items"]:
            self.add("autoescape", node, source="jinja_options", value=summary["items"]["autoescape"])

    def is_test_file(self) -> bool:
        base = os.path.basename(self.rel)
        return base.startswith("test_") or base.endswith("_test.py") or base == "conftest.py"

    def is_environ(self, node) -> bool:
        """os.environ, or a variable/parameter that conventionally holds it (environ, env)."""
        qual = self.qual(node)
        if qual in ("os.environ", "environ"):
            return True
        return isinstance(node, ast.Name) and node.id in ENVIRON_NAMES

    def visit_BoolOp(self, node):
        # os.environ.get("SECRET_KEY") or "dev": the literal is a fallback just like a default
        if isinstance(node.op, ast.Or):
            for index, item in enumerate(node.values[:-1]):
                env = self.env_lookup(item)
                if env is None:
                    continue
                for later in node.values[index + 1:]:
                    if isinstance(later, ast.Constant) and later.value not in (None, "", b""):
                        self.add("env-or-fallback", item, name=env["name"], fallback=self.val(later))
                        break
        self.generic_visit(node)

    def visit_Subscript(self, node):
        self.summarise(node)
        env = self.env_lookup(node)
        if env is not None:
            self.add("env-lookup", node, **{k: v for k, v in env.items() if k != "t"})
        self.generic_visit(node)

    def visit_Call(self, node):
        self.summarise(node)
        func = self.qual(node.func) or ""
        name = last(func)
        env = self.env_lookup(node)
        if env is not None:
            self.add("env-lookup", node, **{k: v for k, v in env.items() if k != "t"})
        kwargs = {kw.arg: self.val(kw.value) for kw in node.keywords if kw.arg}
        star = [self.val(kw.value) for kw in node.keywords if kw.arg is None]
        assigned = self.assigned_name(node)

        if name == "Flask" or name in self.flask_classes:
            self.add("flask-app", node, var=assigned, subclass=None if name == "Flask" else name)
        elif node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == "__name__" and name not in (
            "Blueprint", "getLogger", "get_logger", "Celery", "Api", "Namespace",
        ):
            # App(__name__) where App may be a Flask subclass defined in another module
            self.add("name-call", node, callee=name, var=assigned)
        elif name == "Blueprint":
            self.add("blueprint", node, var=assigned)
        elif name in CSRF_CLASSES or name in HEADER_CLASSES:
            bound = bool(node.args) or "app" in kwargs
            self.add("extension", node, ext=name, var=assigned, bound=bound, kwargs=kwargs, star=star)
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "init_app":
            receiver = node.func.value
            receiver_ext = None
            if isinstance(receiver, ast.Call):
                receiver_ext = last(self.qual(receiver.func))
            self.add(
                "init-app",
                node,
                receiver=dotted(receiver) or "?",
                receiverQual=self.qual(receiver) or "?",
                receiverExt=receiver_ext,
                kwargs=kwargs,
                star=star,
            )
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "exempt" and node.args:
            target = dotted(node.args[0]) or const_str(node.args[0]) or "?"
            # csrf.exempt(bp) inside `for bp in (a_bp, b_bp):` exempts each element, not "bp"
            elements = self.loop_elements(node.args[0])
            for element in elements or [target]:
                self.add(
                    "csrf-exempt",
                    node,
                    receiver=dotted(node.func.value) or "?",
                    target=element,
                    form="call",
                    commented=self.commented(node.lineno),
                    allowList=None if elements else self.allow_list(),
                )
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "run":
            self.app_run(node, func, kwargs)
        elif name == "DebuggedApplication":
            self.add("debugged-app", node, evalex=kwargs.get("evalex"))
        elif func in ("waitress.serve", "bjoern.run", "cheroot.wsgi.Server", "gevent.pywsgi.WSGIServer"):
            self.add("prod-serve", node, server=func.split(".")[0])
        elif name in ("render_template_string", "Markup", "from_string") or func in (
            "jinja2.Template",
            "jinja2.environment.Template",
        ):
            self.template_source(node, func, name)
        elif name == "Environment" and func.startswith("jinja2"):
            self.add("jinja-env", node, autoescape=kwargs.get("autoescape"))
        elif isinstance(node.func, ast.Attribute) and node.func.attr in ("update", "from_mapping", "setdefault"):
            self.config_update(node)
        elif isinstance(node.func, ast.Attribute) and node.func.attr in (
            "from_object",
            "from_pyfile",
            "from_envvar",
            "from_prefixed_env",
            "from_file",
        ):
            owner = dotted(node.func.value) or ""
            if owner.endswith("config"):
                self.add(
                    "config-load",
                    node,
                    method=node.func.attr,
                    arg=self.val(node.args[0]) if node.args else None,
                )
        if name.endswith("create_app") or name == "make_app":
            self.add("factory-call", node, callee=name, arg=self.val(node.args[0]) if node.args else None)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("set", "add", "setdefault", "add_header"):
            owner = node.func.value
            if isinstance(owner, ast.Attribute) and owner.attr == "headers" and node.args:
                header = const_str(node.args[0])
                if header:
                    value = self.val(node.args[1]) if len(node.args) > 1 else None
                    self.add("header-set", node, header=header, value=value)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("update", "extend"):
            owner = node.func.value
            if isinstance(owner, ast.Attribute) and owner.attr == "headers":
                summary = self.val(node.args[0]) if node.args else {"t": "dict", "items": kwargs}
                if summary and summary.get("t") == "name":
                    summary = summary.get("value")
                if summary and summary.get("t") == "dict":
                    for header, value in summary["items"].items():
                        self.add("header-set", node, header=header, value=value)
        if "meta" in kwargs:
            meta = kwargs["meta"]
            if meta and meta.get("t") == "dict":
                csrf = meta["items"].get("csrf")
                if csrf and csrf.get("t") == "const" and csrf.get("v") is False:
                    self.add("form-csrf-off", node, how="meta={'csrf': False}")
        if isinstance(node.func, ast.Attribute) and node.func.attr == "add_url_rule" and node.args:
            methods = ["GET"]
            for kw in node.keywords:
                if kw.arg == "methods":
                    methods = [str(m).upper() for m in literal_strings(kw.value)] or ["?"]
            view = None
            for kw in node.keywords:
                if kw.arg == "view_func":
                    view = dotted(kw.value)
            if view is None and len(node.args) > 2:
                view = dotted(node.args[2])
            self.add(
                "route",
                node,
                rule=const_str(node.args[0]),
                methods=methods,
                owner=dotted(node.func.value) or "?",
                view=view,
            )
        if self.is_setup and name == "setup":
            for kw in node.keywords:
                if kw.arg == "install_requires":
                    for item in literal_strings(kw.value):
                        self.add("setup-requires", kw.value, requirement=item)
        self.generic_visit(node)

    def assigned_name(self, node):
        """The variable a call's result is bound to, when the call is the whole right-hand side."""
        parent = getattr(node, "_parent_assign", None)
        return parent

    def app_run(self, node, func, kwargs):
        receiver = node.func.value  # type: ignore[attr-defined]
        receiver_name = dotted(receiver) or ""
        qual_receiver = self.qual(receiver) or ""
        if qual_receiver.split(".")[0].rstrip("()") in NON_APP_RUNNERS:
            return
        base = receiver_name.split(".")[-1].rstrip("()")
        app_like = (
            base in self.app_names
            or base in ("app", "application")
            or "app" in base.lower()
            or any(k in kwargs for k in ("debug", "use_debugger", "use_reloader", "threaded", "ssl_context"))
            or (node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in self.app_names)
        )
        if not app_like:
            return
        self.add(
            "app-run",
            node,
            receiver=receiver_name,
            debug=kwargs.get("debug"),
            useDebugger=kwargs.get("use_debugger"),
            useEvalex=kwargs.get("use_evalex"),
            host=kwargs.get("host"),
        )

    def template_source(self, node, func, name):
        arg = node.args[0] if node.args else None
        if arg is None:
            for kw in node.keywords:
                if kw.arg in ("source", "template_string", "object", "base"):
                    arg = kw.value
        if name == "from_string" and not (func.endswith("jinja_env.from_string") or "env" in func.lower()):
            return
        kind = "none"
        if arg is not None:
            kind = "literal" if isinstance(arg, ast.Constant) else "dynamic"
        normalized = {
            "render_template_string": "render_template_string",
            "Markup": "Markup",
            "from_string": "from_string",
        }.get(name, "jinja2.Template")
        self.add(
            "template-source",
            node,
            func=normalized,
            arg=kind,
            tainted=bool(arg is not None and self.expr_tainted(arg)),
        )

    def config_update(self, node):
        owner = dotted(node.func.value) or ""  # type: ignore[attr-defined]
        if not owner.endswith("config"):
            return
        method = node.func.attr  # type: ignore[attr-defined]
        items = {}
        if method == "setdefault" and len(node.args) == 2:
            key = const_str(node.args[0])
            if key:
                items[key] = node.args[1]
        else:
            for arg in node.args:
                if isinstance(arg, ast.Dict):
                    for key, value in zip(arg.keys, arg.values):
                        key_str = const_str(key) if key is not None else None
                        if key_str:
                            items[key_str] = value
            for kw in node.keywords:
                if kw.arg:
                    items[kw.arg] = kw.value
        for key, value in items.items():
            if key in CONFIG_KEYS:
                self.add("config-set", value, key=key, where="app.config", value=self.val(value))


_INDEX = getattr(ast, "Index", None)


def subscript_key(node):
    key = node.slice
    if _INDEX is not None and isinstance(key, _INDEX):  # Python 3.8 wraps subscripts in ast.Index
        key = key.value  # type: ignore[attr-defined]
    return key


def assignment_parts(node):
    if isinstance(node, ast.Assign):
        return node.targets, node.value
    if isinstance(node, ast.AnnAssign):
        return [node.target], node.value
    if isinstance(node, ast.AugAssign):
        return [node.target], node.value
    if isinstance(node, ast.NamedExpr):
        return [node.target], node.value
    return [], None


def literal_strings(node):
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    return []


def is_main_guard(test) -> bool:
    if isinstance(test, ast.Compare) and len(test.comparators) == 1:
        parts = [test.left, test.comparators[0]]
        names = [p for p in parts if isinstance(p, ast.Name) and p.id == "__name__"]
        consts = [p for p in parts if const_str(p) == "__main__"]
        return bool(names and consts)
    return False


# ---------------------------------------------------------------------------------------------
# Templates

FORM_OPEN = re.compile(r"<form\b([^>]*)>", re.IGNORECASE)
FORM_CLOSE = re.compile(r"</form\s*>", re.IGNORECASE)
METHOD_ATTR = re.compile(r"""\bmethod\s*=\s*["']?\s*([a-zA-Z]+)""", re.IGNORECASE)
TOKEN_IN_FORM = re.compile(r"csrf_token|hidden_tag|csrf_meta|_csrf|csrf_input")
DELEGATED_FORM = re.compile(r"{%-?\s*(include|call|import)\b|{{-?\s*[\w.]+\(\s*[\w.]*form", re.IGNORECASE)
JINJA_COMMENT = re.compile(r"{#.*?#}", re.DOTALL)
# What a page loads and where (for "does the page that runs this script also run the CSRF shim"):
# <script src=...> (its static path when it is url_for('static', filename=...) or /static/...),
# {% extends "..." %} with a literal name, <meta name="csrf-token">, and where <body> opens.
SCRIPT_SRC = re.compile(r"""<script\b[^>]*?\bsrc\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE)
STATIC_URL_FOR = re.compile(r"""url_for\(\s*["'](?:[\w.]+\.)?static["']\s*,\s*filename\s*=\s*["']([^"']+)["']\s*\)""")
EXTENDS = re.compile(r"""{%-?\s*extends\s+["']([^"']+)["']""")
CSRF_META = re.compile(r"""<meta\b[^>]*\bname\s*=\s*["']?csrf-token\b""", re.IGNORECASE)
BODY_OPEN = re.compile(r"<body\b", re.IGNORECASE)
SAFE_FILTER = re.compile(r"\|\s*safe\b")
EXPR_BLOCK = re.compile(r"({{.*?}}|{%.*?%})", re.DOTALL)
AUTOESCAPE_OFF = re.compile(r"{%-?\s*autoescape\s+(false|False|0)\s*-?%}")
FILTER_SAFE_BLOCK = re.compile(r"{%-?\s*filter\s+safe\b")
TOKEN_CALL = re.compile(r"\b(csrf_token\s*\(|hidden_tag\s*\(|form\.csrf_token\b|csrf_meta_tag\s*\()")
FIELD_NAME = re.compile(r"""\bname\s*=\s*["']([\w.-]+)["']""", re.IGNORECASE)
HELPER_CALL = re.compile(r"{{-?\s*([\w.]+)\s*\(")
ALLOW_COMMENT = re.compile(r"{#-?\s*audit:\s*allow\b", re.IGNORECASE)


def load_jinja():
    if os.environ.get("HARDENED_FLASK_AUDIT_NO_JINJA"):
        return None
    try:
        import jinja2  # the interpreter's own jinja2, never the project's (run with python -I)
        from jinja2 import nodes
    except Exception:  # noqa: BLE001 - any import problem means "use the fallback"
        return None
    env = jinja2.Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"])
    return (getattr(jinja2, "__version__", "unknown"), env, nodes)


def line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def blank_comments(text: str) -> str:
    """Replace Jinja comments by spaces, keeping newlines so line numbers stay right."""
    return JINJA_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def analyse_template_file(root: str, rel: str, max_bytes: int, jinja):
    data, skipped = read_or_skip(root, rel, max_bytes)
    if skipped:
        return skipped
    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines()
    facts = []
    result = {"path": rel, "facts": facts, "parser": "fallback"}
    if jinja is not None and not needs_parse(text):
        result["parser"] = "jinja2"  # what parsing gives: no error and no fact (see needs_parse)
    elif jinja is not None:
        _, env, nodes = jinja
        try:
            tree = env.parse(text)
        except Exception as exc:  # TemplateSyntaxError and friends
            result["error"] = {
                "line": getattr(exc, "lineno", None) or 1,
                "message": "template syntax: %s (checked with the fallback scanner)" % getattr(exc, "message", exc),
            }
        else:
            result["parser"] = "jinja2"
            jinja_facts(tree, nodes, facts, lines)
    if result["parser"] == "fallback":
        fallback_facts(text, facts, lines)
    form_facts(text, facts)
    page_facts(text, facts)
    html = bool(re.search(r"<(html|body|div|form|p|a|span|script|table)\b", text, re.IGNORECASE))
    result["html"] = html
    return result


# `{{ name }}` or `{{ name.attr.attr }}` (whitespace control allowed), as jinja2's default lexer
# reads it: `not` is the one name that cannot stand alone there.
PLAIN_OUTPUT = re.compile(
    r"\{\{-?[ \t]*(?!not(?![A-Za-z0-9_]))[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*[ \t]*-?\}\}"
)


def needs_parse(text: str) -> bool:
    """False for a template of text and plain outputs only (a row partial): no tag, no comment,
    no filter, call or expression. jinja2 parses such a template without error into TemplateData,
    Name and Getattr nodes, and of those jinja_facts reports only `x.csrf_token`, excluded here
    too: parsing it would add nothing. Costs a few string searches; parsing, ~0.15 ms a template."""
    if "{%" in text or "{#" in text or "csrf_token" in text:
        return True
    at = text.find("{{")
    while at >= 0:
        plain = PLAIN_OUTPUT.match(text, at)
        if plain is None:
            return True
        at = text.find("{{", plain.end())
    return False


def allowed(lines, lineno: int) -> bool:
    """`{# audit: allow <reason> #}` on the same line, or alone on the line above, accepts a use."""
    here = lineno - 1
    if 0 <= here < len(lines) and ALLOW_COMMENT.search(lines[here]):
        return True
    above = lineno - 2
    if 0 <= above < len(lines):
        text = lines[above].strip()
        return bool(ALLOW_COMMENT.match(text)) and text.endswith("#}")
    return False


def jinja_facts(tree, nodes, facts, lines):
    # One walk of the tree; facts are kept in the order four separate walks gave (filters,
    # autoescape blocks, calls, attributes), so reports do not change with the optimisation.
    filters, blocks, calls, attrs = [], [], [], []
    wanted = (nodes.Filter, nodes.ScopedEvalContextModifier, nodes.EvalContextModifier, nodes.Call, nodes.Getattr)
    for node in tree.find_all(wanted):
        if isinstance(node, nodes.Filter):
            if node.name == "safe":
                filters.append(
                    {
                        "kind": "safe-filter",
                        "line": node.lineno,
                        "literal": isinstance(node.node, (nodes.Const, nodes.TemplateData)),
                        "block": node.node is None,
                        "allowed": allowed(lines, node.lineno),
                    }
                )
        elif isinstance(node, (nodes.ScopedEvalContextModifier, nodes.EvalContextModifier)):
            for option in node.options:
                if option.key != "autoescape":
                    continue
                value = option.value
                if isinstance(value, nodes.Const) and value.value:
                    continue
                blocks.append(
                    {
                        "kind": "autoescape-off",
                        "line": node.lineno,
                        "dynamic": not isinstance(value, nodes.Const),
                        "allowed": allowed(lines, node.lineno),
                    }
                )
        elif isinstance(node, nodes.Call):
            callee = node.node
            name = None
            if isinstance(callee, nodes.Name):
                name = callee.name
            elif isinstance(callee, nodes.Getattr):
                name = callee.attr
            if name in ("csrf_token", "hidden_tag", "csrf_meta_tag"):
                calls.append({"kind": "csrf-token", "line": node.lineno, "via": name})
            elif name == "Markup":
                calls.append({"kind": "markup-call", "line": node.lineno, "allowed": allowed(lines, node.lineno)})
        elif node.attr == "csrf_token" and isinstance(node.node, nodes.Name):
            attrs.append({"kind": "csrf-token", "line": node.lineno, "via": "form.csrf_token"})
    facts.extend(filters + blocks + calls + attrs)


def fallback_facts(text: str, facts, lines):
    """No jinja2: find the same constructs with regular expressions on comment-free text."""
    clean = blank_comments(text)
    for block in EXPR_BLOCK.finditer(clean):
        for match in SAFE_FILTER.finditer(block.group(0)):
            lineno = line_of(clean, block.start() + match.start())
            before = block.group(0)[: match.start()].strip("{%- ")
            literal = bool(re.fullmatch(r"""\s*("[^"]*"|'[^']*')\s*""", before))
            facts.append(
                {"kind": "safe-filter", "line": lineno, "literal": literal, "block": False, "allowed": allowed(lines, lineno)}
            )
    for match in FILTER_SAFE_BLOCK.finditer(clean):
        lineno = line_of(clean, match.start())
        facts.append({"kind": "safe-filter", "line": lineno, "literal": False, "block": True, "allowed": allowed(lines, lineno)})
    for match in AUTOESCAPE_OFF.finditer(clean):
        lineno = line_of(clean, match.start())
        facts.append({"kind": "autoescape-off", "line": lineno, "dynamic": False, "allowed": allowed(lines, lineno)})
    for match in TOKEN_CALL.finditer(clean):
        facts.append({"kind": "csrf-token", "line": line_of(clean, match.start()), "via": match.group(1).strip("( ")})


def form_facts(text: str, facts):
    """Forms that change state (method post/put/patch/delete) and whether they carry a token."""
    clean = blank_comments(text)
    for match in FORM_OPEN.finditer(clean):
        method = METHOD_ATTR.search(match.group(1))
        if not method or method.group(1).lower() not in STATE_METHODS:
            continue
        close = FORM_CLOSE.search(clean, match.end())
        body = clean[match.start(): close.start() if close else len(clean)]
        lineno = line_of(clean, match.start())
        if TOKEN_IN_FORM.search(body):
            facts.append({"kind": "form", "line": lineno, "token": True})
        elif DELEGATED_FORM.search(body):
            facts.append({"kind": "form", "line": lineno, "token": None})
        else:
            # the field names and helper calls it holds, for token schemes of the app's own
            # (a before_request hook reading "nonce", the form rendering {{ form.nonce() }})
            fields = sorted(set(FIELD_NAME.findall(body)) | {m.split(".")[-1] for m in HELPER_CALL.findall(body)})
            facts.append({"kind": "form", "line": lineno, "token": False, "fields": fields})


def script_path(src: str):
    """The static path a <script src> names ('notes.js', 'js/app.js'), or None when unknown."""
    match = STATIC_URL_FOR.search(src)
    if match:
        return match.group(1).lstrip("/")
    if "{{" in src or "{%" in src:
        return None
    path = src.split("?", 1)[0].split("#", 1)[0]
    if re.match(r"^(https?:)?//", path):
        return None
    return path.rsplit("/static/", 1)[-1].lstrip("/") if "/static/" in path else path.lstrip("/")


def page_facts(text: str, facts):
    """The scripts a page loads, the layout it extends, its CSRF meta tag and where <body> opens."""
    clean = blank_comments(text)
    for match in SCRIPT_SRC.finditer(clean):
        facts.append({"kind": "script", "line": line_of(clean, match.start()), "src": script_path(match.group(1)[1:-1])})
    for match in EXTENDS.finditer(clean):
        facts.append({"kind": "extends", "line": line_of(clean, match.start()), "template": match.group(1)})
    for match in CSRF_META.finditer(clean):
        facts.append({"kind": "csrf-meta", "line": line_of(clean, match.start())})
    body = BODY_OPEN.search(clean)
    if body:
        facts.append({"kind": "body", "line": line_of(clean, body.start())})


if __name__ == "__main__":
    sys.exit(main())
