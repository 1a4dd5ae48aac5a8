// Section 2: the served stack under load (wrk, GET /, loopback): Flask dev server vs gunicorn
// with the generated config vs nginx TLS -> gunicorn. The nginx throughput runs use the site
// with its limit_req lines commented out (all load comes from one address, 127.0.0.1, and the
// generated 30 r/s per-address limit would answer nearly everything with 429); one extra short
// run with the site exactly as generated shows what the limit does to the same load.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { directHeaders, startDevServer, startGunicorn, startNginxStack } from './stack.mjs';
import { log, sleep, treeCpuSeconds } from './util.mjs';
import { wrk } from './wrk.mjs';

const bootCount = (file) => {
  try {
    return (readFileSync(file, 'utf8').match(/Booting worker/g) ?? []).length;
  } catch {
    return 0;
  }
};

export async function servedBench({ project, prefix, connections = [16, 64], seconds = 5, rounds = 4, warmupSeconds = 2, limitedSeconds = 5 }) {
  // All three servers run at once (an idle server costs nothing) so that the runs can be
  // interleaved: round 1 in one order, round 2 in the reverse one, which spreads drift in the
  // machine's load over every configuration. Round r runs the plan forwards when r is even and
  // backwards when it is odd.
  log('served: starting the dev server, gunicorn and the nginx stack');
  const servers = [];
  try {
    servers.push(await startDevServer(project, join(prefix, 'dev')));
    servers.push(await startGunicorn(project, join(prefix, 'gunicorn')));
    servers.push(await startNginxStack(project, join(prefix, 'nginx'), { rateLimits: false }));
    const plan = [];
    for (const c of connections) for (const server of servers) plan.push({ server, c });
    for (const { server, c } of plan) {
      await wrk(server.url, { connections: c, seconds: warmupSeconds, headers: server.direct ? directHeaders(project) : {} });
    }
    const raw = [];
    for (let round = 0; round < rounds; round += 1) {
      for (const { server, c } of round % 2 === 0 ? plan : [...plan].reverse()) {
        const gunicornLog = server.logFile ?? server.gunicorn?.logFile;
        const bootsBefore = gunicornLog ? bootCount(gunicornLog) : 0;
        log(`served: ${server.name}, ${c} connections, ${seconds} s (round ${round + 1}/${rounds})`);
        // Behind nginx, gunicorn's share of the stack's CPU on its own (nginx's is the rest).
        const gunicornPids = server.gunicorn?.pids;
        const gunicornBefore = gunicornPids ? treeCpuSeconds(gunicornPids) : 0;
        const r = await wrk(server.url, { connections: c, seconds, headers: server.direct ? directHeaders(project) : {}, cpuPids: server.pids });
        r.gunicornCpuMsPerRequest = gunicornPids ? ((treeCpuSeconds(gunicornPids) - gunicornBefore) * 1000) / r.requests : null;
        r.workerBoots = gunicornLog ? bootCount(gunicornLog) - bootsBefore : null;
        raw.push({ server: server.name, connections: c, round, ...r });
        await sleep(500);
      }
    }
    const runs = plan.map(({ server, c }) => {
      const mine = raw.filter((r) => r.server === server.name && r.connections === c);
      const mean = (key) => mine.reduce((sum, r) => sum + r[key], 0) / mine.length;
      const total = (key) => mine.reduce((sum, r) => sum + (r[key] ?? 0), 0);
      return {
        server: server.name,
        connections: c,
        rps: mean('rps'),
        rpsRounds: mine.map((r) => r.rps),
        p50Ms: mean('p50Ms'),
        p99Ms: mean('p99Ms'),
        p99MsRounds: mine.map((r) => r.p99Ms),
        // Total server CPU over total requests, all rounds.
        serverCpuMsPerRequest: mine.reduce((sum, r) => sum + r.serverCpuMsPerRequest * r.requests, 0) / total('requests'),
        gunicornCpuMsPerRequest: server.gunicorn ? mine.reduce((sum, r) => sum + r.gunicornCpuMsPerRequest * r.requests, 0) / total('requests') : null,
        requests: total('requests'),
        non2xx3xx: total('non2xx3xx'),
        socketErrors: total('socketErrors'),
        workerBoots: server.name === 'dev' ? null : total('workerBoots'),
        command: mine[0].command,
      };
    });
    await Promise.all(servers.splice(0).map((s) => s.stop()));

    // The same load against the site as generated (rate limits on), for contrast.
    log(`served: nginx with the generated rate limits, 16 connections, ${limitedSeconds} s`);
    const limited = await startNginxStack(project, join(prefix, 'nginx-limited'), { rateLimits: true });
    let limitedRun;
    try {
      limitedRun = { server: 'nginx (rate limits as generated)', connections: 16, seconds: limitedSeconds, ...(await wrk(limited.url, { connections: 16, seconds: limitedSeconds })) };
    } finally {
      await limited.stop();
    }
    return { finished: new Date().toISOString(), seconds, rounds, warmupSeconds, runs, raw, limitedRun };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
