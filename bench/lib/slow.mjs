// Section 3: 100 slow-header clients against gunicorn alone and against the nginx stack, while
// a probe sends legitimate requests. Both stacks run exactly as generated (rate limits on: the
// probe's 5 requests/s is under the 30 r/s zone, and a request whose headers never end is never
// counted by limit_req).
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { directHeaders, startGunicorn, startNginxStack, withDefaultServerHeaderTimeout } from './stack.mjs';
import { MAX_SECONDS, MAX_SOCKETS, probeLoop, slowClients } from './slowclients.mjs';
import { log, sleep } from './util.mjs';

export async function slowBench({ project, prefix, sockets = MAX_SOCKETS, seconds = MAX_SECONDS, baselineSeconds = 5, probeEveryMs = 200, probeTimeoutMs = 5_000 }) {
  const rampSeconds = 3;
  // Probes start after the ramp and stop early enough that the last one times out before the
  // slow clients go away, so no probe is served thanks to their departure.
  const probeSeconds = seconds - rampSeconds - probeTimeoutMs / 1000 - 1;
  const targets = [
    {
      name: 'gunicorn',
      start: async () => {
        const g = await startGunicorn(project, join(prefix, 'gunicorn'));
        return { stop: g.stop, target: { port: g.port, tls: false, domain: project.domain, headers: directHeaders(project) } };
      },
    },
    {
      name: 'nginx',
      start: async () => {
        const s = await startNginxStack(project, join(prefix, 'nginx'), { rateLimits: true });
        return { stop: s.stop, target: { port: s.httpsPort, tls: true, domain: project.domain, caPem: s.caPem, headers: { Host: project.domain } } };
      },
    },
  ];
  // While the generated default_server block lacks client_header_timeout, nginx holds a slow
  // client for its 60 s default rather than the site's 10 s; a third run shows the proposed fix.
  const generatedSite = readFileSync(join(project.projectDir, 'deploy', 'nginx', `${project.serviceName}.conf`), 'utf8');
  const needsFix = withDefaultServerHeaderTimeout(generatedSite) !== null;
  if (needsFix) {
    targets.push({
      name: 'nginx+fix',
      start: async () => {
        const s = await startNginxStack(project, join(prefix, 'nginx-fix'), { rateLimits: true, patchSite: withDefaultServerHeaderTimeout });
        return { stop: s.stop, target: { port: s.httpsPort, tls: true, domain: project.domain, caPem: s.caPem, headers: { Host: project.domain } } };
      },
    });
  }
  const out = [];
  for (const { name, start } of targets) {
    log(`slow clients: starting ${name}`);
    const { stop, target } = await start();
    try {
      const baseline = await probeLoop(target, { seconds: baselineSeconds, everyMs: probeEveryMs, timeoutMs: probeTimeoutMs });
      log(`slow clients: ${name}, ${sockets} slow sockets for ${seconds} s, probing for ${probeSeconds} s`);
      const attackStart = Date.now();
      const attack = slowClients(target, { sockets, seconds });
      await sleep(rampSeconds * 1000);
      const openAtProbeStart = attack.openNow();
      const underLoad = await probeLoop(target, { seconds: probeSeconds, everyMs: probeEveryMs, timeoutMs: probeTimeoutMs });
      // Keep the slow clients for their whole duration, so "closed by server" counts compare.
      await sleep(Math.max(0, seconds * 1000 - 200 - (Date.now() - attackStart)));
      const slow = await attack.stop();
      out.push({ server: name, baseline, underLoad, slow: { ...slow, openAtProbeStart } });
    } finally {
      await stop();
    }
  }
  return { finished: new Date().toISOString(), defaultServerHeaderTimeout: !needsFix, sockets, seconds, probeSeconds, probeEveryMs, probeTimeoutMs, rampSeconds, targets: out };
}
