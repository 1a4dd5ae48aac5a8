// The optional install step of a new project: git init, a .venv, and the project installed
// editable with its dev tools. A failure leaves the project in place and says how to retry.
import { join } from 'node:path';
import { WorkError } from './errors.js';
import { setInterruptNote } from './staging.js';

export class InstallError extends WorkError {
  override name = 'InstallError';
}

/** How many of a failing tool's last output lines are shown (pip ends with "see above"). */
export const TOOL_LINES = 15;

/** The last meaningful lines of a tool's output, for showing under the one-line error. */
export function lastLines(output: string, count = TOOL_LINES): string[] {
  return output
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .slice(-count);
}

export interface InstallStep {
  label: string;
  command: string;
  args: string[];
}

/** The steps, as data, so the retry hint and the run cannot disagree. */
export function installSteps(python = 'python3'): InstallStep[] {
  return [
    { label: 'git init', command: 'git', args: ['init', '--quiet'] },
    { label: 'create .venv', command: python, args: ['-m', 'venv', '.venv'] },
    { label: 'pip install -e .[dev]', command: join('.venv', 'bin', 'pip'), args: ['install', '--quiet', '--disable-pip-version-check', '-e', '.[dev]'] },
  ];
}

/** Quotes a word for POSIX shells when it holds anything a shell would expand (`.[dev]` globs in zsh). */
export const shellWord = (word: string): string => (/^[\w./=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

export const retryHint = (dir: string, steps: InstallStep[]): string =>
  `cd ${shellWord(dir)} && ${steps.map((step) => [step.command, ...step.args].map(shellWord).join(' ')).join(' && ')}`;

export async function installProject(dir: string, log: (line: string) => void): Promise<void> {
  const { execa } = await import('execa');
  const steps = installSteps();
  for (const [index, step] of steps.entries()) {
    log(`[${index + 1}/${steps.length}] ${step.label} ...`);
    const retry = `retry with: ${retryHint(dir, steps.slice(index))}`;
    // Ctrl-C now stops the tool too (same process group); the project stays, so say how to go on.
    setInterruptNote(`the project is in place, but "${step.label}" did not finish; ${retry}`);
    try {
      // stdout and stderr interleaved, as the tool would print them: its error is often on stdout.
      await execa(step.command, step.args, { cwd: dir, stdin: 'ignore', all: true });
    } catch (error) {
      const output = (error as { all?: string }).all ?? (error as Error).message;
      throw new InstallError(`install step "${step.label}" failed; the project is in place`, lastLines(output), retry);
    }
  }
  setInterruptNote(`the project is in place at ${dir}`);
  log('Installed. Next: cd ' + dir + ' && .venv/bin/pytest');
}
