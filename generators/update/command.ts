// `hardened-flask update [dir]` and `hardened-flask check-update [dir]`: argument parsing and the
// Yeoman run. Usage errors are decided here, before yeoman-environment is loaded.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError } from '../lib/errors.js';
import { packageVersion } from '../lib/paths.js';
import type { UpdateOutcome } from './index.js';

export const UPDATE_USAGE = `Usage: hardened-flask update [dir] [options]

Brings a project made by hardened-flask (new or retrofit) to the newest template, keeping every
edit of yours: files you did not change get the new version, files only you changed stay yours,
files both changed are merged 3-way (git merge-file); conflicts get standard markers labelled
yours / last generated / new template. Files you deleted stay deleted; files the template dropped
are removed only if unchanged; .env and other write-once files are never touched. The project's
tests run after the update; if they fail, every file is put back. The new version, answers and
hashes are recorded in .hardened-flask/manifest.json and .yo-rc.json.

Options:
  --to VERSION            version to update to (default: this package, ${packageVersion()})
  --from PATH|VERSION     the base: the package (unpacked, or a built checkout) or version the
                          project was generated with; required for projects made before 0.2.0
  --answers FILE          JSON file with answers to change while updating, e.g. {"ci": "both"}
  --preset SPEC           adopt or switch to a preset (file, folder or installed package); by
                          default the project's recorded preset is followed to its newest version
  --preset-from SPEC      the preset version the project records, for 3-way merges of its files
  --dry-run               print the plan and the diff, write nothing
  --yes                   apply every change without asking (required without a terminal)
  --conflict inline|rej   inline: markers in the file (default); rej: yours kept, hunks in FILE.rej
  --allow-dirty           update a tree with uncommitted changes (backups in .hardened-flask/backups/)
  --test-cmd CMD          shell command that runs the project's tests (default: .venv/bin/python -m pytest -q)
  --no-tests              do not run the project's tests after updating
  --skip-install          do not pip install changed dependencies into .venv
  --debug                 show stack traces
  -h, --help              show this help

Exit codes: 0 updated or already current, 1 conflicts left to resolve or tests failed (rolled back), 2 bad usage.`;

export const CHECK_USAGE = `Usage: hardened-flask check-update [dir] [--json]

Says whether the project is behind this package (${packageVersion()}): the version it records, and
the files whose generated contents the new version changes (from the project's ownership record).

Options:
  --json        machine-readable: {"project", "recorded", "latest", "current", "files", "preset"}
              (a newer version of the project's recorded preset is an update too)
  -h, --help    show this help

Exit codes: 0 current, 1 a newer version exists (or the project records none), 2 bad usage.`;

type Spec = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

function parse(args: string[], options: Spec) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split(/\.\s|\n/)[0]!} (see --help)`);
  }
}

function helpOrVersion(help: boolean, usage: string, out: (text: string) => void): number {
  out(help ? usage : packageVersion());
  return 0;
}

function projectDir(positionals: string[], command: string): string {
  if (positionals.length > 1) throw new UsageError(`${command} takes at most one folder: hardened-flask ${command} [dir]`);
  const dir = resolve(positionals[0] ?? '.');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a folder`);
  return dir;
}

export async function updateCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parse(args, {
    to: { type: 'string' },
    from: { type: 'string' },
    answers: { type: 'string' },
    preset: { type: 'string' },
    'preset-from': { type: 'string' },
    'dry-run': { type: 'boolean' },
    yes: { type: 'boolean' },
    conflict: { type: 'string' },
    'allow-dirty': { type: 'boolean' },
    'test-cmd': { type: 'string' },
    'no-tests': { type: 'boolean' },
    'skip-install': { type: 'boolean' },
    debug: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  });
  if (values.help || values.version) return helpOrVersion(Boolean(values.help), UPDATE_USAGE, out);
  const dir = projectDir(positionals, 'update');
  if (values['test-cmd'] !== undefined && values['no-tests']) throw new UsageError('--test-cmd and --no-tests contradict each other: pass one');
  const options = {
    conflict: (values.conflict as string | undefined) ?? 'inline',
    yes: Boolean(values.yes),
    dryRun: Boolean(values['dry-run']),
    allowDirty: Boolean(values['allow-dirty']),
    ...(values.to ? { to: values.to as string } : {}),
    ...(values.from ? { from: values.from as string } : {}),
    ...(values.answers ? { answers: values.answers as string } : {}),
    ...(values.preset !== undefined ? { preset: values.preset as string } : {}),
    ...(values['preset-from'] !== undefined ? { presetFrom: values['preset-from'] as string } : {}),
  };
  // Decided before Yeoman loads, so bad input is one line on stderr and nothing is written.
  const { prepareUpdate } = await import('./plan.js');
  const plan = await prepareUpdate(dir, process.cwd(), options);
  const [{ runGenerator }, { default: UpdateGenerator }] = await Promise.all([import('../lib/run-generator.js'), import('./index.js')]);
  let outcome: UpdateOutcome | undefined;
  await runGenerator(UpdateGenerator, 'hardened-flask:update', fileURLToPath(new URL('./index.js', import.meta.url)), [dir], {
    ...options,
    plan,
    tests: !values['no-tests'],
    skipInstall: Boolean(values['skip-install']),
    ...(values['test-cmd'] ? { testCmd: values['test-cmd'] } : {}),
    print: out,
    onOutcome: (result: UpdateOutcome) => {
      outcome = result;
    },
  });
  return outcome && ['current', 'updated', 'dry-run'].includes(outcome.status) ? 0 : 1;
}

export async function checkUpdateCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parse(args, {
    json: { type: 'boolean' },
    debug: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  });
  if (values.help || values.version) return helpOrVersion(Boolean(values.help), CHECK_USAGE, out);
  const dir = projectDir(positionals, 'check-update');
  const { checkForUpdate, checkText } = await import('./check.js');
  const result = await checkForUpdate(dir);
  out(values.json ? JSON.stringify(result, null, 2) : checkText(result));
  return result.current ? 0 : 1;
}
