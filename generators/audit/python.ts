// Runs the stdlib-only analyser (python/analyse.py) on a list of files. The interpreter runs in
// isolated mode (-I: no PYTHON* variables, no user site, no script or current folder on
// sys.path) and with -B, from the helper's own folder, so nothing from the audited project can
// be imported and nothing is written next to it.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { PythonResult } from './model.js';

export const PYTHON_PROTOCOL = 1;

/** Raised when the helper cannot run at all; the command turns it into exit code 2. */
export class AnalyserUnavailable extends Error {
  override name = 'AnalyserUnavailable';
}

/**
 * Where analyse.py is. tsc emits only .js, so from dist/generators/audit/ the file is found in the
 * package's generators/audit/python/ (shipped through package.json "files"); from the sources
 * (vitest) it sits beside this module.
 */
export function helperPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, 'python', 'analyse.py'),
    path.resolve(here, '..', '..', '..', 'generators', 'audit', 'python', 'analyse.py'),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new AnalyserUnavailable(`the audit's Python helper is missing (looked in ${candidates.join(', ')})`);
  return found;
}

/** The interpreter: HARDENED_FLASK_PYTHON if set, else python3 from PATH. */
export function pythonCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.HARDENED_FLASK_PYTHON?.trim() || 'python3';
}

export interface AnalyseRequest {
  root: string;
  python: string[];
  templates: string[];
  maxBytes: number;
}

/** Files per analyser process before the work is split across processes (one per core, at most 4). */
export const FILES_PER_PROCESS = 400;

export async function runAnalyser(request: AnalyseRequest, env: NodeJS.ProcessEnv = process.env): Promise<PythonResult> {
  const total = request.python.length + request.templates.length;
  const processes = Math.max(1, Math.min(4, availableParallelism(), Math.ceil(total / FILES_PER_PROCESS)));
  if (processes === 1) return runOne(request, env);
  const shard = <T>(list: T[], index: number) => list.filter((_, i) => i % processes === index);
  const parts = await Promise.all(
    Array.from({ length: processes }, (_, index) =>
      runOne({ ...request, python: shard(request.python, index), templates: shard(request.templates, index) }, env),
    ),
  );
  const byPath = <T extends { path: string }>(list: T[]) => list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    ...parts[0]!,
    files: byPath(parts.flatMap((p) => p.files)),
    templates: byPath(parts.flatMap((p) => p.templates)),
  };
}

async function runOne(request: AnalyseRequest, env: NodeJS.ProcessEnv): Promise<PythonResult> {
  const script = helperPath();
  const python = pythonCommand(env);
  let stdout: string;
  try {
    const result = await execa(python, ['-I', '-B', script], {
      input: JSON.stringify(request),
      cwd: path.dirname(script),
      env: { HARDENED_FLASK_AUDIT_NO_JINJA: env.HARDENED_FLASK_AUDIT_NO_JINJA ?? '', PYTHONIOENCODING: 'utf-8' },
      extendEnv: true,
      maxBuffer: 512 * 1024 * 1024,
      stripFinalNewline: true,
    });
    stdout = result.stdout;
  } catch (error) {
    const e = error as { code?: string; stderr?: string; shortMessage?: string };
    if (e.code === 'ENOENT') {
      throw new AnalyserUnavailable(`${python} was not found; install Python 3.8+ or set HARDENED_FLASK_PYTHON to an interpreter`);
    }
    const last = (e.stderr ?? '').trim().split('\n').pop() || e.shortMessage || 'unknown error';
    throw new AnalyserUnavailable(`the Python analyser failed: ${last}`);
  }
  let parsed: PythonResult;
  try {
    parsed = JSON.parse(stdout) as PythonResult;
  } catch {
    throw new AnalyserUnavailable('the Python analyser printed something that is not JSON');
  }
  if (parsed.protocol !== PYTHON_PROTOCOL) {
    throw new AnalyserUnavailable(`the Python analyser speaks protocol ${parsed.protocol}, expected ${PYTHON_PROTOCOL}`);
  }
  return parsed;
}
