// Runs the stdlib-only analyser (python/analyse.py) on a list of files. The interpreter runs in
// isolated mode (-I: no PYTHON* variables, no user site, no script or current folder on
// sys.path) and with -B, from the helper's own folder, so nothing from the audited project can
// be imported and nothing is written next to it.
// The process is started before the tree is walked (startAnalyser) and loads its modules while
// it waits for the request, so the interpreter's start-up overlaps the walk. node:child_process,
// not execa: execa's module graph alone took about a tenth of a second to load.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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

/**
 * Files per analyser process before the work is split across processes (one per core, at most
 * 4). Each process costs an interpreter start-up and the imports (about 0.1 s of CPU), and on a
 * shared 2-core machine a second process mostly competes with the first: one process does a
 * few thousand files in well under a second.
 */
export const FILES_PER_PROCESS = 4000;

/** An analyser process started ahead of its request. */
export interface Analyser {
  /** Sends the request (once) and resolves with the helper's result. */
  analyse(request: AnalyseRequest): Promise<PythonResult>;
  /** Stops the process if no request was sent (an audit that failed before it needed one). */
  cancel(): void;
}

/**
 * Starts the helper now; it imports its modules (ast, jinja2) and then waits on standard input.
 * Failures (no interpreter, no helper) surface when `analyse` is called. Until then the process
 * does not keep Node running, so an audit that stops early never waits for it.
 */
export function startAnalyser(env: NodeJS.ProcessEnv = process.env): Analyser {
  const python = pythonCommand(env);
  let child: ChildProcess | undefined;
  let failure: unknown;
  let sent = false;
  try {
    const script = helperPath();
    child = spawn(python, ['-I', '-B', script], {
      cwd: path.dirname(script),
      env: { ...process.env, HARDENED_FLASK_AUDIT_NO_JINJA: env.HARDENED_FLASK_AUDIT_NO_JINJA ?? '', PYTHONIOENCODING: 'utf-8' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    failure = error;
  }
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let spawnError: NodeJS.ErrnoException | undefined;
  const done = child
    ? new Promise<number | null>((resolve) => {
        child.on('error', (error: NodeJS.ErrnoException) => {
          spawnError ??= error;
          resolve(null);
        });
        child.on('close', (code) => resolve(code));
        child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
        child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
        // A helper that exits before reading (no interpreter) closes the pipe: reported by 'close'.
        child.stdin!.on('error', () => undefined);
      })
    : Promise.resolve(null);
  const hold = (keep: boolean) => {
    for (const handle of [child, child?.stdin, child?.stdout, child?.stderr] as ({ ref(): void; unref(): void } | null | undefined)[]) {
      if (handle) keep ? handle.ref() : handle.unref();
    }
  };
  hold(false);
  return {
    async analyse(request) {
      if (sent) throw new Error('an analyser process takes one request');
      sent = true;
      if (!child) throw failure instanceof AnalyserUnavailable ? failure : new AnalyserUnavailable(`the Python analyser could not start: ${(failure as Error)?.message ?? failure}`);
      hold(true);
      child.stdin!.end(JSON.stringify(request));
      const code = await done;
      if (spawnError?.code === 'ENOENT') {
        throw new AnalyserUnavailable(`${python} was not found; install Python 3.8+ or set HARDENED_FLASK_PYTHON to an interpreter`);
      }
      if (spawnError || code !== 0) {
        const last = Buffer.concat(stderr).toString('utf8').trim().split('\n').pop()
          || (spawnError ? spawnError.message : `${python} exited with ${code === null ? 'a signal' : `code ${code}`}`);
        throw new AnalyserUnavailable(`the Python analyser failed: ${last}`);
      }
      let parsed: PythonResult;
      try {
        parsed = JSON.parse(Buffer.concat(stdout).toString('utf8')) as PythonResult;
      } catch {
        throw new AnalyserUnavailable('the Python analyser printed something that is not JSON');
      }
      if (parsed.protocol !== PYTHON_PROTOCOL) {
        throw new AnalyserUnavailable(`the Python analyser speaks protocol ${parsed.protocol}, expected ${PYTHON_PROTOCOL}`);
      }
      return parsed;
    },
    cancel() {
      if (sent || !child) return;
      sent = true;
      child.kill();
    },
  };
}

/**
 * Analyses the files, in `started` (a process from startAnalyser) when given and, for a tree
 * larger than FILES_PER_PROCESS, in further processes for the other shares.
 */
export async function runAnalyser(request: AnalyseRequest, env: NodeJS.ProcessEnv = process.env, started?: Analyser): Promise<PythonResult> {
  const total = request.python.length + request.templates.length;
  const processes = Math.max(1, Math.min(4, availableParallelism(), Math.ceil(total / FILES_PER_PROCESS)));
  const first = started ?? startAnalyser(env);
  if (processes === 1) return first.analyse(request);
  const shard = <T>(list: T[], index: number) => list.filter((_, i) => i % processes === index);
  const parts = await Promise.all(
    Array.from({ length: processes }, (_, index) =>
      (index === 0 ? first : startAnalyser(env)).analyse({ ...request, python: shard(request.python, index), templates: shard(request.templates, index) }),
    ),
  );
  const byPath = <T extends { path: string }>(list: T[]) => list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    ...parts[0]!,
    files: byPath(parts.flatMap((p) => p.files)),
    templates: byPath(parts.flatMap((p) => p.templates)),
  };
}
