// `hardened-flask retrofit [dir]`: plan → (ask) → write with backups → prove with the project's
// own tests → keep or roll back → summary. Free of Yeoman imports so it starts fast.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { execa } from 'execa';
import { auditProject, toolVersion } from '../audit/audit.js';
import type { AuditReport } from '../audit/model.js';
import { AnalyserUnavailable } from '../audit/python.js';
import type { Decision, PromptAdapter } from './conflicter.js';
import { AUDIT_ID, planRetrofit, PROTECTION_NAMES, type Plan, type PlannedChange, type ProtectionName } from './plan.js';
import { projectInterpreter, regressions, runTests, type TestRun } from './proof.js';
import type { RetrofitRecord } from './render.js';
import { REQUIRED_DEPENDENCIES, type LineChange } from './text-edits.js';
import type { Answers } from '../lib/answers.js';
import { storedConfig } from '../lib/preflight.js';
import { STORE_KEY } from '../lib/store-key.js';

export const retrofitHelp = `Usage: hardened-flask retrofit [dir] [options]

Harden an existing Flask project in place: add the hardening package and one init_app() call,
replace literal secret keys, add CSRF tokens to forms, nonces to inline scripts, gunicorn and
nginx — then prove the project's own tests still pass, or put every file back.

Arguments:
  dir                     the project (default: the current folder); a git work tree with a
                          clean status unless --allow-dirty

Options:
  --dry-run               print the plan and a unified diff; write nothing
  --yes                   apply every planned change without asking (Yeoman's force mode; needed
                          without a terminal). On a terminal, without it, each file goes through
                          Yeoman's conflicter: overwrite / skip / diff / all / abort
  --only LIST             some of: debug,server,secret,csrf,templates,headers (default: all)
  --allow-dirty           work on a tree with uncommitted changes; every changed file is first
                          copied to .hardened-flask/backup/<time>/
  --test-cmd CMD          the test command (default: the project's pytest, or unittest discovery)
  --no-tests              do not run the tests before and after
  --skip-install          do not pip-install the added dependencies into the project's venv
  --python PATH           the project's interpreter (default: .venv/bin/python or venv/bin/python)
  --format text|json      the summary's format (default: text)
  --debug                 show a stack trace on unexpected errors
  -h, --help              show this help
  -v, --version           show the version

Exit codes: 0 applied, nothing to do, or "abort" answered at the prompt (nothing written), 1 a
test that passed before fails after (every file is restored), 2 bad usage, a dirty tree, or
changes to confirm without a terminal, 130 Ctrl-C at the prompt (nothing written).
`;

export class RetrofitUsageError extends Error {
  override name = 'UsageError';
}

export interface RetrofitArgs {
  dir: string;
  dryRun: boolean;
  yes: boolean;
  only: ProtectionName[];
  allowDirty: boolean;
  testCmd?: string;
  noTests: boolean;
  skipInstall: boolean;
  python?: string;
  format: 'text' | 'json';
  help: boolean;
  version: boolean;
  debug: boolean;
}

/** Parses the command's own arguments (pure); throws RetrofitUsageError with a one-line reason. */
export function parseRetrofitArgs(argv: readonly string[]): RetrofitArgs {
  const args: RetrofitArgs = { dir: '.', dryRun: false, yes: false, only: [...PROTECTION_NAMES], allowDirty: false, noTests: false, skipInstall: false, format: 'text', help: false, version: false, debug: false };
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[i + 1];
      if (next === undefined) throw new RetrofitUsageError(`${name} needs a value`);
      i++;
      return next;
    };
    const flag = () => {
      if (eq > 0) throw new RetrofitUsageError(`${name} takes no value`);
      return true;
    };
    switch (name) {
      case '--dry-run': args.dryRun = flag(); break;
      case '--yes': case '-y': args.yes = flag(); break;
      case '--allow-dirty': args.allowDirty = flag(); break;
      case '--no-tests': args.noTests = flag(); break;
      case '--skip-install': args.skipInstall = flag(); break;
      case '--debug': args.debug = flag(); break;
      case '-h': case '--help': args.help = true; break;
      case '-v': case '--version': args.version = true; break;
      case '--test-cmd': {
        const v = value();
        if (!v.trim()) throw new RetrofitUsageError('--test-cmd needs a command');
        args.testCmd = v;
        break;
      }
      case '--python': {
        const v = value();
        if (!v.trim()) throw new RetrofitUsageError('--python needs a path');
        args.python = v;
        break;
      }
      case '--format': {
        const v = value().toLowerCase();
        if (v !== 'text' && v !== 'json') throw new RetrofitUsageError(`--format must be text or json (got "${v}")`);
        args.format = v;
        break;
      }
      case '--only': {
        const names = value().split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
        const bad = names.filter((n) => !(PROTECTION_NAMES as readonly string[]).includes(n));
        if (names.length === 0 || bad.length > 0) throw new RetrofitUsageError(`--only takes ${PROTECTION_NAMES.join(',')} (got "${bad.join(',') || 'nothing'}")`);
        args.only = PROTECTION_NAMES.filter((n) => names.includes(n));
        break;
      }
      default:
        throw new RetrofitUsageError(`unknown option ${name}; see hardened-flask retrofit --help`);
    }
  }
  if (positionals.length > 1) throw new RetrofitUsageError(`retrofit takes one folder, got ${positionals.length}`);
  if (positionals[0] !== undefined) args.dir = positionals[0];
  if (args.noTests && args.testCmd) throw new RetrofitUsageError('--no-tests and --test-cmd contradict each other');
  return args;
}

