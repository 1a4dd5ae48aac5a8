// wrk runs, bounded in time (-d) with a hard kill after duration + 20 s, loopback only.
import { fileURLToPath } from 'node:url';
import { mustRun, treeCpuSeconds } from './util.mjs';

const SCRIPT = fileURLToPath(new URL('../wrk/report.lua', import.meta.url));

/**
 * Runs wrk and returns { rps, p50Ms, p90Ms, p99Ms, requests, non2xx3xx, socketErrors, serverCpuMsPerRequest, command }.
 * With `cpuPids`, also the CPU time those processes and their descendants used during the run.
 * `headers` are sent on every request. The URL's host must resolve; report.lua connects to
 * 127.0.0.1 regardless.
 */
export async function wrk(url, { connections, seconds, threads = 2, headers = {}, timeoutS = 5, cpuPids }) {
  const args = ['-t', String(Math.min(threads, connections)), '-c', String(connections), '-d', `${seconds}s`, '--timeout', `${timeoutS}s`, '-s', SCRIPT];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  args.push(url);
  const cpuBefore = cpuPids ? treeCpuSeconds(cpuPids) : 0;
  const { stdout } = await mustRun('wrk', args, { timeoutMs: (seconds + 20) * 1000 });
  const cpuSeconds = cpuPids ? treeCpuSeconds(cpuPids) - cpuBefore : null;
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const r = JSON.parse(line.slice('BENCH_JSON '.length));
  const seconds_ = r.duration_us / 1e6;
  const socketErrors = r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout;
  return {
    rps: r.requests / seconds_,
    requests: r.requests,
    p50Ms: r.latency_us.p50 / 1000,
    p90Ms: r.latency_us.p90 / 1000,
    p99Ms: r.latency_us.p99 / 1000,
    maxMs: r.latency_us.max / 1000,
    non2xx3xx: r.errors.status,
    socketErrors,
    errorDetail: r.errors,
    // CPU the server processes (all of them: nginx, gunicorn master and workers) spent per request.
    serverCpuMsPerRequest: cpuSeconds === null ? null : (cpuSeconds * 1000) / r.requests,
    command: `wrk ${args.map((a) => (/[\s;'"]/.test(a) ? `'${a}'` : a)).join(' ')}`,
  };
}
