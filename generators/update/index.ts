// `yo hardened-flask:update [dir]` / `hardened-flask update [dir]`: bring a project to the new
// template version. Thin lifecycle over plan.ts (base re-render → per-file decision → merge):
// files go through Yeoman's conflicter (per file overwrite / skip / diff, `--yes` applies all),
// then dependencies, the project's tests, and only then the new record.
// Helper methods start with `_`: Yeoman runs every other method of the class as a task.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Generator from 'yeoman-generator';
import { MANIFEST_PATH } from '../lib/ownership.js';
import { treeState, unifiedDiff } from './git.js';
import { type FileChange, prepareUpdate, type UpdatePlan } from './plan.js';
import { changedFiles, conflictedFiles, planText } from './report.js';

export interface UpdateOutcome {
  status: 'current' | 'dry-run' | 'updated' | 'conflicts' | 'tests-failed' | 'install-failed';
  plan: UpdatePlan;
}

interface Options {
  dir?: string;
  to?: string;
  from?: string;
  answers?: string;
  dryRun?: boolean;
  yes?: boolean;
  conflict?: string;
  allowDirty?: boolean;
  testCmd?: string;
  tests?: boolean;
  skipInstall?: boolean;
  onOutcome?: (outcome: UpdateOutcome) => void;
  print?: (text: string) => void;
  /** The plan, when the CLI has prepared it already. */
  plan?: UpdatePlan;
}

const say = (text: string) => process.stdout.write(`${text}\n`);

export default class UpdateGenerator extends Generator {
  private dir = '';
  private plan?: UpdatePlan;
  private written: FileChange[] = [];
  private outcome?: UpdateOutcome['status'];
  private skipPip = false;

  constructor(args: string[], options: Record<string, unknown>) {
    // No npm install: the project is Python, and its dependencies are install()'s business.
    super(args, options as never, { customInstallTask: true } as never);
    this.argument('dir', { type: String, required: false, description: 'The project to update (default: the current folder)' });
    this.option('to', { type: String, description: 'Version to update to (default: this package)' });
    this.option('from', { type: String, description: 'The base: the version or package folder the project was generated with' });
    this.option('answers', { type: String, description: 'JSON file with answers to change while updating' });
    this.option('preset', { type: String, description: 'Adopt or switch to a preset (default: follow the recorded one)' });
    this.option('preset-from', { type: String, description: 'The preset version the project records, for 3-way merges of its files' });
    this.option('dry-run', { type: Boolean, description: 'Print the plan and the diff, write nothing' });
    this.option('yes', { type: Boolean, description: 'Apply every change without asking' });
    this.option('conflict', { type: String, description: 'inline (markers in the file, default) or rej (yours kept, hunks in FILE.rej)' });
    this.option('allow-dirty', { type: Boolean, description: 'Update a tree with uncommitted changes (backups in .hardened-flask/backups/)' });
    this.option('test-cmd', { type: String, description: 'Command that runs the project tests (default: .venv/bin/python -m pytest -q)' });
    this.option('tests', { type: Boolean, default: true, description: 'Run the project tests after updating (--no-tests skips them)' });
    // --yes is the conflicter's force: every file is written without a question.
    if (this.opts.yes) (this.options as Record<string, unknown>)['force'] = true;
    this.skipPip = Boolean(this.opts.skipInstall);
  }

  private get opts(): Options {
    return this.options as Options;
  }

  private _print(text: string): void {
    (this.opts.print ?? say)(text);
  }

  async initializing(): Promise<void> {
    const options = this.opts;
    this.dir = resolve(this.env.cwd, options.dir ?? '.');
    // The CLI prepares the plan before loading Yeoman (bad input fails in one line); yo users get it here.
    this.plan = options.plan ?? (await prepareUpdate(this.dir, this.env.cwd, options));
    this._print(planText(this.plan));
  }

  writing(): void {
    const plan = this.plan!;
    const changes = changedFiles(plan);
    if (this.opts.dryRun) {
      for (const change of changes) this._print(unifiedDiff(change.path, change.before, change.effect === 'delete' ? undefined : change.after).trimEnd());
      this._print(`Dry run: ${changes.length} file(s) would change; nothing was written.`);
      this.outcome = 'dry-run';
      return;
    }
    if (this.opts.allowDirty && treeState(this.dir).kind !== 'clean') this._backUp(changes);
    for (const change of changes) {
      const path = join(this.dir, change.path);
      if (change.effect === 'delete') this.fs.delete(path);
      else this.fs.write(path, change.after!);
      if (change.rej !== undefined) this.fs.write(`${path}.rej`, change.rej);
    }
    this.written = changes;
  }

