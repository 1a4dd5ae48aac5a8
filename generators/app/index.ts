// `yo hardened-flask [dir]` / `hardened-flask new <dir>`: the Yeoman lifecycle, kept thin.
// Decisions live in pure modules (answers, manifest, context); this class orders the I/O.
import { randomBytes } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Generator from 'yeoman-generator';
import { type Answers, checkPartialAnswers, completeAnswers } from '../lib/answers.js';
import { templateContext } from '../lib/context.js';
import { UsageError } from '../lib/errors.js';
import { planFiles, type PlannedFile, writtenFile } from '../lib/manifest.js';
import { buildManifest, MANIFEST_PATH, serializeManifest } from '../lib/ownership.js';
import { formatGenerated } from '../lib/format.js';
import { packageVersion, templatesRoot } from '../lib/paths.js';
import { fallbackProjectName, givenAnswers, refuseNonEmptyTarget, storedConfig } from '../lib/preflight.js';
import { createStagingDir, promoteStagingDir } from '../lib/staging.js';
import { installProject } from '../lib/install.js';
import { PROJECT_FILES } from './files.js';
import { buildQuestions } from './questions.js';

interface Options {
  yes?: boolean;
  answers?: string;
  force?: boolean;
  skipInstall?: boolean;
}

export default class AppGenerator extends Generator {
  private target?: string;
  private given: Partial<Answers> = {};
  private answers?: Answers;
  private staging?: string;
  private planned: PlannedFile[] = [];

  constructor(args: string[], options: Record<string, unknown>) {
    super(args, options as never);
    this.argument('dir', { type: String, required: false, description: 'Folder to create (default: ./<project name>)' });
    this.option('yes', { type: Boolean, description: 'Take the default for every answer not given' });
    this.option('answers', { type: String, description: 'JSON file with some or all answers' });
    this.option('force', { type: Boolean, description: 'Write into a non-empty folder' });
    this.sourceRoot(join(templatesRoot(), 'project'));
  }

  private get opts(): Options {
    return this.options as Options;
  }

  initializing(): void {
    const dir = (this.options as Record<string, unknown>)['dir'] as string | undefined;
    if (dir) {
      this.target = resolve(this.env.cwd, dir);
      refuseNonEmptyTarget(this.target, Boolean(this.opts.force));
    }
    const answersFile = this.opts.answers ? resolve(this.env.cwd, this.opts.answers) : undefined;
    this.given = givenAnswers(this.target, answersFile);
  }

  async prompting(): Promise<void> {
    const fallbackName = fallbackProjectName(this.target ?? this.env.cwd);
    const given = this.given;
    const defaults = completeAnswers(given, fallbackName);
    const questions = this.opts.yes ? [] : buildQuestions(defaults, given);
    if (questions.length > 0 && !process.stdin.isTTY) {
      throw new UsageError('no terminal to ask questions on: pass --yes to take the defaults (and --answers FILE for your own)');
    }
    const prompted = questions.length > 0 ? ((await this.prompt(questions as never)) as Partial<Answers>) : {};
    this.answers = completeAnswers({ ...given, ...checkPartialAnswers(prompted) }, fallbackName);
  }

  configuring(): void {
    const answers = this.answers!;
    this.target ??= resolve(this.env.cwd, answers.projectName);
    refuseNonEmptyTarget(this.target, Boolean(this.opts.force));
    this.staging = createStagingDir(this.target);
    this.destinationRoot(this.staging);
    // Log "create pyproject.toml", not the hidden staging folder's name: the conflicter reports
    // paths relative to the cwd it was given when the run started.
    const conflicter = (this.env as unknown as { conflicterOptions?: { cwd?: string } }).conflicterOptions;
    if (conflicter) conflicter.cwd = this.staging;
    this.planned = planFiles(PROJECT_FILES, answers);
  }

  async writing(): Promise<void> {
    const answers = this.answers!;
    const context = templateContext(answers, randomBytes(32).toString('hex'));
    for (const file of this.planned) {
      const from = this.templatePath(file.template);
      const to = this.destinationPath(file.to);
      if (file.render) this.fs.copyTpl(from, to, context);
      else this.fs.copy(from, to);
    }
    // Only the answers (and the version that used them) are stored; the dev key lives in .env alone.
    this.fs.writeJSON(this.destinationPath('.yo-rc.json'), storedConfig(answers, packageVersion()));
    await formatGenerated(this.fs, this.destinationRoot());
    // The ownership record hashes the bytes as written, so it comes after formatting.
    const written = this.planned.map((file) => ({ ...writtenFile(file), contents: this.fs.read(this.destinationPath(file.to), { raw: true })! }));
    this.fs.write(this.destinationPath(MANIFEST_PATH), serializeManifest(buildManifest(packageVersion(), written)));
  }

  install(): void {
    // Files are on disk in the staging folder now; make the private ones private, then move in.
    for (const file of this.planned) {
      if (file.mode !== undefined) chmodSync(join(this.staging!, file.to), file.mode);
    }
    promoteStagingDir(this.staging!, this.target!);
    this.destinationRoot(this.target!);
  }

  async end(): Promise<void> {
    const target = this.target!;
    if (this.opts.skipInstall) {
      this.log(`Created ${target} (install skipped).`);
      return;
    }
    await installProject(target, (line) => this.log(line));
  }
}
