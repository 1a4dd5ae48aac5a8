#!/usr/bin/env node
// The standalone front door: `hardened-flask new|audit`, no global `yo` needed.
// Only `new` loads yeoman-environment (about a second to import): help, version and audit stay fast.
// The modules of `new`'s checks are imported by `new` alone, so that `audit` starts its Python
// helper without loading them first.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, WorkError } from './lib/errors.js';
import { packageVersion } from './lib/paths.js';

const USAGE = `Usage: hardened-flask <command> [options]

Commands:
  new <dir>      scaffold a hardened Flask service into <dir>
  audit [dir]    report which of the six protections an existing Flask project has
  retrofit [dir] harden an existing Flask project in place, proved by its own tests
  update [dir]   bring a project to the newest template, keeping every edit of yours
  check-update [dir]  exit 1 when a newer template version exists (--json for bots)

Options:
  -h, --help     show help (also: hardened-flask <command> --help)
  -v, --version  show the version

Exit codes: 0 success, 1 the work failed, 2 bad usage or bad input.`;

const newUsage = (answersHelp: () => string) => `Usage: hardened-flask new <dir> [options]

Scaffolds a hardened Flask service into <dir> (which must be empty or missing), then runs
git init, creates .venv and installs the project with its dev tools (pip install -e .[dev]).
On a terminal it asks for each answer; Enter takes the default shown.

Options:
  --yes            take the default for every answer not given; required without a terminal
  --answers FILE   JSON file (at most 1 MiB) with some or all answers, e.g. {"domain": "example.com"}
  --preset SPEC    your organisation's preset: a preset.json, a folder, or an installed npm
                   package (default: $HARDENED_FLASK_PRESET); its locked answers are not asked
  --skip-install   do not run git init, create .venv or pip install
  --force          write into a non-empty folder: generated files replace what is at their paths
                   (all conflicts are checked first), other files and an existing .env are kept
  --debug          show stack traces
  -h, --help       show this help
  -v, --version    show the version

Answers (keys of --answers FILE):
${answersHelp()}`;

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const io: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** Turns parseArgs' messages ("Unknown option '--x'...") into our one-line usage error. */
function parse(args: string[], options: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs explains at length; the first sentence names the problem.
    throw new UsageError(`${(error as Error).message.split(/\.\s|\n/)[0]!} (see --help)`);
  }
}

type NewCommand = typeof import('./new-command.js');

/**
 * The single-file bundle of the `new` path when it was built (npm run build), else the modules.
 * HARDENED_FLASK_NO_BUNDLE=1 forces the modules; a test checks both write the same bytes.
 */
async function loadNewCommand(): Promise<NewCommand> {
  const bundle = new URL('../bundle/new-command.js', import.meta.url);
  if (process.env.HARDENED_FLASK_NO_BUNDLE !== '1' && existsSync(bundle)) return (await import(bundle.href)) as NewCommand;
  return import('./new-command.js');
}

