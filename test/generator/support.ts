// Runs the compiled app generator in-process with yeoman-test and reads what it wrote.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import helpers from 'yeoman-test';
import type { Answers } from '../../generators/lib/answers.js';
import { REPO_ROOT } from '../support/project.js';

export const APP_GENERATOR = join(REPO_ROOT, 'dist', 'generators', 'app', 'index.js');

/** Generates into `<tmp>/<name>` with `--yes --skip-install --answers` and returns the project folder. */
export async function runApp(name: string, answers: Partial<Answers> = {}): Promise<string> {
  let target = '';
  await helpers
    .run(APP_GENERATOR)
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
