// Runs the stdlib-only edit engine (python/edit.py) the same way the audit runs its analyser:
// isolated interpreter, from the helper's own folder, nothing of the project imported.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { AnalyserUnavailable, pythonCommand } from '../audit/python.js';
import type { LineChange } from './text-edits.js';

export const EDIT_PROTOCOL = 1;

export interface EditedFile {
  path: string;
  /** The new text, or null when the file needs no change (or could not be read or parsed). */
  text: string | null;
  changes: (LineChange & { fixer: string })[];
  error: string | null;
}

export interface AppShape {
  file: string;
  var: string;
  /** The factory function's name, or null for an app built at module level. */
  factory: string | null;
  line: number;
  module: string;
  /** The dotted package holding the app ('' for a top-level module). */
  package: string;
  packageDir: string;
  hardened: boolean;
  /** No config.py beside the app yet: the retrofit may add its config classes there. */
  configFree: boolean;
  importLine: string;
}

export interface Finding {
  file: string;
  line: number;
  what: string;
}

export interface EditResult {
  protocol: number;
  files: EditedFile[];
  app: AppShape | null;
  csp: Record<string, string[]>;
  blockers: Finding[];
  human: Finding[];
}

export interface EditRequest {
  root: string;
  python: string[];
  templates: string[];
  only: string[];
  /** Whether static JS sends unsafe requests without a token (from the audit's facts). */
  ajax: boolean;
  /** The audit found no production/development config split: add one. */
  configSplit: boolean;
}

export function editorPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'python', 'edit.py'), path.resolve(here, '..', '..', '..', 'generators', 'retrofit', 'python', 'edit.py')];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new AnalyserUnavailable(`the retrofit's Python helper is missing (looked in ${candidates.join(', ')})`);
  return found;
}

export async function runEditor(request: EditRequest, env: NodeJS.ProcessEnv = process.env): Promise<EditResult> {
  const script = editorPath();
  const python = pythonCommand(env);
  let stdout: string;
  try {
    const result = await execa(python, ['-I', '-B', script], {
      input: JSON.stringify(request),
      cwd: path.dirname(script),
      env: { PYTHONIOENCODING: 'utf-8' },
      maxBuffer: 256 * 1024 * 1024,
      stripFinalNewline: true,
    });
    stdout = result.stdout;
  } catch (error) {
    const e = error as { code?: string; stderr?: string; shortMessage?: string };
    if (e.code === 'ENOENT') throw new AnalyserUnavailable(`${python} was not found; install Python 3.8+ or set HARDENED_FLASK_PYTHON`);
    const last = (e.stderr ?? '').trim().split('\n').pop() || e.shortMessage || 'unknown error';
    throw new AnalyserUnavailable(`the retrofit's Python helper failed: ${last}`);
  }
  const parsed = JSON.parse(stdout) as EditResult;
  if (parsed.protocol !== EDIT_PROTOCOL) throw new AnalyserUnavailable(`the retrofit's Python helper speaks protocol ${parsed.protocol}`);
  return parsed;
}
