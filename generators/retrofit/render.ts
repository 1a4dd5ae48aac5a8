// What the retrofit creates, rendered from a record of the choices it made (RetrofitRecord): the
// hardening package, its tests' entry point, wsgi/gunicorn, deploy files, SECURITY.md, the CI
// workflow... The retrofit plan renders through here, and `update` re-renders a retrofitted
// project through the same function (of the recorded and of the new version) to merge 3-way.
// Pure apart from reading the templates: no audit, no Python analysis.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import type { Answers } from '../lib/answers.js';
import { type CiCommands, reportOnlyCsp, templateContext } from '../lib/context.js';
import type { Owner } from '../lib/manifest.js';
import { UsageError } from '../lib/errors.js';
import { templatesRoot } from '../lib/paths.js';
import type { AppShape, Finding } from './engine.js';

/** What of the app the rendered files name. */
export type RetrofitApp = Pick<AppShape, 'module' | 'var' | 'factory' | 'package' | 'packageDir'>;

/**
 * The retrofit's rendering context, recorded in `.yo-rc.json` (beside the answers) so that
 * `update` renders the same files again: everything the files depend on that is not an answer.
 */
export interface RetrofitRecord {
  app: RetrofitApp;
  /** The protections asked for (--only). */
  only: ProtectionName[];
  /** Where tests/test_hardening.py went ('tests' or 'test'). */
  testsDir: string;
  /** The CSP was started report-only (blockers found). */
  reportOnly: boolean;
  /** The |safe / Markup findings put on the template allow-list, unreviewed. */
  allowlist: Finding[];
  /** --test-cmd, which the CI workflow runs. */
  testCmd?: string;
}

export interface RetrofitFile {
  path: string;
  text: string;
  owner: Owner;
  serves: readonly ProtectionName[];
  mode?: number;
}

export interface RetrofitRendering {
  hardeningDir: string;
  /** The hardening package, filtered by --only. */
  hardening: RetrofitFile[];
  testHardening: RetrofitFile;
  csrfScript: RetrofitFile;
  config: RetrofitFile;
  envExample: RetrofitFile;
  dockerignore: RetrofitFile;
  wsgi: RetrofitFile;
  gunicorn: RetrofitFile;
  nginx: RetrofitFile[];
  security: RetrofitFile;
  workflow: RetrofitFile;
  ci: CiCommands;
}

export const WORKFLOW = '.github/workflows/ci.yml';

