// The stdlib-only analyser (generators/audit/python/analyse.py): which facts it reports for
// the Flask patterns the audit must understand.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PyFact, PythonResult, TemplateFact } from '../../generators/audit/model.js';
import { helperPath, runAnalyser } from '../../generators/audit/python.js';
import { jinjaOrSkip, tempFolder } from '../fixtures/audit/support.js';

const withJinja = jinjaOrSkip('audit analyser with the real Jinja parse');

const SOURCES: Record<string, string> = {
  'app.py': `
import os
from os import environ, getenv as ge
from flask import Flask, request as rq, render_template_string
from markupsafe import Markup
from .extensions import csrf as protect

app = Flask(__name__)
app.config["SECRET_KEY"] = "literal"
app.config.update(DEBUG=True, WTF_CSRF_ENABLED=False)
app.secret_key = os.environ.get("SECRET_KEY") or "fallback"
app.debug = False
KEY = environ["SECRET_KEY"]
OTHER = ge("SECRET_KEY_FALLBACKS", "")
app.jinja_env.autoescape = False


@app.route("/hi/<name>", methods=["GET", "POST"])
def hi(name):
    greeting = "Hello " + rq.args.get("x", "")
    copy = greeting
    render_template_string(copy)
    render_template_string(f"{name}")
    render_template_string("fixed {{ x }}")
    return Markup(name)


def not_a_view(text):
    return Markup(text)


@app.post("/hook")
# webhook: signed by the provider
@protect.exempt
def hook():
    return ""


if __name__ == "__main__":
    app.run(debug=True, use_reloader=False)
`,
  'factory.py': `
import subprocess

from flask import Flask
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
EXEMPT = {"views.webhook": "Signed with HMAC."}
HEADERS = {"Cross-Origin-Opener-Policy": "same-origin"}
CSP = {"default-src": "'none'", "script-src": ["'self'"]}
SETTINGS = {"force_https": False}


def create_app():
    app = Flask(__name__)
    csrf.init_app(app)
    for endpoint in EXEMPT:
        csrf.exempt(app.view_functions[endpoint])
    Talisman(app, content_security_policy=CSP, **SETTINGS)
    app.after_request(add_headers)
    subprocess.run(["true"], check=True)
    return app


def add_headers(response):
    response.headers.update(HEADERS)
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.set("X-Content-Type-Options", "nosniff")
    return response
`,
  'secrets_loader.py': `
class KeyError_(RuntimeError):
    pass


def _read(environ, name):
    return environ.get(name, "")


def load(environ):
    key = _read(environ, "SECRET_KEY")
    if len(key) < 64:
        raise KeyError_("SECRET_KEY too short")
    return key
`,
  'forms.py': `
from flask_wtf import FlaskForm


class Login(FlaskForm):
    class Meta:
        csrf = False
`,
  'gunicorn.conf.py': `
bind = "0.0.0.0:8000"
reload = True
raw_env = ["FLASK_DEBUG=1"]
`,
  'setup.py': `
from setuptools import setup

setup(name="x", install_requires=["flask>=3", "gunicorn"])
`,
};

const TEMPLATES: Record<string, string> = {
  'templates/page.html': [
    '{# a comment with |safe and <form method="post"> inside #}',
    '<form method="post">',
    '  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">',
    '</form>',
    '<form method="POST"><input name="a"></form>',
    '<form method="post">{{ render_field(form) }}</form>',
    '<form method="get"><input name="q"></form>',
    '{{ "<b>"|safe }}',
    '{{ body | safe }} {# audit: allow trusted CMS markup #}',
    '{% filter safe %}{{ x }}{% endfilter %}',
    '{% autoescape false %}{{ y }}{% endautoescape %}',
    '{% autoescape flag %}{{ y }}{% endautoescape %}',
  ].join('\n'),
};

let folder: { dir: string; cleanup: () => void };
const results: Partial<Record<'jinja' | 'fallback', PythonResult>> = {};

beforeAll(async () => {
  folder = tempFolder();
  for (const [file, text] of Object.entries({ ...SOURCES, ...TEMPLATES })) {
    mkdirSync(join(folder.dir, file, '..'), { recursive: true });
    writeFileSync(join(folder.dir, file), text.trimStart());
  }
  const request = { root: folder.dir, python: Object.keys(SOURCES), templates: Object.keys(TEMPLATES), maxBytes: 1 << 20 };
  if (withJinja) results.jinja = await runAnalyser(request);
  results.fallback = await runAnalyser(request, { ...process.env, HARDENED_FLASK_AUDIT_NO_JINJA: '1' });
});
afterAll(() => folder.cleanup());

