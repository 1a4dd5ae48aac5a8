// The retrofit plan: read the project (the audit's report and facts, the edit engine's
// findings), then decide every file to create or edit. Nothing here writes.
import { randomBytes } from 'node:crypto';
import { promises as fs, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import { auditProject } from '../audit/audit.js';
import { classify, parsePyproject, parseRequirements, scanJs } from '../audit/deploy.js';
import type { AuditReport, ProtectionId } from '../audit/model.js';
import { walkTree } from '../audit/walk.js';
import { defaultAnswers, deriveProjectName } from '../lib/answers.js';
import { type CiCommands, reportOnlyCsp, templateContext } from '../lib/context.js';
import { templatesRoot } from '../lib/paths.js';
import { runEditor, type AppShape, type Finding } from './engine.js';
import {
  addIgnoreLines,
  addPyprojectDependencies,
  addRequirements,
  fixCompose,
  fixDockerfile,
  fixProcfile,
  type LineChange,
  REQUIRED_DEPENDENCIES,
  type TextEdit,
} from './text-edits.js';

/** The `--only` names, in DESIGN order, with the audit protection each stands for. */
export const PROTECTION_NAMES = ['debug', 'server', 'secret', 'csrf', 'templates', 'headers'] as const;
export type ProtectionName = (typeof PROTECTION_NAMES)[number];
export const AUDIT_ID: Record<ProtectionName, ProtectionId> = {
  debug: 'debug',
  server: 'wsgi-server',
  secret: 'secret-key',
  csrf: 'csrf',
  templates: 'templating',
  headers: 'headers',
};

export type Owner = 'generator' | 'user' | 'once';

export interface PlannedChange {
  path: string;
  action: 'create' | 'edit';
  before: string | null;
  after: string;
  owner: Owner;
  /** The protection the change serves, for the summary ('all' when it serves several). */
  protection: ProtectionName | 'all';
  /**
   * Every protection the change serves: `--only` plans it when one of them is asked for (a
   * shared piece comes with any protection that needs it), or, for SECURITY.md and the CI
   * workflow, which describe and check all six, only when all are.
   */
  protections: ProtectionName[];
  changes: LineChange[];
  mode?: number;
}

export interface Plan {
  root: string;
  app: AppShape | null;
  changes: PlannedChange[];
  /** What a human must decide, with file:line. */
  human: Finding[];
  /** What keeps the CSP report-only for now. */
  blockers: Finding[];
  csp: Record<string, string[]>;
  audit: AuditReport;
  /** Files that could not be edited (syntax errors...): left untouched. */
  untouched: Finding[];
  ci: CiAdvice;
}

/** The CI the retrofit adds, or, when the project has its own, what to add to it. */
export interface CiAdvice {
  /** The workflow the plan creates, or null. */
  workflow: string | null;
  /** The project's own CI files (left untouched). */
  existing: string[];
  /** A job to paste into the project's CI when it has its own; null otherwise. */
  snippet: string | null;
  advice: string | null;
}

export interface PlanOptions {
  only: readonly ProtectionName[];
  /** The project's test command (--test-cmd), for the CI workflow. */
  testCmd?: string;
  env?: NodeJS.ProcessEnv;
}

/** The protections that need the hardening package and its init_app call. */
const INIT_NEEDS: readonly ProtectionName[] = ['debug', 'secret', 'csrf', 'headers'];

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

/** What each added dependency is for. */
const DEPENDENCY_NEEDS: Record<string, readonly ProtectionName[]> = {
  flask: [...INIT_NEEDS, 'server'],
  werkzeug: [...INIT_NEEDS, 'server'],
  // errors.py and security.py import Flask-WTF; security.py Flask-Talisman.
  'flask-wtf': ['debug', 'csrf', 'headers'],
  'flask-talisman': ['csrf', 'headers'],
  gunicorn: ['server'],
};

const label = (serves: readonly ProtectionName[]): ProtectionName | 'all' => (serves.length === 1 ? serves[0]! : 'all');

const FIXER_PROTECTION: Record<string, ProtectionName | 'all'> = {
  secret: 'secret',
  debug: 'debug',
  'init-app': 'all',
  import: 'all',
  csrf: 'csrf',
  headers: 'headers',
};

/** The protections an edit of one fixer serves: the init_app call and its import serve all that need it. */
function fixerServes(fixer: string): readonly ProtectionName[] {
  const protection = FIXER_PROTECTION[fixer] ?? 'all';
  return protection === 'all' ? INIT_NEEDS : [protection];
}

export async function planRetrofit(root: string, options: PlanOptions): Promise<Plan> {
  const only = new Set(options.only);
  const audit = await auditProject(root, { env: options.env });
  const walked = await walkTree(root);
  const files = walked.files;
  const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');
  // The hardening package is generator-owned: never an input to the edits (update replaces it).
  const ours = files.filter((f) => /(^|\/)hardening\/testing\.py$/.test(f)).map((f) => f.slice(0, -'testing.py'.length));
  const kinds = new Map(files.filter((f) => !ours.some((dir) => f.startsWith(dir))).map((f) => [f, classify(f)]));
  const ofKind = (kind: string) => [...kinds.keys()].filter((f) => kinds.get(f) === kind);

  const configSplit = audit.protections.some((p) => p.id === 'debug' && p.missingImplementation.some((g) => g.rule === 'debug/no-config-split'));
  const jsWithoutToken = ofKind('js').some((f) => scanJs(f, read(f)).some((j) => !j.token));
  const edited = await runEditor(
    { root, python: ofKind('python'), templates: ofKind('template'), only: [...only], ajax: jsWithoutToken, configSplit },
    options.env,
  );
  const changes: PlannedChange[] = [];
  const untouched: Finding[] = [];
  for (const file of edited.files) {
    if (file.error) untouched.push({ file: file.path, line: 1, what: file.error });
    if (file.text === null) continue;
    const serves = [...new Set(file.changes.flatMap((c) => fixerServes(c.fixer)))];
    changes.push({
      path: file.path,
      action: 'edit',
      before: read(file.path),
      after: file.text,
      owner: 'user',
      protection: label(serves),
      protections: serves,
      changes: file.changes.map((c) => ({ ...c, protection: FIXER_PROTECTION[c.fixer] ?? 'all' })),
    });
  }
  const app = edited.app;
  const human = [...edited.human];

  // The hardening package beside the app, and what points at it.
  const create = (rel: string, text: string, owner: Owner, serves: readonly ProtectionName[], mode?: number) => {
    if (existsSync(path.join(root, rel))) return;
    changes.push({ path: rel, action: 'create', before: null, after: text, owner, protection: label(serves), protections: [...serves], changes: [], ...(mode ? { mode } : {}) });
  };
  const edit = (rel: string, before: string, result: { text: string; changes: LineChange[] }, serves: readonly ProtectionName[]) => {
    changes.push({ path: rel, action: 'edit', before, after: result.text, owner: 'user', protection: label(serves), protections: [...serves], changes: result.changes });
  };
  const wanted = (serves: readonly ProtectionName[]) => serves.some((p) => only.has(p));
  const needsInit = wanted(INIT_NEEDS);
  if (app && needsInit) {
    const hardeningDir = path.posix.join(app.packageDir, 'hardening');
    const unescaped = only.has('templates') ? edited.human.filter((h) => /template-audit-allowlist/.test(h.what)) : [];
    for (const rel of listFiles(path.join(templatesRoot(), 'hardening'))) {
      const serves = packagePartServes(rel);
      if (serves === PROTECTION_NAMES ? !PROTECTION_NAMES.every((p) => only.has(p)) : !wanted(serves)) continue;
      let text = readFileSync(path.join(templatesRoot(), 'hardening', rel), 'utf8');
      // Each |safe found goes on the allow-list marked unreviewed, and on the summary's list for
      // a human: the suite stays green, the audit and the summary keep showing it.
      if (rel === 'template-audit-allowlist.toml' && unescaped.length > 0) text += allowEntries(unescaped, app.packageDir);
      create(path.posix.join(hardeningDir, rel), text, 'generator', serves);
    }
    const testsDir = ['tests', 'test'].find((d) => files.some((f) => f.startsWith(`${d}/`))) ?? 'tests';
    create(`${testsDir}/test_hardening.py`, hardeningTests(app), 'user', INIT_NEEDS);
    if (changes.some((c) => c.changes.some((x) => /meta tag/.test(x.description)))) {
      const staticDir = path.posix.join(app.packageDir, 'static');
      create(`${staticDir}/hardening-csrf.js`, readFileSync(path.join(templatesRoot(), 'retrofit', 'hardening-csrf.js'), 'utf8'), 'generator', ['csrf']);
    }
  }
  if (app && configSplit && only.has('debug')) {
    if (app.configFree) create(path.posix.join(app.packageDir, 'config.py'), configModule(), 'user', ['debug']);
    else human.push({ file: path.posix.join(app.packageDir, 'config.py'), line: 1, what: 'config.py exists without a production/development split: add ProductionConfig (the default) and DevelopmentConfig/TestingConfig, chosen by APP_ENV' });
  }
  if (app && only.has('secret')) {
    create('.env', `# Development only (never committed, never read in production).\nAPP_ENV=development\nSECRET_KEY=${randomBytes(32).toString('hex')}\n`, 'once', ['secret'], 0o600);
    create('.env.example', '# Copy to .env for development; production sets these in its environment.\nAPP_ENV=production\nSECRET_KEY=<64 hex characters: python -c "import secrets; print(secrets.token_hex(32))">\nSECRET_KEY_FALLBACKS=\n', 'once', ['secret']);
    // An image built from the folder must not carry the development key either.
    if (ofKind('dockerfile').length > 0) {
      if (!files.includes('.dockerignore')) create('.dockerignore', readFileSync(path.join(templatesRoot(), 'project', '.dockerignore'), 'utf8'), 'once', ['secret']);
      else {
        const docker = addIgnoreLines(read('.dockerignore'), ['.env']);
        if (docker.changes.length > 0) edit('.dockerignore', read('.dockerignore'), docker, ['secret']);
      }
    }
    const gitignore = existsSync(path.join(root, '.gitignore')) ? read('.gitignore') : '';
    const ignored = addIgnoreLines(gitignore, ['.env']);
    if (ignored.changes.length > 0) {
      if (gitignore) edit('.gitignore', gitignore, ignored, ['secret']);
      else create('.gitignore', ignored.text, 'once', ['secret']);
    }
  }

  // Production server: dependencies, entry point, gunicorn and nginx/systemd from the new-project templates.
  // The new-project templates, rendered for this project: deploy files, SECURITY.md, CI.
  const ciFiles = files.filter(isCiFile);
  const every = PROTECTION_NAMES.every((p) => only.has(p));
  const addWorkflow = Boolean(app) && every && ciFiles.length === 0;
  const answers = { ...defaultAnswers(deriveProjectName(path.basename(root))), packageName: 'app', ci: addWorkflow ? ('github' as const) : ('none' as const) };
  const hardeningDir = path.posix.join(app?.packageDir ?? '', 'hardening');
  const baseContext = { ...templateContext(answers), retrofitted: true, hardeningDir, ci_: retrofitCi(app, options.testCmd) };
  // While the app only reports (inline handlers, style=""), nginx sends the same policy
  // report-only too: an enforcing one from nginx would block what the app's does not.
  const context = edited.blockers.length > 0 ? reportOnlyCsp(baseContext) : baseContext;
  const render = (template: string) => ejs.render(readFileSync(path.join(templatesRoot(), 'project', template), 'utf8'), context, { rmWhitespace: false });
  if (app && only.has('server')) {
    create('wsgi.py', wsgiModule(app), 'user', ['server']);
    create('gunicorn.conf.py', render('gunicorn.conf.py.ejs'), 'generator', ['server']);
    const name = answers.projectName;
    if (!audit.protections.find((p) => p.id === 'wsgi-server')?.currentlyImplemented.some((c) => /nginx proxies/.test(c.description))) {
      const staticAlias = `${context.installDir}/${app.packageDir ? `${app.packageDir}/` : ''}static/`;
      create(`deploy/nginx/${name}.conf`, render('deploy/nginx/__project__.conf.ejs').replace(`${context.installDir}/src/app/static/`, staticAlias), 'generator', ['server']);
      create(`deploy/nginx/${name}-security-headers.conf`, render('deploy/nginx/__project__-security-headers.conf.ejs'), 'generator', ['server']);
      create(`deploy/systemd/${name}.service`, render('deploy/systemd/__project__.service.ejs'), 'generator', ['server']);
      if (edited.blockers.length > 0) human.push({ file: `deploy/nginx/${name}-security-headers.conf`, line: 1, what: 'sends the CSP report-only (Content-Security-Policy-Report-Only), as the app does: once the blockers are fixed, make both enforce together (drop CSP_REPORT_ONLY; here and in the site, Content-Security-Policy without report-uri)' });
    }
    for (const rel of ofKind('procfile')) editText(rel, fixProcfile(read(rel)));
    for (const rel of ofKind('dockerfile')) editText(rel, fixDockerfile(read(rel)));
    for (const rel of ofKind('compose')) editText(rel, fixCompose(read(rel)));
  }
  if (app && (needsInit || only.has('server'))) addDependencies();

  // SECURITY.md and the CI workflow describe and check all six protections: a full run only.
  const ci: CiAdvice = { workflow: null, existing: ciFiles, snippet: null, advice: null };
  if (app && every) {
    const securityDoc = files.find((f) => /^(\.github\/|docs\/)?security\.(md|rst|txt)$/i.test(f));
    if (!securityDoc) create('SECURITY.md', securityMarkdown(render), 'user', PROTECTION_NAMES);
    else human.push({ file: securityDoc, line: 1, what: `exists, left as it is: add, per protection, the threat, what the project now does and how it is proved (tests/test_hardening.py runs ${hardeningDir}/tests/; \`flask security check\`), the key rotation steps, and how to report a vulnerability` });
    const workflow = render('.github/workflows/ci.yml.ejs');
    if (addWorkflow) {
      ci.workflow = WORKFLOW;
      create(WORKFLOW, workflow, 'user', PROTECTION_NAMES);
    } else {
      ci.snippet = ciFiles.some((f) => f.startsWith('.github/workflows/')) ? jobOf(workflow, 'security') : context.ci_.security.join('\n');
      ci.advice = `${ciFiles.join(', ')} left as ${ciFiles.length === 1 ? 'it is' : 'they are'}: run the tests with tests/test_hardening.py in it, and add a security job like this one (it builds the production app with a throwaway key and runs flask security check, the template audit, the secret scan, bandit and pip-audit on requirements.lock)`;
    }
  }

  return { root, app, changes, human, blockers: edited.blockers, csp: edited.csp, audit, untouched, ci };

  function editText(rel: string, result: { text: string; changes: LineChange[] }) {
    if (result.changes.length === 0) return;
    edit(rel, read(rel), result, ['server']);
  }

  function addDependencies() {
    const present = new Set<string>();
    for (const rel of [...ofKind('requirements'), ...ofKind('pyproject')]) {
      const facts = kinds.get(rel) === 'pyproject' ? parsePyproject(rel, read(rel)) : parseRequirements(rel, read(rel));
      for (const d of facts) present.add(d.name);
    }
    const pyproject = ofKind('pyproject').find((f) => !f.includes('/'));
    const requirements = ['requirements.txt', 'requirements.in'].find((f) => files.includes(f));
    // Only what the protections asked for need (--only), each line tagged with them.
    const needed = REQUIRED_DEPENDENCIES.filter((d) => wanted(DEPENDENCY_NEEDS[d.name] ?? PROTECTION_NAMES));
    const serves = [...new Set(needed.flatMap((d) => DEPENDENCY_NEEDS[d.name] ?? []))].filter((p) => only.has(p));
    const tag = (result: TextEdit): TextEdit => ({
      ...result,
      changes: result.changes.map((c) => {
        const dependency = needed.find((d) => c.description.startsWith(`${d.spec} `));
        return { ...c, protection: label((DEPENDENCY_NEEDS[dependency?.name ?? ''] ?? PROTECTION_NAMES).filter((p) => only.has(p))) };
      }),
    });
    const added = pyproject ? addPyprojectDependencies(read(pyproject), present, needed) : null;
    if (added && pyproject) {
      if (added.changes.length > 0) edit(pyproject, read(pyproject), tag(added), serves);
      return;
    }
    const target = requirements ?? 'requirements.txt';
    const text = requirements ? read(requirements) : '';
    const lines = addRequirements(text, present, needed);
    if (lines.changes.length === 0) return;
    if (requirements) edit(target, text, tag(lines), serves);
    else create(target, lines.text, 'user', serves);
  }
}

const WORKFLOW = '.github/workflows/ci.yml';

/** A CI configuration of a hosted CI service (GitHub, GitLab, CircleCI, Azure, Bitbucket, ...). */
export function isCiFile(rel: string): boolean {
  return /^\.github\/workflows\/[^/]+\.ya?ml$/.test(rel) || /^(\.gitlab-ci\.yml|\.circleci\/config\.ya?ml|azure-pipelines\.ya?ml|bitbucket-pipelines\.yml|\.travis\.yml|Jenkinsfile|\.drone\.ya?ml|\.woodpecker\.ya?ml)$/.test(rel);
}

/**
 * The commands of the retrofit's workflow: what production installs (the lock the retrofit
 * compiles) plus the test and audit tools, the project's tests, and the hardening package's
 * checks run directly (a retrofitted project has no scripts/ci_checks.py).
 */
function retrofitCi(app: AppShape | null, testCmd: string | undefined): CiCommands {
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

/** One job of a rendered workflow (its lines under `jobs:`), for a project that has its own CI. */
function jobOf(workflow: string, job: string): string {
  const lines = workflow.split('\n');
  const start = lines.findIndex((line) => line === `  ${job}:`);
  const end = lines.findIndex((line, i) => i > start && /^ {2}\S/.test(line));
  return lines.slice(start, end < 0 ? undefined : end).join('\n').trimEnd();
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
function hardeningModule(app: AppShape): string {
  return app.package ? `${app.package}.hardening` : 'hardening';
}

export function hardeningTests(app: AppShape): string {
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

export function wsgiModule(app: AppShape): string {
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

function allowEntries(findings: Finding[], packageDir: string): string {
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

/** Reads each planned file's current bytes again (to detect a change made while asking). */
export async function currentText(root: string, rel: string): Promise<string | null> {
  try {
    return await fs.readFile(path.join(root, rel), 'utf8');
  } catch {
    return null;
  }
}
