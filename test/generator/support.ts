// Runs the compiled app generator in-process with yeoman-test and reads what it wrote.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import helpers from 'yeoman-test';
import type { Answers } from '../../generators/lib/answers.js';
import { REPO_ROOT } from '../support/project.js';

export const APP_GENERATOR = join(REPO_ROOT, 'dist', 'generators', 'app', 'index.js');

/**
 * Generates into `<tmp>/<name>` with `--yes --skip-install --answers` and returns the project
 * folder. yeoman-test removes it at the next run unless `keep` is set: then the caller removes it.
 */
export async function runApp(name: string, answers: Partial<Answers> = {}, { keep = false } = {}): Promise<string> {
  let target = '';
  await helpers
    .run(APP_GENERATOR, keep ? { autoCleanup: false } : undefined)
    .inTmpDir((dir) => {
      writeFileSync(join(dir, 'answers.json'), JSON.stringify(answers));
      target = join(dir, name);
    })
    .withArguments([name])
    .withOptions({ yes: true, skipInstall: true, answers: 'answers.json' } as never);
  return target;
}

/** Every file below `dir`, relative, sorted, with its contents. */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder).sort()) {
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

/** Compiles every given Python file with the real interpreter; returns the errors. */
export function pythonCompileErrors(dir: string, files: string[]): string {
  const program = [
    'import sys',
    'errors = []',
    'for path in sys.argv[1:]:',
    '    try:',
    '        compile(open(path, encoding="utf-8").read(), path, "exec")',
    '    except SyntaxError as error:',
    '        errors.append(f"{path}: {error}")',
    'print("\\n".join(errors))',
  ].join('\n');
  return execFileSync('python3', ['-c', program, ...files], { cwd: dir, encoding: 'utf8' }).trim();
}

/**
 * Makes the generator see a terminal for each test of the calling suite: yeoman-test's adapter
 * answers the prompts, and the generator only checks that stdin is a TTY before asking.
 */
export function pretendTerminal(): void {
  const wasTty = process.stdin.isTTY;
  beforeEach(() => {
    process.stdin.isTTY = true;
  });
  afterEach(() => {
    process.stdin.isTTY = wasTty;
  });
}

/**
 * ruff, as CI installs it (`python3 -m pip install ruff==X` in .ci/run), or undefined with the
 * reason printed. Under CI=true a missing ruff fails the run instead (missingTools' rule).
 */
export function ruffCommand(suite: string): string[] | undefined {
  try {
    execFileSync('python3', ['-m', 'ruff', '--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return ['python3', '-m', 'ruff'];
  } catch {
    const reason = `${suite}: skipped, ruff is not installed for python3 (.ci/run: python3 -m pip install ruff)`;
    if (process.env.CI === 'true') throw new Error(`${reason}, but CI=true requires it`);
    console.warn(`SKIP ${reason}`);
    return undefined;
  }
}

export const ruffVersion = (ruff: string[]): string =>
  execFileSync(ruff[0]!, [...ruff.slice(1), '--version'], { encoding: 'utf8' }).trim().replace(/^ruff\s+/, '');

/**
 * `ruff check` and `ruff format --check` over many rendered projects in one run each (every
 * project's own pyproject.toml configures its files). Returns what ruff reported, '' when clean.
 */
export function ruffProblems(ruff: string[], dirs: string[]): string {
  const run = (args: string[]): string => {
    try {
      execFileSync(ruff[0]!, [...ruff.slice(1), ...args, ...dirs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return '';
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      return `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message;
    }
  };
  return [run(['check', '--no-cache', '--output-format', 'concise']), run(['format', '--check', '--no-cache'])].filter(Boolean).join('\n');
}
