// Small helpers shared by the bench sections: processes, ports, statistics, formatting.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

export function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Runs a command to completion; resolves with { code, stdout, stderr } (never rejects on exit code). */
export function run(command, args, { cwd, env, timeoutMs = 600_000, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    if (input !== undefined) {
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    }
  });
}

/** Like run(), but throws with the tail of stderr when the exit code is not 0. */
export async function mustRun(command, args, options = {}) {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${(result.stderr || result.stdout).slice(-3000)}`);
  }
  return result;
}

const started = new Set();
process.once('exit', () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * Starts a long-running server process with its output going to `logFile` (an fd opened by the
 * caller, or 'ignore'). stop() sends SIGTERM, then SIGKILL after 10 s. Only processes started
 * here are ever signalled, by their own pid.
 */
export function startServer(command, args, { cwd, env, stdout = 'ignore', stderr = 'ignore' } = {}) {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', stdout, stderr] });
  started.add(child);
  const exited = new Promise((done) => child.once('exit', () => done()));
  return {
    child,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      started.delete(child);
    },
  };
}

/** A TCP port on 127.0.0.1 that is free right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `check()` resolves truthy; throws after timeoutMs or when `server` died. */
export async function waitFor(what, check, { timeoutMs = 30_000, server } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server && !server.alive()) throw new Error(`${what}: the process exited before it was ready`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(150);
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export const median = (values) => percentile(values, 50);

// ---------------------------------------------------------------------------------------------
// Formatting

export const ms = (seconds) => `${(seconds * 1000).toFixed(seconds < 0.1 ? 1 : 0)} ms`;
export const ratio = (value) => `${value.toFixed(value < 10 ? 2 : 1)}×`;
export const pct = (value) => `${(value * 100).toFixed(1)} %`;
export const int = (value) => Math.round(value).toLocaleString('en-US');

/** A Markdown table from a header row and rows of cells. */
export function table(header, rows, align) {
  const sep = header.map((_, i) => ((align?.[i] ?? 'r') === 'l' ? ':---' : '---:'));
  return [header, sep, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// CPU time of a process tree, from /proc (Linux). On a shared machine, the CPU a server spends
// per request is a steadier figure than requests/s, which also depends on what else runs.

const TICK = 100; // USER_HZ: /proc reports clock ticks of 1/100 s on Linux

function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): ppid = field 4, utime..cstime = fields 14..17
    return { ppid: Number(fields[1]), self: Number(fields[11]) + Number(fields[12]), children: Number(fields[13]) + Number(fields[14]) };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used so far by `pids` and all their descendants, including descendants that have
 * exited and been reaped (counted in their parent's cutime/cstime, e.g. gunicorn workers
 * recycled by max_requests).
 */
export function treeCpuSeconds(pids) {
  const stats = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat) stats.set(Number(entry), stat);
  }
  const inTree = new Set(pids);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, stat] of stats) {
      if (!inTree.has(pid) && inTree.has(stat.ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  let ticks = 0;
  for (const pid of inTree) {
    const stat = stats.get(pid);
    if (stat) ticks += stat.self + stat.children;
  }
  return ticks / TICK;
}