export interface RetrofitIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  /**
   * The Yeoman adapter the conflicter asks through (yeoman-environment's under `yo`); absent: a
   * TerminalAdapter on this process's terminal, made when the first question is due.
   */
  adapter?: PromptAdapter;
}

export const processIO = (adapter?: PromptAdapter): RetrofitIO => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  env: process.env,
  ...(adapter ? { adapter } : {}),
});

/** Whether `root` is a git work tree, and what `git status` lists (untracked files included). */
export function gitStatus(root: string): { repo: boolean; dirty: string[] } {
  try {
    const top = execFileSync('git', ['-C', root, 'rev-parse', '--is-inside-work-tree'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (top !== 'true') return { repo: false, dirty: [] };
    const out = execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=all', '--', '.'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { repo: true, dirty: out.split('\n').filter(Boolean) };
  } catch {
    return { repo: false, dirty: [] };
  }
}

export function unifiedDiff(change: PlannedChange): string {
  const from = change.before === null ? '/dev/null' : `a/${change.path}`;
  return createTwoFilesPatch(from, `b/${change.path}`, change.before ?? '', change.after, '', '', { context: 3 })
    .split('\n')
    .slice(1)
    .join('\n');
}

export interface RetrofitSummary {
  schemaVersion: 1;
  root: string;
  /** declined: every change was skipped at the prompt; aborted: "abort" was chosen (nothing written either way). */
  result: 'applied' | 'nothing-to-do' | 'dry-run' | 'rolled-back' | 'aborted' | 'declined';
  app: Plan['app'];
  changes: { path: string; action: 'create' | 'edit'; owner: string; protection: string; protections: string[]; lines: { line: number; description: string; removed: string[]; protection?: string }[]; applied: boolean }[];
  human: { file: string; line: number; what: string }[];
  blockers: { file: string; line: number; what: string }[];
  untouched: { file: string; line: number; what: string }[];
  /** Changes answered "skip" at the conflicter's prompt: not written, left for a human. */
  skipped: { file: string; line: number; protection: string; what: string }[];
  cspReportOnly: boolean;
  /** broken: passed before, not after (rolled back); failingAdded: tests the retrofit added that fail. */
  tests: { command: string; before: Counts | null; after: Counts | null; broken: string[]; failingAdded: string[] } | null;
  audit: { before: Record<string, string>; after: Record<string, string> | null };
  /** Gaps (medium or worse) the audit still reports after the change: left for a human. */
  remaining: { protection: string; rule: string; severity: string; description: string; locations: string[] }[];
  backup: string | null;
  /** The workflow added, or the project's own CI with a job to add to it. */
  ci: Plan['ci'];
  wallTimeMs: number;
}

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  exitCode: number;
}

const SERIOUS = new Set(['critical', 'high', 'medium']);

export function remainingGaps(report: AuditReport): RetrofitSummary['remaining'] {
  return report.protections.flatMap((p) =>
    p.missingImplementation
      .filter((g) => SERIOUS.has(g.severity))
      .map((g) => ({ protection: p.id, rule: g.rule, severity: g.severity, description: g.description, locations: g.locations.map((l) => `${l.file}:${l.line}`) })),
  );
}

const counts = (run: TestRun | null): Counts | null => (run ? { passed: run.passed, failed: run.failed, skipped: run.skipped, exitCode: run.exitCode } : null);
const statuses = (report: AuditReport) => Object.fromEntries(report.protections.map((p) => [p.id, p.status]));

export async function retrofitCommand(argv: string[], io: RetrofitIO = processIO()): Promise<number> {
  const started = Date.now();
  let args: RetrofitArgs;
  try {
    args = parseRetrofitArgs(argv);
  } catch (error) {
    io.stderr(`hardened-flask retrofit: ${(error as Error).message}\n`);
    return 2;
  }
  if (args.help) {
    io.stdout(retrofitHelp);
    return 0;
  }
  if (args.version) {
    io.stdout(`${toolVersion()}\n`);
    return 0;
  }
  const fail = (message: string) => {
    io.stderr(`hardened-flask retrofit: ${message}\n`);
    return 2;
  };
  const root = path.resolve(args.dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) return fail(`${args.dir} is not a folder`);
  const git = gitStatus(root);
  if (!args.dryRun && !args.allowDirty) {
    if (!git.repo) return fail(`${args.dir} is not a git work tree: commit the project first (git init && git add -A && git commit), or pass --allow-dirty to keep backups instead`);
    if (git.dirty.length > 0) return fail(`${args.dir} has uncommitted changes (${git.dirty.length}: ${git.dirty.slice(0, 3).map((l) => l.slice(3)).join(', ')}${git.dirty.length > 3 ? ', …' : ''}): commit or stash them, or pass --allow-dirty`);
  }
  const python = projectInterpreter(root, args.python);
  if (args.python && !existsSync(python!)) return fail(`--python ${args.python} does not exist`);

  let plan: Plan;
  try {
    plan = await planRetrofit(root, { only: args.only, env: io.env, ...(args.testCmd ? { testCmd: args.testCmd } : {}) });
  } catch (error) {
    if (error instanceof AnalyserUnavailable) return fail(error.message);
    throw error;
  }
  const summary: RetrofitSummary = {
    schemaVersion: 1,
    root,
    result: 'nothing-to-do',
    app: plan.app,
    changes: plan.changes.map((c) => ({ path: c.path, action: c.action, owner: c.owner, protection: c.protection, protections: c.protections, lines: c.changes, applied: false })),
    human: plan.human,
    blockers: plan.blockers,
    untouched: plan.untouched,
    skipped: [],
    cspReportOnly: plan.blockers.length > 0,
    tests: null,
    audit: { before: statuses(plan.audit), after: null },
    remaining: [],
    backup: null,
    ci: plan.ci,
    wallTimeMs: 0,
  };
  const finish = (code: number) => {
    summary.wallTimeMs = Date.now() - started;
    io.stdout(args.format === 'json' ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary, plan));
    return code;
  };
  if (!plan.app && plan.changes.length === 0) return fail(`no Flask(...) application found in ${args.dir}: nothing to retrofit`);

  if (args.dryRun) {
    summary.result = plan.changes.length === 0 ? 'nothing-to-do' : 'dry-run';
    if (args.format === 'text') for (const change of plan.changes) io.stdout(`${unifiedDiff(change)}\n`);
    return finish(0);
  }
  if (plan.changes.length === 0) return finish(0);

  // Decide what to write: --yes takes all, a terminal asks per file, otherwise refuse.
  let decisions: Map<string, Decision>;
  if (args.yes) decisions = new Map(plan.changes.map((c) => [c.path, 'write']));
  else if (io.isTTY) {
    // Yeoman's conflicter, file by file: overwrite / skip / diff / all / abort.
    const { confirmWithConflicter, terminalAdapter } = await import('./conflicter.js');
    const asked = await confirmWithConflicter(plan.changes, io.adapter ?? terminalAdapter());
    if (!asked) {
      summary.result = 'aborted';
      return finish(0);
    }
    decisions = asked;
  } else {
    return fail(`no terminal to confirm ${plan.changes.length} change(s) (${plan.changes.slice(0, 4).map((c) => c.path).join(', ')}${plan.changes.length > 4 ? ', …' : ''}): pass --yes to apply them or --dry-run to see them`);
  }
  const chosen = plan.changes.filter((c) => decisions.get(c.path) === 'write');
  summary.skipped = plan.changes.filter((c) => decisions.get(c.path) !== 'write').flatMap(skippedEntries);
  if (chosen.length === 0) {
    summary.result = 'declined';
    return finish(0);
  }

  let before: TestRun | null = null;
  if (!args.noTests) {
    before = await runTests(root, python, args.testCmd, io.env);
    summary.tests = { command: before.command, before: counts(before), after: null, broken: [], failingAdded: [] };
  }

  // Snapshot for the rollback (always) and the --allow-dirty backup (on disk, kept).
  const snapshot = new Map<string, Buffer | null>();
  for (const change of chosen) {
    const file = path.join(root, change.path);
    snapshot.set(change.path, existsSync(file) ? readFileSync(file) : null);
  }
  if (args.allowDirty) {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const backup = path.join(root, '.hardened-flask', 'backup', stamp);
    for (const [rel, bytes] of snapshot) {
      if (bytes === null) continue;
      mkdirSync(path.dirname(path.join(backup, rel)), { recursive: true });
      copyFileSync(path.join(root, rel), path.join(backup, rel));
    }
    summary.backup = path.relative(root, backup);
  }
  // The ownership record and `.yo-rc.json` are put back with the files.
  const records = [path.join(root, '.hardened-flask', 'manifest.json'), path.join(root, '.yo-rc.json')].map((file) => ({ file, before: existsSync(file) ? readFileSync(file) : null }));
  const restore = () => {
    for (const [rel, bytes] of snapshot) {
      const file = path.join(root, rel);
      if (bytes === null) rmSync(file, { force: true });
      else writeFileSync(file, bytes);
    }
    for (const { file, before: bytes } of records) {
      if (bytes === null) rmSync(file, { force: true });
      else writeFileSync(file, bytes);
    }
  };

  try {
    for (const change of chosen) {
      const file = path.join(root, change.path);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, change.after);
      if (change.mode) chmodSync(file, change.mode);
      summary.changes.find((c) => c.path === change.path)!.applied = true;
    }
    writeManifest(root, chosen);
    if (plan.record) writeYoRc(root, plan.answers, plan.record);
  } catch (error) {
    restore();
    throw error;
  }

  if (!args.skipInstall && python) {
    const result = await execa(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...REQUIRED_DEPENDENCIES.map((d) => d.spec)], { reject: false, all: true, env: io.env });
    if (result.exitCode !== 0) {
      restore();
      io.stderr(`hardened-flask retrofit: installing the dependencies into ${python} failed; every file was restored.\n${String(result.all ?? '').trim().split('\n').slice(-5).join('\n')}\n`);
      return 1;
    }
  }

  // The hash-pinned lock production installs from (the "dependencies locked" check wants it);
  // compiled from what the project now declares, after the dependencies were added.
  const lockPath = path.join(root, LOCK_FILE);
  // The lock is what production installs: the server protection's (--only narrows it too).
  if (!existsSync(lockPath) && args.only.includes('server')) {
    const source = lockSource(root);
    const locked = await execa('uv', ['pip', 'compile', ...LOCK_FLAGS, '-o', LOCK_FILE, source], { cwd: root, reject: false, all: true, env: io.env, timeout: 300_000 });
    if (locked.exitCode === 0 && existsSync(lockPath)) {
      snapshot.set(LOCK_FILE, null);
      summary.changes.push({ path: LOCK_FILE, action: 'create', owner: 'user', protection: 'server', protections: ['server'], lines: [{ line: 1, description: `compiled from ${source} with hashes (uv pip compile)`, removed: [] }], applied: true });
      writeManifest(root, [{ path: LOCK_FILE, owner: 'user', after: readFileSync(lockPath, 'utf8') } as PlannedChange]);
    } else {
      rmSync(lockPath, { force: true });
      const why = locked.failed && (locked as { code?: string }).code === 'ENOENT' ? 'uv is not installed' : String(locked.all ?? '').trim().split('\n').slice(-1)[0];
      summary.human.push({ file: LOCK_FILE, line: 1, what: `not written (${why}): run \`uv pip compile ${LOCK_FLAGS.join(' ')} -o ${LOCK_FILE} ${source}\` and commit it` });
    }
  }

  if (before) {
    const after = await runTests(root, python, args.testCmd, io.env);
    const broken = regressions(before, after);
    const failingAdded = [...after.outcomes].filter(([id, o]) => o === 'failed' && !before.outcomes.has(id)).map(([id]) => id);
    summary.tests = { command: after.command, before: counts(before), after: counts(after), broken, failingAdded };
    if (broken.length > 0) {
      restore();
      summary.result = 'rolled-back';
      io.stderr(`hardened-flask retrofit: ${broken.length} test(s) that passed before fail after: ${broken.slice(0, 5).join(', ')}; every file was restored.\n`);
      return finish(1);
    }
  }
  summary.result = 'applied';
  const after = await auditProject(root, { env: io.env });
  summary.audit.after = statuses(after);
  summary.remaining = remainingGaps(after);
  return finish(0);
}

