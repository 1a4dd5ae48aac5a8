// The optional install step of a new project: git init, a .venv, and the project installed
// editable with its dev tools. A failure leaves the project in place and says how to retry.
import { join } from 'node:path';

export class InstallError extends Error {
  override name = 'InstallError';
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
    try {
      await execa(step.command, step.args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      const detail = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' | ') ?? '';
      throw new InstallError(
        `install step "${step.label}" failed${detail ? ` (${detail})` : ''}; the project is in place, retry with: ${retryHint(dir, steps.slice(index))}`,
      );
    }
  }
  log('Installed. Next: cd ' + dir + ' && .venv/bin/pytest');
}