/** Renders every file the retrofit may create for this record; the plan picks the ones it creates. */
export function renderRetrofit(record: RetrofitRecord, answers: Answers): RetrofitRendering {
  const { app } = record;
  const only = new Set(record.only);
  const hardeningDir = path.posix.join(app.packageDir, 'hardening');
  const baseContext = { ...templateContext(answers), retrofitted: true, hardeningDir, ci_: retrofitCi(app, record.testCmd) };
  // While the app only reports (inline handlers, style=""), nginx sends the same policy
  // report-only too: an enforcing one from nginx would block what the app's does not.
  const context = record.reportOnly ? reportOnlyCsp(baseContext) : baseContext;
  const render = (template: string) => ejs.render(readFileSync(path.join(templatesRoot(), 'project', template), 'utf8'), context, { rmWhitespace: false });
  const file = (rel: string, text: string, owner: Owner, serves: readonly ProtectionName[], mode?: number): RetrofitFile => ({ path: rel, text, owner, serves, ...(mode ? { mode } : {}) });

  const hardening: RetrofitFile[] = [];
  for (const rel of listFiles(path.join(templatesRoot(), 'hardening'))) {
    const serves = packagePartServes(rel);
    if (serves === PROTECTION_NAMES ? !PROTECTION_NAMES.every((p) => only.has(p)) : !serves.some((p) => only.has(p))) continue;
    let text = readFileSync(path.join(templatesRoot(), 'hardening', rel), 'utf8');
    // Each |safe found goes on the allow-list marked unreviewed, and on the summary's list for
    // a human: the suite stays green, the audit and the summary keep showing it.
    if (rel === 'template-audit-allowlist.toml' && record.allowlist.length > 0) text += allowEntries(record.allowlist, app.packageDir);
    hardening.push(file(path.posix.join(hardeningDir, rel), text, 'generator', serves));
  }
  const name = answers.projectName;
  const staticAlias = `${context.installDir}/${app.packageDir ? `${app.packageDir}/` : ''}static/`;
  return {
    hardeningDir,
    hardening,
    testHardening: file(`${record.testsDir}/test_hardening.py`, hardeningTests(app), 'user', INIT_NEEDS),
    csrfScript: file(path.posix.join(app.packageDir, 'static', 'hardening-csrf.js'), readFileSync(path.join(templatesRoot(), 'retrofit', 'hardening-csrf.js'), 'utf8'), 'generator', ['csrf']),
    config: file(path.posix.join(app.packageDir, 'config.py'), configModule(), 'user', ['debug']),
    envExample: file('.env.example', '# Copy to .env for development; production sets these in its environment.\nAPP_ENV=production\nSECRET_KEY=<64 hex characters: python -c "import secrets; print(secrets.token_hex(32))">\nSECRET_KEY_FALLBACKS=\n', 'once', ['secret']),
    dockerignore: file('.dockerignore', readFileSync(path.join(templatesRoot(), 'project', '.dockerignore'), 'utf8'), 'once', ['secret']),
    wsgi: file('wsgi.py', wsgiModule(app), 'user', ['server']),
    gunicorn: file('gunicorn.conf.py', render('gunicorn.conf.py.ejs'), 'generator', ['server']),
    nginx: [
      file(`deploy/nginx/${name}.conf`, render('deploy/nginx/__project__.conf.ejs').replace(`${context.installDir}/src/app/static/`, staticAlias), 'generator', ['server']),
      file(`deploy/nginx/${name}-security-headers.conf`, render('deploy/nginx/__project__-security-headers.conf.ejs'), 'generator', ['server']),
      file(`deploy/systemd/${name}.service`, render('deploy/systemd/__project__.service.ejs'), 'generator', ['server']),
    ],
    security: file('SECURITY.md', securityMarkdown(render), 'user', PROTECTION_NAMES),
    workflow: file(WORKFLOW, render('.github/workflows/ci.yml.ejs'), 'user', PROTECTION_NAMES),
    ci: context.ci_,
  };
}

/**
 * Every file of the rendering, as `update` compares them (the plan creates only some: the
 * ownership record says which). `.env` is not among them: its key is the project's, written once.
 */
export function retrofitFiles(record: RetrofitRecord, answers: Answers): RetrofitFile[] {
  const r = renderRetrofit(record, answers);
  return [...r.hardening, r.testHardening, r.csrfScript, r.config, r.envExample, r.dockerignore, r.wsgi, r.gunicorn, ...r.nginx, r.security, r.workflow];
}

/** The `--only` names, in DESIGN order, with the audit protection each stands for. */
export const PROTECTION_NAMES = ['debug', 'server', 'secret', 'csrf', 'templates', 'headers'] as const;
export type ProtectionName = (typeof PROTECTION_NAMES)[number];
/** The protections that need the hardening package and its init_app call. */
export const INIT_NEEDS: readonly ProtectionName[] = ['debug', 'secret', 'csrf', 'templates', 'headers'];

/**
 * The parts of the hardening package, by the protections they serve (first match wins): a
 * part comes with any of them. The checks and the `flask security` commands read every part,
 * so they come with a run that asks for all six (as does the proof of init_app as a whole).
 */
const PACKAGE_PARTS: readonly [RegExp, readonly ProtectionName[]][] = [
  // The core: init_app, which loads and judges the key whatever else it installs.
  [/^(__init__|testing|secrets)\.py$|^tests\/__init__\.py$/, INIT_NEEDS],
  [/^secret_scan\.py$|^tests\/(secret_keys|secrets_in_git)\.py$/, ['secret']],
  [/^errors\.py$|^templates\/hardening\/|^tests\/error_pages\.py$/, ['debug']],
  // tests/config_split.py proves init_app as a whole (debug, key, proxy, test relaxations): it
  // comes with the checks, below.
  // security.py installs CSRFProtect and Talisman, and reads the header policy when imported.
  [/^security\.py$|^security-headers\.json$/, ['csrf', 'headers']],
  [/^tests\/csrf\.py$/, ['csrf']],
  [/^tests\/headers\.py$/, ['headers']],
  [/^template_audit\.py$|^template-audit-allowlist\.toml$|^tests\/template_safety\.py$/, ['templates']],
];