/** A change answered "skip": what it would have done, for each protection it serves. */
function skippedEntries(change: PlannedChange): RetrofitSummary['skipped'] {
  if (change.changes.length === 0) {
    return [{ file: change.path, line: 1, protection: change.protection, what: 'skipped at the prompt: not created; left for a human' }];
  }
  const byProtection = new Map<string, LineChange[]>();
  for (const line of change.changes) {
    const name = line.protection ?? change.protection;
    byProtection.set(name, [...(byProtection.get(name) ?? []), line]);
  }
  return [...byProtection].map(([protection, lines]) => ({
    file: change.path,
    line: lines[0]!.line,
    protection,
    what: `skipped at the prompt: ${lines.map((l) => l.description).join('; ')} (not done; left for a human)`,
  }));
}

const LOCK_FILE = 'requirements.lock';
// Universal (every platform and Python version), with hashes: what `pip install --require-hashes` needs.
const LOCK_FLAGS = ['--generate-hashes', '--universal', '--quiet'];

/** What the lock is compiled from: pyproject.toml when it declares the dependencies. */
function lockSource(root: string): string {
  const pyproject = path.join(root, 'pyproject.toml');
  if (existsSync(pyproject) && /^\s*dependencies\s*=/m.test(readFileSync(pyproject, 'utf8'))) return 'pyproject.toml';
  return existsSync(path.join(root, 'requirements.txt')) ? 'requirements.txt' : 'requirements.in';
}

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `.hardened-flask/manifest.json` (OWNERSHIP-CONTRACT): owner and sha256 of each file written. */
export function writeManifest(root: string, written: readonly PlannedChange[]): void {
  const file = path.join(root, '.hardened-flask', 'manifest.json');
  let files: Record<string, { owner: string; sha256?: string }> = {};
  if (existsSync(file)) {
    try {
      files = (JSON.parse(readFileSync(file, 'utf8')) as { files?: typeof files }).files ?? {};
    } catch {
      files = {};
    }
  }
  for (const change of written) {
    files[change.path] = change.owner === 'once' ? { owner: 'once' } : { owner: change.owner, sha256: sha256(change.after) };
  }
  const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ files: sorted, generator: 'generator-hardened-flask', version: toolVersion() }, null, 2)}\n`);
}

/**
 * `.yo-rc.json` under the generator's key: `"kind": "retrofit"`, the version, the answers the
 * templates were rendered with and the retrofit's record (what `update` renders again). Other
 * generators' keys stay; a project made by `new` keeps its own record.
 */
export function writeYoRc(root: string, answers: Answers, record: RetrofitRecord): void {
  const file = path.join(root, '.yo-rc.json');
  let config: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) config = parsed as Record<string, unknown>;
    } catch {
      config = {};
    }
  }
  const ours = config[STORE_KEY] as Record<string, unknown> | undefined;
  if (ours && ours['kind'] !== 'retrofit') return;
  // A later run with more protections (--only) adds to what the earlier one rendered.
  const earlier = (ours?.['retrofit'] as { only?: unknown } | undefined)?.only;
  const only = PROTECTION_NAMES.filter((p) => record.only.includes(p) || (Array.isArray(earlier) && earlier.includes(p)));
  config[STORE_KEY] = storedConfig(answers, toolVersion(), undefined, { ...record, only })[STORE_KEY];
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
}

export function renderSummary(summary: RetrofitSummary, plan: Plan): string {
  const lines: string[] = [];
  const verb = { applied: 'Retrofitted', 'nothing-to-do': 'Nothing to do for', 'dry-run': 'Plan for', 'rolled-back': 'Rolled back', aborted: 'Aborted (nothing written)', declined: 'Nothing written (every change skipped) for' }[summary.result];
  lines.push(`${verb} ${summary.root}${summary.app ? ` (app: ${summary.app.file}, ${summary.app.factory ? `factory ${summary.app.factory}()` : `module-level ${summary.app.var}`})` : ''}`);
  // The dropped-in package is one line, not one per file (an allow-list with entries stays its own).
  const packageFiles = summary.changes.filter((c) => c.action === 'create' && c.owner === 'generator' && /(^|\/)hardening\//.test(c.path) && !(c.protection === 'templates' && /template-audit-allowlist\.toml$/.test(c.path) && summary.human.some((h) => /allowlist/.test(h.what))));
  const linesFor = (name: string) =>
    summary.changes.flatMap((c) => {
      if (packageFiles.includes(c)) return [];
      if (c.lines.length === 0) return c.protection === name ? [`  ${c.applied ? '+' : '·'} create ${c.path}`] : [];
      return c.lines.filter((l) => (l.protection ?? c.protection) === name).map((l) => `  ${c.applied ? '+' : '·'} ${c.path}:${l.line} ${l.description}`);
    });
  for (const name of PROTECTION_NAMES) {
    const id = AUDIT_ID[name];
    const before = summary.audit.before[id];
    const after = summary.audit.after?.[id];
    lines.push(`\n${name}: ${before}${after ? ` → ${after}` : ''}`);
    const mine = linesFor(name);
    lines.push(...(mine.length > 0 ? mine : ['  (no change)']));
    for (const s of summary.skipped.filter((x) => x.protection === name)) lines.push(`  ! ${s.file}:${s.line} ${s.what}`);
    const human = name === 'templates' ? summary.human.filter((h) => /allowlist|unescaped/.test(h.what)) : name === 'headers' ? [...summary.human.filter((h) => /integrity/.test(h.what)), ...summary.blockers] : [];
    for (const h of human) lines.push(`  ! ${h.file}:${h.line} ${h.what}`);
    for (const r of summary.remaining.filter((x) => x.protection === id)) {
      lines.push(`  ! left (${r.severity}): ${r.description}${r.locations.length ? ` [${r.locations.slice(0, 3).join(', ')}]` : ''}`);
    }
    if (name === 'server') for (const h of summary.human.filter((x) => x.file === LOCK_FILE || x.file.startsWith('deploy/nginx/'))) lines.push(`  ! ${h.file} ${h.what}`);
    if (name === 'headers' && summary.cspReportOnly) lines.push('  ! the CSP is sent report-only until the blockers above are fixed; then drop csp_report_only=True');
    if (name === 'server' && summary.changes.some((c) => c.path === 'Procfile' || /Dockerfile|compose/.test(c.path))) {
      lines.push('  ! gunicorn.conf.py binds to loopback/unix only: a platform that routes to $PORT needs its bind set by a human');
    }
  }
  const shared = linesFor('all');
  if (packageFiles.length > 0) {
    const dir = packageFiles[0]!.path.replace(/(^|\/)hardening\/.*$/, '$1hardening/');
    shared.push(`  ${packageFiles[0]!.applied ? '+' : '·'} create ${dir} (the hardening package: ${packageFiles.length} generator-owned files)`);
  }
  shared.push(...summary.skipped.filter((x) => x.protection === 'all').map((s) => `  ! ${s.file}:${s.line} ${s.what}`));
  for (const h of summary.human.filter((x) => /(^|\/)security\.(md|rst|txt)$/i.test(x.file))) shared.push(`  ! ${h.file} ${h.what}`);
  if (summary.ci.snippet !== null) {
    shared.push(`  ! CI: ${summary.ci.advice}:`, ...summary.ci.snippet.split('\n').map((line) => `      ${line}`));
  }
  if (shared.length > 0) lines.push('\nshared (the hardening package and its one call, SECURITY.md, CI):', ...shared);
  for (const u of summary.untouched) lines.push(`! ${u.file} left untouched: ${u.what}`);
  if (summary.tests) {
    const t = summary.tests;
    const f = (c: Counts | null) => (c ? `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped` : 'not run');
    lines.push(`\ntests (${t.command}): before ${f(t.before)}; after ${f(t.after)}${t.broken.length ? `; broken: ${t.broken.join(', ')}` : ''}`);
    for (const id of t.failingAdded) lines.push(`  ! added protection test fails (for a human): ${id}`);
  }
  if (summary.backup) lines.push(`backup of the changed files: ${summary.backup}`);
  void plan;
  lines.push(`(${summary.wallTimeMs} ms)`);
  return `${lines.join('\n')}\n`;
}