async function runNew(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    yes: { type: 'boolean' },
    answers: { type: 'string' },
    preset: { type: 'string' },
    'skip-install': { type: 'boolean' },
    force: { type: 'boolean' },
    debug: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  });
  const [{ plannedPaths }, { answersHelp }, { preflightNew, readAnswersFile, readStoredPreset, refuseNonEmptyTarget }, { loadPreset, presetSpecFrom }, { checkTargetArgument, installInterruptHandlers }] =
    await Promise.all([import('./app/planned.js'), import('./lib/answers.js'), import('./lib/preflight.js'), import('./lib/presets.js'), import('./lib/staging.js')]);
  if (values.help) {
    io.out(newUsage(answersHelp));
    return 0;
  }
  if (values.version) {
    io.out(packageVersion());
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('new takes exactly one folder: hardened-flask new <dir> [--yes]');
  // Decided before loading Yeoman, so a script without a terminal fails at once instead of hanging.
  if (!values.yes && !process.stdin.isTTY) {
    throw new UsageError('no terminal to ask questions on: pass --yes to take the defaults (and --answers FILE for your own)');
  }
  const target = resolve(positionals[0]!);
  checkTargetArgument(positionals[0]!, target);
  // From here on, Ctrl-C (at a prompt or while writing) exits 130 with one line.
  installInterruptHandlers();
  // Read once: the file may be a pipe or /dev/stdin, which cannot be read a second time.
  const answersFromFile = values.answers !== undefined ? readAnswersFile(resolve(values.answers as string)) : {};
  // A bad preset is refused here, whole, before Yeoman loads and before any question.
  const presetSpec = presetSpecFrom(values.preset as string | undefined);
  const recorded = presetSpec === undefined ? readStoredPreset(target)?.source : undefined;
  const preset =
    presetSpec !== undefined ? loadPreset(presetSpec, [process.cwd(), target], packageVersion())
    : recorded !== undefined ? loadPreset(recorded, [target, process.cwd()], packageVersion())
    : undefined;
  if (values.yes) preflightNew(target, answersFromFile, Boolean(values.force), (answers) => plannedPaths(answers, preset), preset);
  else refuseNonEmptyTarget(target, Boolean(values.force));
  const { runNewProject } = await loadNewCommand();
  await runNewProject(target, {
    yes: Boolean(values.yes),
    force: Boolean(values.force),
    skipInstall: Boolean(values['skip-install']),
    answersFromFile,
    ...(presetSpec !== undefined ? { preset: presetSpec } : {}),
  });
  return 0;
}

async function runRetrofit(args: string[]): Promise<number> {
  const { retrofitCommand } = await import('./retrofit/command.js');
  return retrofitCommand(args);
}

async function runAudit(args: string[]): Promise<number> {
  const { auditCommand } = await import('./audit/command.js');
  return auditCommand(args);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    case '-v':
    case '--version':
      io.out(packageVersion());
      return 0;
    case 'new':
      return runNew(rest);
    case 'audit':
      return runAudit(rest);
    case 'retrofit':
      return runRetrofit(rest);
    case 'update':
      return (await import('./update/command.js')).updateCommand(rest, io.out);
    case 'check-update':
      return (await import('./update/command.js')).checkUpdateCommand(rest, io.out);
    default:
      throw new UsageError(`unknown command "${command}": use new, audit, retrofit, update or check-update (see hardened-flask --help)`);
  }
}

/** Exit code 130 and one line for Ctrl-C at a prompt (inquirer rejects instead of signalling). */
const PROMPT_CLOSED = new Set(['ExitPromptError', 'AbortPromptError']);

/**
 * One line for every error; under it, for a failure of the work, the tool's own last lines and
 * what to do next. The bundle has its own copies of the error classes: names decide, not classes.
 */
function report(error: unknown, debug: boolean): number {
  const name = (error as Error)?.name ?? '';
  if (PROMPT_CLOSED.has(name)) {
    io.err('hardened-flask: interrupted; nothing was written');
    return 130;
  }
  const usage = error instanceof UsageError || name === 'UsageError' || name === 'AnswerError';
  const message = error instanceof Error ? error.message : String(error);
  io.err(`hardened-flask: ${message.split('\n')[0]}`);
  const work = error as Partial<WorkError>;
  for (const line of Array.isArray(work.detail) ? work.detail : []) io.err(`  | ${line}`);
  if (debug && error instanceof Error && error.stack) io.err(error.stack);
  else if (typeof work.hint === 'string') io.err(work.hint);
  else if (!usage) io.err('(run again with --debug for details)');
  return usage ? 2 : 1;
}

const argv = process.argv.slice(2);
const debug = argv.includes('--debug');
main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    const { removeLiveStagingDirs } = await import('./lib/staging.js');
    removeLiveStagingDirs();
    process.exitCode = report(error, debug);
  },
);
