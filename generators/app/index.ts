// `yo hardened-flask [dir]` / `hardened-flask new <dir>`: the Yeoman lifecycle, kept thin.
// Decisions live in pure modules (answers, manifest, context); this class orders the I/O.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Generator from 'yeoman-generator';
import { type Answers, checkPartialAnswers, completeAnswers } from '../lib/answers.js';
import { templateContext } from '../lib/context.js';
import { UsageError } from '../lib/errors.js';
import { writtenFile } from '../lib/manifest.js';
import { buildManifest, MANIFEST_PATH, serializeManifest } from '../lib/ownership.js';
import { writePlanned } from '../lib/render.js';
import { packageVersion, templatesRoot } from '../lib/paths.js';
import { fallbackProjectName, givenAnswers, readStoredPreset, refuseNonEmptyTarget, storedConfig } from '../lib/preflight.js';
import { followedDefaults, loadPreset, type OverlaidFile, type Preset, presetRecord, presetSpecFrom } from '../lib/presets.js';
import {
  createStagingDir,
  installInterruptHandlers,
  lockTarget,
  promoteStagingDir,
  refuseForceConflicts,
  resolveTarget,
  setInterruptNote,
} from '../lib/staging.js';
import { installProject } from '../lib/install.js';
import { KEEP_ON_FORCE, plannedFiles, plannedPaths } from './planned.js';
import { buildQuestions } from './questions.js';

interface Options {
  yes?: boolean;
  answers?: string;
  /** The answers file as the CLI already read it (read once: it may be /dev/stdin). */
  answersFromFile?: Partial<Answers>;
  force?: boolean;
  skipInstall?: boolean;
  preset?: string;
}


type StatusLog = (path: string) => unknown;
const HELD = Symbol.for('hardened-flask.held-status-log');

/**
 * A test-only pause with files on disk in the staging folder and nothing in place yet:
 * HARDENED_FLASK_TEST_HOLD=<file> creates <file> and waits until it is deleted, so a test can
 * interrupt the run at exactly that moment.
 */
async function testHold(): Promise<void> {
  const marker = process.env.HARDENED_FLASK_TEST_HOLD;
  if (!marker) return;
  writeFileSync(marker, `${process.pid}\n`);
  for (let waited = 0; existsSync(marker) && waited < 120_000; waited += 50) await new Promise((done) => setTimeout(done, 50));
}

export default class AppGenerator extends Generator {
  private target?: string;
  private given: Partial<Answers> = {};
  private answers?: Answers;
  private staging?: string;
  private realTarget?: string;
  private unlock?: () => void;
  private planned: OverlaidFile[] = [];
  private preset?: Preset;
  private statusLog: { create: StatusLog; force: StatusLog; identical: StatusLog; skip: StatusLog } | undefined;

  constructor(args: string[], options: Record<string, unknown>) {
    // customInstallTask: this is a Python project; Yeoman's npm step has nothing to do (and
    // would say "No change to package.json was detected").
    super(args, options as never, { customInstallTask: true } as never);
    this.quietYeoman();
    this.argument('dir', { type: String, required: false, description: 'Folder to create (default: ./<project name>)' });
    this.option('yes', { type: Boolean, description: 'Take the default for every answer not given' });
    this.option('answers', { type: String, description: 'JSON file with some or all answers' });
    this.option('force', { type: Boolean, description: 'Write into a non-empty folder' });
    this.option('preset', { type: String, description: `An organisation's preset: a file, folder or installed package (or $HARDENED_FLASK_PRESET)` });
    this.sourceRoot(join(templatesRoot(), 'project'));
  }

  private get opts(): Options {
    return this.options as Options;
  }

  /**
   * The files are written into a hidden staging folder, so Yeoman's own "create <file>" lines
   * would all say create; they are held back and the real outcome (create, force, keep) is
   * logged once the files are in place. Yeoman's "An error occured while running ..." line is
   * dropped: the error itself is reported once, as one line, by the CLI.
   */
  private quietYeoman(): void {
    const log = this.env.adapter.log as unknown as Record<string | symbol, unknown> & { error: (...args: unknown[]) => unknown };
    // The adapter outlives one generator instance: hold its real loggers back only once.
    if (!log[HELD]) {
      const held = Object.fromEntries(['create', 'force', 'identical', 'skip'].map((status) => [status, (log[status] as StatusLog).bind(log)]));
      for (const status of ['create', 'force', 'identical']) log[status] = () => log;
      const error = log.error.bind(log);
      log.error = (...args: unknown[]) => (typeof args[0] === 'string' && args[0].startsWith('An error occured while running') ? log : error(...args));
      log[HELD] = held;
    }
    this.statusLog = log[HELD] as NonNullable<typeof this.statusLog>;
  }