  install(): void {
    if (this.outcome || this.skipPip) return;
    const pyproject = this.written.find((change) => change.path === 'pyproject.toml');
    const pip = join(this.dir, '.venv', 'bin', 'pip');
    if (!pyproject || !existsSync(pip)) return;
    this._print('Installing the changed dependencies into .venv ...');
    const result = spawnSync(pip, ['install', '--quiet', '--disable-pip-version-check', '-e', '.[dev]'], { cwd: this.dir, encoding: 'utf8' });
    if (result.status !== 0) {
      this._print(`pip install failed: ${(result.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
      this._rollBack();
      this.outcome = 'install-failed';
    }
  }

  end(): void {
    const plan = this.plan!;
    if (!this.outcome) this.outcome = this._finish(plan);
    this.opts.onOutcome?.({ status: this.outcome, plan });
    if (this.outcome !== 'current' && this.outcome !== 'updated' && this.outcome !== 'dry-run') process.exitCode = 1;
  }

  private _finish(plan: UpdatePlan): UpdateOutcome['status'] {
    const conflicts = conflictedFiles(plan);
    if (conflicts.length > 0) {
      // The record moves on (the next update's base is this version); the markers stay for the user.
      this._record(plan);
      this._print(
        `Updated to ${plan.toVersion} with conflicts in ${conflicts.length} file(s): ${conflicts.map((c) => c.path).join(', ')}. ` +
          'Resolve them (git status and git diff show them), then run your tests; tests were not run.',
      );
      return 'conflicts';
    }
    if (this.written.length === 0 && !recordChanges(this.dir, plan)) {
      this._print(`Up to date with ${plan.toVersion}.`);
      return 'current';
    }
    if (this.opts.tests !== false) {
      const failure = this._runTests();
      if (failure !== undefined) {
        this._rollBack();
        this._print(`The project's tests failed after the update, so every file was put back as it was:\n${failure}`);
        this._print('Fix the cause or re-run with --no-tests to apply the update anyway.');
        return 'tests-failed';
      }
    }
    this._record(plan);
    this._print(`Updated ${this.written.length} file(s) to ${plan.toVersion}; the record is in ${MANIFEST_PATH}.`);
    return 'updated';
  }

  /** Runs --test-cmd (a shell command) or the project's pytest; returns the failure's tail. */
  private _runTests(): string | undefined {
    const venvPython = join(this.dir, '.venv', 'bin', 'python');
    const custom = this.opts.testCmd;
    if (!custom && !existsSync(venvPython)) {
      this._print('No .venv in the project: tests not run (pass --test-cmd to name the command).');
      return undefined;
    }
    this._print(`Running the project's tests: ${custom ?? '.venv/bin/python -m pytest -q'}`);
    const result = custom
      ? spawnSync('sh', ['-c', custom], { cwd: this.dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
      : spawnSync(venvPython, ['-m', 'pytest', '-q'], { cwd: this.dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (result.status === 0) return undefined;
    return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  }

  private _rollBack(): void {
    for (const change of this.written) {
      const path = join(this.dir, change.path);
      if (change.before === undefined) rmSync(path, { force: true });
      else {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, change.before);
      }
      if (change.rej !== undefined) rmSync(`${path}.rej`, { force: true });
    }
  }

  private _record(plan: UpdatePlan): void {
    mkdirSync(join(this.dir, dirname(MANIFEST_PATH)), { recursive: true });
    writeFileSync(join(this.dir, MANIFEST_PATH), plan.manifestText);
    writeFileSync(join(this.dir, '.yo-rc.json'), plan.yoRcText);
  }

  /** Copies what the update will change into .hardened-flask/backups/<time>/ before a dirty update. */
  private _backUp(changes: FileChange[]): void {
    const folder = join(this.dir, '.hardened-flask', 'backups', new Date().toISOString().replace(/[:.]/g, '-'));
    for (const change of changes) {
      const from = join(this.dir, change.path);
      if (!existsSync(from)) continue;
      mkdirSync(dirname(join(folder, change.path)), { recursive: true });
      cpSync(from, join(folder, change.path));
    }
    this._print(`Uncommitted changes allowed: the files the update changes are backed up in ${folder}.`);
  }
}

/** Whether the new record differs from the one on disk (a project made before records has none). */
function recordChanges(dir: string, plan: UpdatePlan): boolean {
  const current = (path: string) => (existsSync(join(dir, path)) ? readFileSync(join(dir, path), 'utf8') : undefined);
  return current(MANIFEST_PATH) !== plan.manifestText || current('.yo-rc.json') !== plan.yoRcText;
}
