// The retrofit plan: read the project (the audit's report and facts, the edit engine's
// findings), then decide every file to create or edit. Nothing here writes.
import { randomBytes } from 'node:crypto';
import { promises as fs, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { auditProject } from '../audit/audit.js';
import { classify, parsePyproject, parseRequirements, scanJs } from '../audit/deploy.js';
import type { AuditReport, ProtectionId } from '../audit/model.js';
import { walkTree } from '../audit/walk.js';
import { type Answers, defaultAnswers, deriveProjectName } from '../lib/answers.js';
import { runEditor, type AppShape, type Finding } from './engine.js';
import { INIT_NEEDS, PROTECTION_NAMES, type ProtectionName, renderRetrofit, type RetrofitFile, type RetrofitRecord, WORKFLOW } from './render.js';
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

export { configModule, hardeningTests, INIT_NEEDS, packagePartServes, PROTECTION_NAMES, type ProtectionName, UNREVIEWED, wsgiModule } from './render.js';

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
  /** What the created files were rendered from (null without an app), and the answers: for `.yo-rc.json`. */
  record: RetrofitRecord | null;
  answers: Answers;
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
  const createFile = (file: RetrofitFile) => create(file.path, file.text, file.owner, file.serves, file.mode);
  // The new-project templates, rendered for this project: deploy files, SECURITY.md, CI.
  const ciFiles = files.filter(isCiFile);
  const every = PROTECTION_NAMES.every((p) => only.has(p));
  const addWorkflow = Boolean(app) && every && ciFiles.length === 0;
  const answers = { ...defaultAnswers(deriveProjectName(path.basename(root))), packageName: 'app', ci: addWorkflow ? ('github' as const) : ('none' as const) };
  // What the files below are rendered from, recorded so that `update` renders them again.
  const record: RetrofitRecord | null = app
    ? {
        app: { module: app.module, var: app.var, factory: app.factory, package: app.package, packageDir: app.packageDir },
        only: [...options.only],
        testsDir: ['tests', 'test'].find((d) => files.some((f) => f.startsWith(`${d}/`))) ?? 'tests',
        reportOnly: edited.blockers.length > 0,
        allowlist: only.has('templates') ? edited.human.filter((h) => /template-audit-allowlist/.test(h.what)).map(({ file, line, what }) => ({ file, line, what })) : [],
        ...(options.testCmd ? { testCmd: options.testCmd } : {}),
      }
    : null;
  const rendered = record ? renderRetrofit(record, answers) : null;
  const hardeningDir = rendered?.hardeningDir ?? 'hardening';
  if (app && rendered && needsInit) {
    rendered.hardening.forEach(createFile);
    createFile(rendered.testHardening);
    if (changes.some((c) => c.changes.some((x) => /meta tag/.test(x.description)))) createFile(rendered.csrfScript);
  }
  if (app && rendered && configSplit && only.has('debug')) {
    if (app.configFree) createFile(rendered.config);
    else human.push({ file: path.posix.join(app.packageDir, 'config.py'), line: 1, what: 'config.py exists without a production/development split: add ProductionConfig (the default) and DevelopmentConfig/TestingConfig, chosen by APP_ENV' });
  }
  if (app && rendered && only.has('secret')) {
    create('.env', `# Development only (never committed, never read in production).\nAPP_ENV=development\nSECRET_KEY=${randomBytes(32).toString('hex')}\n`, 'once', ['secret'], 0o600);
    createFile(rendered.envExample);
    // An image built from the folder must not carry the development key either.
    if (ofKind('dockerfile').length > 0) {
      if (!files.includes('.dockerignore')) createFile(rendered.dockerignore);
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
  if (app && rendered && only.has('server')) {
    createFile(rendered.wsgi);
    createFile(rendered.gunicorn);
    const name = answers.projectName;
    if (!audit.protections.find((p) => p.id === 'wsgi-server')?.currentlyImplemented.some((c) => /nginx proxies/.test(c.description))) {
      rendered.nginx.forEach(createFile);
      if (edited.blockers.length > 0) human.push({ file: `deploy/nginx/${name}-security-headers.conf`, line: 1, what: 'sends the CSP report-only (Content-Security-Policy-Report-Only), as the app does: once the blockers are fixed, make both enforce together (drop CSP_REPORT_ONLY; here and in the site, Content-Security-Policy without report-uri)' });
    }
    for (const rel of ofKind('procfile')) editText(rel, fixProcfile(read(rel)));
    for (const rel of ofKind('dockerfile')) editText(rel, fixDockerfile(read(rel)));
    for (const rel of ofKind('compose')) editText(rel, fixCompose(read(rel)));
  }
  if (app && (needsInit || only.has('server'))) addDependencies();

  // SECURITY.md and the CI workflow describe and check all six protections: a full run only.
  const ci: CiAdvice = { workflow: null, existing: ciFiles, snippet: null, advice: null };
  if (app && rendered && every) {
    const securityDoc = files.find((f) => /^(\.github\/|docs\/)?security\.(md|rst|txt)$/i.test(f));
    if (!securityDoc) createFile(rendered.security);
    else human.push({ file: securityDoc, line: 1, what: `exists, left as it is: add, per protection, the threat, what the project now does and how it is proved (tests/test_hardening.py runs ${hardeningDir}/tests/; \`flask security check\`), the key rotation steps, and how to report a vulnerability` });
    if (addWorkflow) {
      ci.workflow = WORKFLOW;
      createFile(rendered.workflow);
    } else {
      ci.snippet = ciFiles.some((f) => f.startsWith('.github/workflows/')) ? jobOf(rendered.workflow.text, 'security') : rendered.ci.security.join('\n');
      ci.advice = `${ciFiles.join(', ')} left as ${ciFiles.length === 1 ? 'it is' : 'they are'}: run the tests with tests/test_hardening.py in it, and add a security job like this one (it builds the production app with a throwaway key and runs flask security check, the template audit, the secret scan, bandit and pip-audit on requirements.lock)`;
    }
  }

  return { root, app, changes, human, blockers: edited.blockers, csp: edited.csp, audit, untouched, ci, record, answers };

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


/** A CI configuration of a hosted CI service (GitHub, GitLab, CircleCI, Azure, Bitbucket, ...). */
export function isCiFile(rel: string): boolean {
  return /^\.github\/workflows\/[^/]+\.ya?ml$/.test(rel) || /^(\.gitlab-ci\.yml|\.circleci\/config\.ya?ml|azure-pipelines\.ya?ml|bitbucket-pipelines\.yml|\.travis\.yml|Jenkinsfile|\.drone\.ya?ml|\.woodpecker\.ya?ml)$/.test(rel);
}

/** One job of a rendered workflow (its lines under `jobs:`), for a project that has its own CI. */
function jobOf(workflow: string, job: string): string {
  const lines = workflow.split('\n');
  const start = lines.findIndex((line) => line === `  ${job}:`);
  const end = lines.findIndex((line, i) => i > start && /^ {2}\S/.test(line));
  return lines.slice(start, end < 0 ? undefined : end).join('\n').trimEnd();
}

/** Reads each planned file's current bytes again (to detect a change made while asking). */
export async function currentText(root: string, rel: string): Promise<string | null> {
  try {
    return await fs.readFile(path.join(root, rel), 'utf8');
  } catch {
    return null;
  }
}
