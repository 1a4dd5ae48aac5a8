// Section 4: what CSRF + Talisman cost. The generated app (wsgi:app) against the same app with
// both switched off (bench/py/variants.py, copied into the bench's copy of the project as
// bench_variants.py; nothing in the project is edited), both under gunicorn with the generated
// config, runs alternated on/off to spread drift in machine load; then CPU per request in-process
// (bench/py/inproc.py: WSGI calls, no server) for all four variants, and a cProfile of where
// the time goes.
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appEnv, directHeaders, startGunicorn } from './stack.mjs';
import { log, mustRun, sleep } from './util.mjs';
import { wrk } from './wrk.mjs';

const PY = (name) => fileURLToPath(new URL(`../py/${name}`, import.meta.url));

export async function securityBench({ project, prefix, connections = 16, seconds = 5, rounds = 4, batches = 25, batch = 120, profileCount = 1500 }) {
  copyFileSync(PY('variants.py'), join(project.projectDir, 'bench_variants.py'));

  log('security: gunicorn, generated app vs CSRF+Talisman off vs the stock layer (before the prebuilt headers)');
  const servers = [];
  const runs = [];
  try {
    servers.push(['on', await startGunicorn(project, join(prefix, 'on'), { app: 'wsgi:app' })]);
    servers.push(['off', await startGunicorn(project, join(prefix, 'off'), { app: 'bench_variants:app_off' })]);
    servers.push(['stock', await startGunicorn(project, join(prefix, 'stock'), { app: 'bench_variants:app_stock' })]);
    const headers = directHeaders(project);
    for (const [, server] of servers) await wrk(server.url, { connections, seconds: 2, headers });
    for (let round = 0; round < rounds; round += 1) {
      for (const [variant, server] of round % 2 === 0 ? servers : [...servers].reverse()) {
        log(`security: ${variant}, ${connections} connections, ${seconds} s (round ${round + 1}/${rounds})`);
        runs.push({ variant, round, ...(await wrk(server.url, { connections, seconds, headers, cpuPids: server.pids })) });
        await sleep(500);
      }
    }
  } finally {
    await Promise.all(servers.map(([, server]) => server.stop()));
  }
  const meanRps = (v) => runs.filter((r) => r.variant === v).reduce((s, r) => s + r.rps, 0) / rounds;
  const rpsOn = meanRps('on');
  const rpsOff = meanRps('off');
  const rpsStock = meanRps('stock');
  // gunicorn CPU (master + workers, recycled ones included) per request, over all rounds.
  const cpuPerRequest = (v) => {
    const mine = runs.filter((r) => r.variant === v);
    return mine.reduce((sum, r) => sum + r.serverCpuMsPerRequest * r.requests, 0) / mine.reduce((sum, r) => sum + r.requests, 0);
  };
  const gunicornCpu = { on: cpuPerRequest('on'), off: cpuPerRequest('off'), stock: cpuPerRequest('stock') };

  log(`security: in-process CPU per request, ${batches} batches × ${batch} requests × 5 variants × 4 kinds, plus cProfile`);
  const out = join(prefix, 'inproc.json');
  const env = appEnv(project, { PYTHONPATH: `${join(project.projectDir, 'src')}:${project.projectDir}` });
  await mustRun(join(project.venvBin, 'python'), [PY('inproc.py'), '--out', out, '--batches', String(batches), '--batch', String(batch), '--profile', '--profile-count', String(profileCount)],
    { cwd: project.projectDir, env, timeoutMs: 600_000 });
  const inproc = JSON.parse(readFileSync(out, 'utf8'));
  for (const v of Object.values(inproc.variants)) for (const k of Object.values(v)) delete k.batches_us;

  const cpu = {};
  for (const kind of Object.keys(inproc.variants.on)) {
    // The minimum batch: the figure least disturbed by other work on the machine (as timeit).
    const us = (variant) => inproc.variants[variant][kind].min_us;
    const med = (variant) => inproc.variants[variant][kind].median_us;
    cpu[kind] = {
      onUs: us('on'),
      offUs: us('off'),
      csrfOnlyUs: us('csrf'),
      talismanOnlyUs: us('talisman'),
      stockUs: us('stock'),
      stockCost: us('stock') / us('off') - 1,
      cost: us('on') / us('off') - 1,
      medianOnUs: med('on'),
      medianOffUs: med('off'),
      medianCost: med('on') / med('off') - 1,
      csrfShareUs: us('csrf') - us('off'),
      talismanShareUs: us('talisman') - us('off'),
    };
  }
  return {
    finished: new Date().toISOString(),
    connections,
    seconds,
    rounds,
    runs,
    rpsOn,
    rpsOff,
    rpsRatio: rpsOn / rpsOff,
    rpsCost: 1 - rpsOn / rpsOff,
    rpsStock,
    rpsStockCost: 1 - rpsStock / rpsOff,
    gunicornCpu,
    cpuCost: gunicornCpu.on / gunicornCpu.off - 1,
    cpuStockCost: gunicornCpu.stock / gunicornCpu.off - 1,
    stockHeaderDiffs: inproc.stock_header_diffs,
    cpu,
    inproc,
  };
}
