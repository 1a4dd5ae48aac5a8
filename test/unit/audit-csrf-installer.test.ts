// The audit's CSRF verdict on scripts that send without a token themselves, but run on pages
// where a token installer (the retrofit's hardening-csrf.js) adds the header: covered only when
// every page that loads the script runs the installer first and has the meta tag it reads.
// Real projects in a temporary folder, read by the real audit (Python helper included).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditProject } from '../../generators/audit/audit.js';
import { REPO_ROOT, tempDir } from '../support/project.js';

const tmp = tempDir('hf-csrf-installer-');
afterAll(() => tmp.cleanup());

const SHIM = readFileSync(join(REPO_ROOT, 'templates', 'retrofit', 'hardening-csrf.js'), 'utf8');
const APP = `from flask import Flask, render_template
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
csrf = CSRFProtect(app)


@app.route("/")
def index():
    return render_template("page.html")


@app.route("/items", methods=["POST"])
def add():
    return "added"
`;
const META = '<meta name="csrf-token" content="{{ csrf_token() }}">';
const shimTag = `<script src="{{ url_for('static', filename='csrf.js') }}"></script>`;
const appTag = `<script src="{{ url_for('static', filename='app.js') }}"></script>`;
const BASE = (head: string, body = '') => `<!doctype html>\n<html>\n<head>\n  ${head}\n</head>\n<body>\n  {% block content %}{% endblock %}\n  ${body}\n</body>\n</html>\n`;
const PAGE = `{% extends "base.html" %}\n{% block content %}\n<button>Add</button>\n${appTag}\n{% endblock %}\n`;
const APP_JS = 'document.querySelector("button").addEventListener("click", () => {\n  fetch("/items", {\n    method: "POST",\n  });\n});\n';

let count = 0;
async function csrfOf(files: Record<string, string>) {
  const dir = join(tmp.dir, `p${count++}`);
  const all: Record<string, string> = { 'app.py': APP, 'static/csrf.js': SHIM, 'static/app.js': APP_JS, 'templates/page.html': PAGE, ...files };
  for (const [rel, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  const report = await auditProject(dir);
  const csrf = report.protections.find((p) => p.id === 'csrf')!;
  return {
    status: csrf.status,
    gaps: csrf.missingImplementation.map((g) => g.rule),
    covered: csrf.currentlyImplemented.find((c) => /get the CSRF header from/.test(c.description)),
  };
}

describe('scripts covered by a token installer', () => {
  it('counts a fetch() on a page whose layout runs the installer in <head>, with the meta tag', async () => {
    const verdict = await csrfOf({ 'templates/base.html': BASE(`${META}\n  ${shimTag}`) });
    expect(verdict.gaps).not.toContain('csrf/xhr-without-token');
    expect(verdict.status).toBe('implemented');
    expect(verdict.covered?.description).toBe('State-changing requests in static/app.js get the CSRF header from static/csrf.js, which every page that loads static/app.js runs first');
    expect(verdict.covered?.evidence.map((e) => `${e.file}:${e.line}`)).toEqual(expect.arrayContaining(['static/app.js:2', 'templates/page.html:4', 'templates/base.html:5']));
  });

  it('counts the installer earlier in the same template (the retrofitted factory fixture\'s layout)', async () => {
    const verdict = await csrfOf({ 'templates/base.html': BASE(`${META}\n  ${shimTag}`, appTag), 'templates/page.html': '{% extends "base.html" %}\n' });
    expect(verdict.gaps).not.toContain('csrf/xhr-without-token');
  });

  it('finds the scripts by a literal /static/ path and by a blueprint\'s static endpoint too', async () => {
    const verdict = await csrfOf({
      'templates/base.html': BASE(`${META}\n  <script src="/static/csrf.js?v=2"></script>`),
      'templates/page.html': PAGE.replace(appTag, `<script src="{{ url_for('admin.static', filename='app.js') }}"></script>`),
    });
    expect(verdict.gaps).not.toContain('csrf/xhr-without-token');
    expect(verdict.covered).toBeDefined();
  });

  it.each([
    ['the page has no meta tag for the installer to read', { 'templates/base.html': BASE(shimTag) }],
    ['the layout runs the installer only at the end of <body>', { 'templates/base.html': BASE(META, shimTag) }],
    ['the installer comes after the script in the same template', { 'templates/base.html': BASE(META, `${appTag}\n  ${shimTag}`), 'templates/page.html': '{% extends "base.html" %}\n' }],
    ['another page loads the script without the installer', { 'templates/base.html': BASE(`${META}\n  ${shimTag}`), 'templates/bare.html': `<html><head>${META}</head><body>${appTag}</body></html>\n` }],
    ['no template loads the script', { 'templates/base.html': BASE(`${META}\n  ${shimTag}`), 'templates/page.html': '{% extends "base.html" %}\n' }],
    ['the request goes to a literal absolute URL', { 'templates/base.html': BASE(`${META}\n  ${shimTag}`), 'static/app.js': APP_JS.replace('"/items"', '"https://api.example.com/items"') }],
    ['the installer reads no meta tag (not an installer)', { 'templates/base.html': BASE(`${META}\n  ${shimTag}`), 'static/csrf.js': SHIM.replaceAll('meta[name="csrf-token"]', 'meta[name="token"]') }],
  ])('still reports the request when %s', async (_why, files) => {
    const verdict = await csrfOf(files);
    expect(verdict.gaps).toContain('csrf/xhr-without-token');
    expect(verdict.status).toBe('partial');
    expect(verdict.covered).toBeUndefined();
  });

  it('does not trust the installer without CSRFProtect, or with WTF_CSRF_HEADERS changed', async () => {
    const base = { 'templates/base.html': BASE(`${META}\n  ${shimTag}`) };
    const unprotected = await csrfOf({ ...base, 'app.py': APP.replace('csrf = CSRFProtect(app)\n', '') });
    expect(unprotected.covered).toBeUndefined();
    const renamed = await csrfOf({ ...base, 'app.py': APP.replace('csrf = CSRFProtect(app)', 'app.config["WTF_CSRF_HEADERS"] = ["X-Token"]\ncsrf = CSRFProtect(app)') });
    expect(renamed.gaps).toContain('csrf/xhr-without-token');
  });
});