export function packagePartServes(rel: string): readonly ProtectionName[] {
  return PACKAGE_PARTS.find(([pattern]) => pattern.test(rel))?.[1] ?? PROTECTION_NAMES;
}

/**
 * The commands of the retrofit's workflow: what production installs (the lock the retrofit
 * compiles) plus the test and audit tools, the project's tests, and the hardening package's
 * checks run directly (a retrofitted project has no scripts/ci_checks.py).
 */
export function retrofitCi(app: RetrofitApp | null, testCmd: string | undefined): CiCommands {
  const target = app?.packageDir || '.';
  const excluded = ['*/hardening/tests/*', './tests', './.venv', './venv'].join(',');
  return {
    lint: false,
    cacheFile: 'requirements.lock',
    installComment: 'What production installs (requirements.lock, pinned with hashes), then the tools the jobs run.',
    install: ['python -m pip install --require-hashes --no-deps -r requirements.lock', 'python -m pip install pytest bandit pip-audit'],
    test: [testCmd ?? 'python -m pytest -q'],
    security: [
      // Production never reads .env; the key is a throwaway, as in the project's own tests.
      `export FLASK_SKIP_DOTENV=1 SECRET_KEY="$(python -c 'import secrets; print(secrets.token_hex(32))')"`,
      'flask --app wsgi security check',
      'flask --app wsgi security audit-templates',
      'flask --app wsgi security scan-secrets',
      `python -m bandit -q -r ${target} -x '${excluded}'`,
      'python -m pip_audit --strict --progress-spinner off --disable-pip --require-hashes --requirement requirements.lock',
    ],
  };
}

/** SECURITY.md as new projects have it, with the key rotation steps of their README. */
function securityMarkdown(render: (template: string) => string): string {
  const doc = render('SECURITY.md.ejs');
  const readme = render('README.md.ejs');
  const start = readme.indexOf('## Rotate the secret key');
  const end = readme.indexOf('\n## ', start + 1);
  const rotation = start < 0 ? '' : `${readme.slice(start, end < 0 ? undefined : end).trimEnd()}\n\n`;
  const at = doc.indexOf('## Reporting a vulnerability');
  return at < 0 ? `${doc}\n${rotation}` : `${doc.slice(0, at)}${rotation}${doc.slice(at)}`;
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry === '__pycache__') continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listFiles(full, `${prefix}${entry}/`));
    else out.push(`${prefix}${entry}`);
  }
  return out;
}

/** The hardening package's import path from outside the app's package. */
function hardeningModule(app: RetrofitApp): string {
  return app.package ? `${app.package}.hardening` : 'hardening';
}

export function hardeningTests(app: RetrofitApp): string {
  const docstring = `"""The protections of the hardening package, proved against this project's app.

The tests themselves live in ${hardeningModule(app).replace(/\./g, '/')}/testing.py (generator-owned, replaced by
\`hardened-flask update\`); this file only says how to get the app, as production builds it.
"""
`;
  if (app.factory) {
    return `${docstring}
import secrets

import pytest

from ${app.module} import ${app.factory}
from ${hardeningModule(app)}.testing import *  # noqa: F403 - the protection tests and fixtures


@pytest.fixture
def hardening_app(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    return ${app.factory}()
`;
  }
  return `${docstring}
import secrets

import pytest

from ${app.module} import ${app.var} as _app
from ${hardeningModule(app)}.testing import *  # noqa: F403 - the protection tests and fixtures


@pytest.fixture(autouse=True)
def _as_production(monkeypatch):
    # One app object for the whole session: the project's own tests may have left testing
    # mode on in it. Each protection test sees it off, and it is put back afterwards.
    monkeypatch.setitem(_app.config, "TESTING", False)


@pytest.fixture
def hardening_app(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    return _app
`;
}