const factsOf = (file: string): PyFact[] => results.fallback!.files.find((f) => f.path === file)!.facts;
const kinds = (file: string, kind: string) => factsOf(file).filter((f) => f.kind === kind);

describe('the helper', () => {
  it('ships beside the module', () => {
    expect(helperPath()).toMatch(/generators[\\/]audit[\\/]python[\\/]analyse\.py$/);
  });
});

describe('Python facts', () => {
  it('reports config assignments in every form, with their values', () => {
    const sets = kinds('app.py', 'config-set').map((f) => [f.line, f.key, f.where, (f.value as { t: string }).t]);
    expect(sets).toEqual([
      [8, 'SECRET_KEY', 'app.config', 'const'],
      [9, 'DEBUG', 'app.config', 'const'],
      [9, 'WTF_CSRF_ENABLED', 'app.config', 'const'],
      [10, 'SECRET_KEY', 'attribute', 'or'],
      [11, 'DEBUG', 'attribute', 'const'],
    ]);
  });

  it('reports environment lookups through aliases, subscripts, `or` fallbacks and helpers', () => {
    const lookups = kinds('app.py', 'env-lookup').map((f) => [f.line, f.name, f.via]);
    expect(lookups).toEqual([
      [10, 'SECRET_KEY', 'os.environ.get'],
      [12, 'SECRET_KEY', 'os.environ[]'],
      [13, 'SECRET_KEY_FALLBACKS', 'os.getenv'],
    ]);
    expect(kinds('app.py', 'env-or-fallback')).toEqual([
      expect.objectContaining({ line: 10, name: 'SECRET_KEY', fallback: { t: 'const', v: 'fallback' } }),
    ]);
    expect(kinds('secrets_loader.py', 'env-lookup')).toEqual([expect.objectContaining({ line: 10, name: 'SECRET_KEY', via: 'helper:_read' })]);
    expect(kinds('secrets_loader.py', 'secret-function')).toEqual([
      expect.objectContaining({ function: 'load', readsEnv: true, raises: true, lengthCheck: true }),
    ]);
  });

  it('follows request data into template sources and Markup', () => {
    const sources = kinds('app.py', 'template-source').map((f) => [f.line, f.func, f.arg, f.tainted]);
    expect(sources).toEqual([
      [21, 'render_template_string', 'dynamic', true],
      [22, 'render_template_string', 'dynamic', true],
      [23, 'render_template_string', 'literal', false],
      [24, 'Markup', 'dynamic', true],
      [28, 'Markup', 'dynamic', false],
    ]);
  });

  it('reports routes with their methods, exemptions with their comments, and app.run', () => {
    expect(kinds('app.py', 'route').map((f) => [f.function, f.methods])).toEqual([
      ['hi', ['GET', 'POST']],
      ['hook', ['POST']],
    ]);
    expect(kinds('app.py', 'csrf-exempt')).toEqual([expect.objectContaining({ receiver: 'protect', target: 'hook', commented: true })]);
    expect(kinds('app.py', 'app-run')).toEqual([expect.objectContaining({ line: 39, mainGuard: true, debug: { t: 'const', v: true } })]);
    expect(kinds('factory.py', 'app-run')).toEqual([]);
    expect(kinds('app.py', 'autoescape')).toEqual([expect.objectContaining({ source: 'jinja_env.autoescape', value: { t: 'const', v: false } })]);
  });

  it('understands the factory: extensions, init_app, allow-listed exemptions, star kwargs, hooks', () => {
    expect(kinds('factory.py', 'extension').map((f) => [f.ext, f.var, f.bound])).toEqual([
      ['CSRFProtect', 'csrf', false],
      ['Talisman', null, true],
    ]);
    const talisman = kinds('factory.py', 'extension')[1]!;
    expect((talisman.kwargs as Record<string, { t: string }>).content_security_policy!.t).toBe('name');
    expect(talisman.star).toEqual([{ t: 'name', name: 'SETTINGS', value: { t: 'dict', items: { force_https: { t: 'const', v: false } } } }]);
    expect(kinds('factory.py', 'init-app')).toEqual([expect.objectContaining({ receiver: 'csrf', function: 'create_app' })]);
    expect(kinds('factory.py', 'csrf-exempt')).toEqual([
      expect.objectContaining({ allowList: { name: 'EXEMPT', line: 8, entries: 1, withReasons: 1 } }),
    ]);
    expect(kinds('factory.py', 'after-request').map((f) => [f.function, f.global, f.via ?? 'def'])).toEqual([
      ['add_headers', true, 'call'],
      ['add_headers', true, 'def'],
    ]);
    expect(kinds('factory.py', 'header-set').map((f) => f.header)).toEqual(['Cross-Origin-Opener-Policy', 'X-Frame-Options', 'X-Content-Type-Options']);
    expect(kinds('factory.py', 'csp-candidate').map((f) => f.name)).toEqual(['CSP']);
  });

  it('reports form classes without CSRF, gunicorn settings and setup.py requirements', () => {
    expect(kinds('forms.py', 'class').filter((f) => f.name === 'Login')).toEqual([expect.objectContaining({ name: 'Login', metaCsrfOff: true, bases: ['flask_wtf.FlaskForm'] })]);
    expect(kinds('gunicorn.conf.py', 'gunicorn-setting').map((f) => f.name)).toEqual(['bind', 'reload', 'raw_env']);
    expect(kinds('setup.py', 'setup-requires').map((f) => f.requirement)).toEqual(['flask>=3', 'gunicorn']);
  });
});