  initializing(): void {
    installInterruptHandlers();
    const dir = (this.options as Record<string, unknown>)['dir'] as string | undefined;
    if (dir !== undefined) {
      this.target = resolve(this.env.cwd, dir);
      refuseNonEmptyTarget(this.target, Boolean(this.opts.force));
    }
    const answersFile = this.opts.answers ? resolve(this.env.cwd, this.opts.answers) : undefined;
    // The flag, else the environment, else the preset an earlier run recorded in the target.
    const spec = presetSpecFrom(this.opts.preset) ?? (this.target ? readStoredPreset(this.target)?.source : undefined);
    if (spec !== undefined) {
      const fromRecord = this.opts.preset === undefined && presetSpecFrom(undefined) === undefined;
      const bases = fromRecord && this.target ? [this.target, this.env.cwd] : [this.env.cwd, ...(this.target ? [this.target] : [])];
      this.preset = loadPreset(spec, bases, packageVersion());
    }
    this.given = givenAnswers(this.target, answersFile, this.opts.answersFromFile, this.preset);
  }

  async prompting(): Promise<void> {
    const fallbackName = fallbackProjectName(this.target ?? this.env.cwd);
    const given = this.given;
    const presetDefaults = this.preset?.defaults;
    // Locked answers are in `given`: never asked. A preset's defaults are the prompts' defaults.
    const defaults = completeAnswers(given, fallbackName, presetDefaults);
    const questions = this.opts.yes ? [] : buildQuestions(defaults, given);
    if (questions.length > 0 && !process.stdin.isTTY) {
      throw new UsageError('no terminal to ask questions on: pass --yes to take the defaults (and --answers FILE for your own)');
    }
    const prompted = questions.length > 0 ? ((await this.prompt(questions as never)) as Partial<Answers>) : {};
    this.answers = completeAnswers({ ...given, ...checkPartialAnswers(prompted) }, fallbackName, presetDefaults);
  }

  configuring(): void {
    const answers = this.answers!;
    this.target ??= resolve(this.env.cwd, answers.projectName);
    // A link to a folder is followed (the link stays a link); nothing here writes yet.
    this.realTarget = resolveTarget(this.target);
    this.unlock = lockTarget(this.realTarget);
    // Checked again under the lock: another run may have written the folder in the meantime.
    refuseNonEmptyTarget(this.target, Boolean(this.opts.force));
    if (this.opts.force) refuseForceConflicts(this.realTarget, plannedPaths(answers, this.preset));
    this.staging = createStagingDir(this.realTarget);
    this.destinationRoot(this.staging);
    // Log "create pyproject.toml", not the hidden staging folder's name: the conflicter reports
    // paths relative to the cwd it was given when the run started.
    const conflicter = (this.env as unknown as { conflicterOptions?: { cwd?: string } }).conflicterOptions;
    if (conflicter) conflicter.cwd = this.staging;
    this.planned = plannedFiles(answers, this.preset);
  }

  writing(): void {
    const answers = this.answers!;
    const context = templateContext(answers, randomBytes(32).toString('hex'));
    writePlanned(this.fs, this.templatePath(), this.destinationRoot(), this.planned, context);
    // Only the answers (the version and preset that used them) are stored; the dev key lives in .env alone.
    const preset = this.preset ? presetRecord(this.preset, followedDefaults(this.preset, this.given, answers), this.target!) : undefined;
    this.fs.writeJSON(this.destinationPath('.yo-rc.json'), storedConfig(answers, packageVersion(), preset));
    // No Prettier pass: templates are written formatted (see lib/format.ts and its test). The
    // ownership record hashes the bytes as written.
    const written = this.planned.map((file) => ({ ...writtenFile(file), contents: this.fs.read(this.destinationPath(file.to), { raw: true })! }));
    this.fs.write(this.destinationPath(MANIFEST_PATH), serializeManifest(buildManifest(packageVersion(), written)));
  }

  async install(): Promise<void> {
    // Files are on disk in the staging folder now; make the private ones private, then move in.
    for (const file of this.planned) {
      if (file.mode !== undefined) chmodSync(join(this.staging!, file.to), file.mode);
    }
    await testHold();
    const moved = promoteStagingDir(this.staging!, this.realTarget!, this.opts.force ? KEEP_ON_FORCE : []);
    this.unlock?.();
    setInterruptNote(`the project is in place at ${this.target!}${this.opts.skipInstall ? '' : ' (not installed yet)'}`);
    this.destinationRoot(this.realTarget!);
    const order = plannedPaths(this.answers!, this.preset);
    const byOrder = (paths: string[]) => [...paths].sort((a, b) => order.indexOf(a) - order.indexOf(b));
    for (const path of byOrder(moved.created)) this.statusLog!.create(path);
    for (const path of byOrder(moved.replaced)) this.statusLog!.force(path);
    for (const path of moved.kept) this.statusLog!.skip(`${path} (yours, kept: delete it and run again for a fresh key)`);
  }

  async end(): Promise<void> {
    const target = this.target!;
    if (this.answers!.domain === 'localhost') {
      // Not an error: a first project is often made to try it out. Deploying it is another matter.
      this.log(
        'warning: the domain is still localhost: TRUSTED_HOSTS, the nginx server_name and the certificate paths use it. ' +
          'Before deploying, set the real one (the `domain` answer, or deploy/README.md step 0).',
      );
    }
    if (this.opts.skipInstall) {
      this.log(`Created ${target} (install skipped).`);
      return;
    }
    await installProject(target, (line) => this.log(line));
  }
}