export function wsgiModule(app: RetrofitApp): string {
  const from = app.factory ? `from ${app.module} import ${app.factory}\n\napp = ${app.factory}()\n` : `from ${app.module} import ${app.var} as app\n\n__all__ = ["app"]\n`;
  return `"""Production entry point: \`gunicorn -c gunicorn.conf.py wsgi:app\` (behind deploy/nginx/).

hardening.init_app() runs when the app is built: production (APP_ENV unset) refuses a missing
or weak SECRET_KEY and FLASK_DEBUG, so gunicorn's master fails at start instead.
"""

${from}`;
}

export function configModule(): string {
  return `"""Configuration per environment, chosen by APP_ENV; production when it is unset.

Added by hardened-flask retrofit. The app loads config_for(APP_ENV) right after it is created,
so its own settings below that line still win. Secrets never go here: SECRET_KEY comes from
the environment through hardening.init_app().
"""

import os


class Config:
    DEBUG = False
    TESTING = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    # The host names this site answers to (comma-separated); any other Host header is refused.
    TRUSTED_HOSTS = os.environ.get("TRUSTED_HOSTS", "localhost").split(",")


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True


CONFIGS = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_for(name: str | None) -> type[Config]:
    """The class for APP_ENV; unset means production, an unknown name is refused."""
    key = (name or "production").strip().lower()
    if key not in CONFIGS:
        message = f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}"
        raise ValueError(message)
    return CONFIGS[key]
`;
}

export const UNREVIEWED = 'UNREVIEWED (hardened-flask retrofit): check that this value is safe HTML, then write why here';

function allowEntries(findings: readonly Finding[], packageDir: string): string {
  const prefix = packageDir ? `${packageDir}/templates/` : 'templates/';
  const entries = findings
    .map((f) => {
      const template = f.file.startsWith(prefix) ? f.file.slice(prefix.length) : f.file.replace(/^.*?templates\//, '');
      const rule = /Markup/.test(f.what) ? 'markup' : /autoescape/.test(f.what) ? 'autoescape-off' : 'safe-filter';
      return `\n# ${f.file}:${f.line}\n[[allow]]\ntemplate = "${template}"\nrule = "${rule}"\nreason = "${UNREVIEWED}"\n`;
    })
    .filter((entry, index, all) => all.indexOf(entry) === index);
  return entries.join('');
}

/** Checks a record read back from `.yo-rc.json`; any problem is one line naming the file (exit 2). */
export function parseRetrofitRecord(raw: unknown, where: string): RetrofitRecord {
  const bad = (what: string): never => {
    throw new UsageError(`${where}: the "retrofit" record ${what}`);
  };
  const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
  if (!isObject(raw)) bad('must be an object');
  const record = raw as Record<string, unknown>;
  const app = record['app'];
  if (!isObject(app)) bad('needs "app" (module, var, factory, package, packageDir)');
  const shape = app as Record<string, unknown>;
  for (const key of ['module', 'var', 'package', 'packageDir'] as const) if (typeof shape[key] !== 'string') bad(`needs app.${key} as a string`);
  if (shape['factory'] !== null && typeof shape['factory'] !== 'string') bad('needs app.factory as a string or null');
  if (String(shape['packageDir']).split('/').includes('..') || String(shape['packageDir']).startsWith('/')) bad('has an app.packageDir outside the project');
  const only = record['only'];
  if (!Array.isArray(only) || only.length === 0 || !only.every((p) => (PROTECTION_NAMES as readonly unknown[]).includes(p))) bad(`needs "only", some of ${PROTECTION_NAMES.join(', ')}`);
  if (record['testsDir'] !== 'tests' && record['testsDir'] !== 'test') bad('needs "testsDir": "tests" or "test"');
  if (typeof record['reportOnly'] !== 'boolean') bad('needs "reportOnly": true or false');
  const allowlist = record['allowlist'];
  if (!Array.isArray(allowlist) || !allowlist.every((f) => isObject(f) && typeof f['file'] === 'string' && typeof f['line'] === 'number' && typeof f['what'] === 'string')) {
    bad('needs "allowlist": a list of {file, line, what}');
  }
  if (record['testCmd'] !== undefined && typeof record['testCmd'] !== 'string') bad('has a "testCmd" that is not a string');
  return record as unknown as RetrofitRecord;
}