const templateFacts = (mode: 'jinja' | 'fallback'): TemplateFact[] => results[mode]!.templates[0]!.facts;

describe.each(['jinja', 'fallback'] as const)('template facts (%s)', (mode) => {
  it.skipIf(mode === 'jinja' && !withJinja)('finds |safe, filter blocks, autoescape off, tokens and forms', () => {
    const facts = templateFacts(mode);
    const of = (kind: string) => facts.filter((f) => f.kind === kind);
    expect(of('safe-filter').map((f) => [f.line, f.literal, f.block, f.allowed])).toEqual([
      [8, true, false, false],
      [9, false, false, true],
      [10, false, true, false],
    ]);
    expect(of('autoescape-off').map((f) => [f.line, f.dynamic])).toEqual(mode === 'jinja' ? [[11, false], [12, true]] : [[11, false]]);
    expect(of('form').map((f) => [f.line, f.token])).toEqual([
      [2, true],
      [5, false],
      [6, null],
    ]);
    expect(of('csrf-token').map((f) => f.line)).toEqual([3]);
    expect(results[mode]!.templates[0]!.parser).toBe(mode === 'jinja' ? 'jinja2' : 'fallback');
  });
});

describe('templates of plain outputs (not parsed: needs_parse in analyse.py)', () => {
  // Each near miss must still be parsed: a syntax error or a token fact that the shortcut for
  // plain `{{ name.attr }}` templates would otherwise lose.
  const TEXTS: Record<string, string> = {
    'plain.html': '<tr><td>{{ item.name }}</td><td>{{- item.quantity -}}</td></tr>{ not a tag }\n',
    'not.html': '<p>{{ not }}</p>\n',
    'dot.html': '<p>{{ item. }}</p>\n',
    'unclosed.html': '<p>{{ item.name }</p>\n',
    'minus.html': '<p>{{ item- }}</p>\n',
    'token.html': '<form method="post">{{ form.csrf_token }}</form>\n',
  };
  it.skipIf(!withJinja)('parses every near miss: syntax errors and the form.csrf_token fact are kept', async () => {
    const dir = tempFolder();
    try {
      for (const [file, text] of Object.entries(TEXTS)) writeFileSync(join(dir.dir, file), text);
      const result = await runAnalyser({ root: dir.dir, python: [], templates: Object.keys(TEXTS), maxBytes: 1 << 20 });
      const of = (file: string) => result.templates.find((t) => t.path === file)!;
      expect(of('plain.html')).toMatchObject({ parser: 'jinja2', facts: [] });
      expect(of('plain.html').error).toBeUndefined();
      for (const broken of ['not.html', 'dot.html', 'unclosed.html', 'minus.html']) {
        expect(of(broken).error?.message, broken).toMatch(/^template syntax: /);
      }
      expect(of('token.html').facts.map((f) => [f.kind, (f as { via?: string }).via])).toEqual([
        ['csrf-token', 'form.csrf_token'],
        ['form', undefined],
      ]);
    } finally {
      dir.cleanup();
    }
  });
});
