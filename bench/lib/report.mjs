import { readFileSync } from 'node:fs';
// Renders bench/RESULTS.md from results.json. Every figure in it comes from that file.
import { int, ms, pct, ratio, table } from './util.mjs';

const f1 = (x) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(1));
const sec = (s) => (s >= 1 ? `${s.toFixed(2)} s` : ms(s));
const load = (l) => (l ? l.map((x) => x.toFixed(2)).join(' / ') : '?');
const STACK = {
  gunicorn: 'gunicorn alone',
  nginx: 'nginx TLS → gunicorn (as generated)',
  'nginx+fix': 'nginx TLS → gunicorn + `client_header_timeout` in the default server (proposed)',
};
const SERVER = { dev: 'Flask dev server (threaded)', gunicorn: 'gunicorn, generated config', nginx: 'nginx TLS → gunicorn (unix socket)' };

function header(r) {
  const m = r.machine;
  const p = r.python ?? {};
  return `# Benchmark results

Written by \`npm run bench\` (\`bench/run.mjs\`); do not edit by hand. Raw figures: \`bench/results.json\`.
Benchmarks are not tests: nothing here gates \`npm test\`.

Last run: ${r.lastRun.finished} — sections ${r.lastRun.sections.join(', ')}, wall time **${f1(r.lastRun.wallSeconds)} s**
(\`${r.lastRun.command}\`). Sections not in the last run keep the figures of the run that measured them
(each section's date is given with it); every ratio is measured within one run of its section.

## Machine

| | |
|---|---|
| CPU | ${m.cpus} × ${m.cpuModel} |
| memory | ${m.memGiB} GiB |
| kernel | ${m.kernel} |
| tools | node ${m.node}, ${m.nginx}, ${m.openssl}, ${m.wrk}, ${m.hyperfine} |
| Python | ${p.python} (flask ${p.flask}, werkzeug ${p.werkzeug}, flask-wtf ${p['flask-wtf']}, flask-talisman ${p['flask-talisman']}, gunicorn ${p.gunicorn}, jinja2 ${p.jinja2}, itsdangerous ${p.itsdangerous}; cookiecutter ${p.cookiecutter}) |
| load average (1/5/15 min) | ${load(r.loadavg.start)} at the start, ${load(r.loadavg.end)} at the end |

Everything runs on one machine over loopback (127.0.0.1 only): load generator, nginx, gunicorn
and the app share the ${m.cpus} cores, so absolute figures are low and the ratios are the point.
A load average above ${m.cpus} means other work shared the cores during the run (this machine
is shared with other builds and test suites): it lowers requests/s, raises latencies and widens
the spreads below. The sections interleave what they compare, so ratios suffer less than
absolute figures, and the served and security sections also report server CPU per request,
which depends little on what else runs.
`;
}

function headline(r) {
  const lines = ['## Headline', ''];
  const s = r.scaffold;
  if (s) {
    s.perCli.forEach((c, i) => {
      const target = i === 0 ? ` (targets ≤ 1.0× cookiecutter and ≤ 100 MiB: ${c.newOverCookiecutter <= 1 && c.newPeakRssMb <= 100 ? 'met' : '**not met**'})` : '';
      lines.push(`- **Scaffold** (\`${c.cli}\`): \`new --yes --skip-install\` median **${sec(c.newMedian)}** = ${ratio(c.newOverNode)} \`node -e 0\` (${ms(s.nodeMedian)}) and **${ratio(c.newOverCookiecutter)} cookiecutter** (${ms(s.cookiecutterMedian)}) on the same ${s.tree.files}-file tree; peak RSS ${f1(c.newPeakRssMb)} MiB${target}.`);
      lines.push(`- **\`--help\`** (\`${c.cli}\`): ${ms(c.helpMedian)} = **${ratio(c.helpOverNode)} \`node -e 0\`**${i === 0 ? ` (target ≤ 1.3×: ${c.helpOverNode <= 1.3 ? 'met' : '**not met**'})` : ''}; \`--version\` ${ratio(c.versionOverNode)}.`);
    });
  }
  const v = r.served;
  if (v) {
    const at = (server, c) => v.runs.find((x) => x.server === server && x.connections === c);
    const g = at('gunicorn', 64);
    const n = at('nginx', 64);
    const d = at('dev', 64);
    if (g && n && d) lines.push(`- **Served stack** at 64 connections: dev server ${int(d.rps)} req/s, gunicorn ${int(g.rps)} req/s, nginx TLS → gunicorn ${int(n.rps)} req/s = **${ratio(n.rps / d.rps)} the dev server** (target ≥ 1.8×: ${n.rps / d.rps >= 1.8 ? 'met' : '**not met**'}; p99 ${f1(d.p99Ms)} / ${f1(g.p99Ms)} / ${f1(n.p99Ms)} ms).`);
  }
  const w = r.slow;
  if (w) {
    for (const t of w.targets) {
      lines.push(`- **Slow clients** (${w.sockets} slow-header sockets): ${STACK[t.server]} served **${pct(t.underLoad.share)}** of legitimate probes (${t.underLoad.served}/${t.underLoad.sent}), p99 ${f1(t.underLoad.p99Ms)} ms.`);
    }
  }
  const x = r.security;
  if (x) {
    lines.push(`- **Security layer** (CSRF + Talisman): under gunicorn ${int(x.rpsOn)} vs ${int(x.rpsOff)} req/s without it = **${pct(x.rpsCost)} fewer requests/s** (target ≤ 10 %: ${x.rpsCost <= 0.1 ? 'met' : '**not met**'})${x.gunicornCpu ? ` (gunicorn CPU per request +${pct(x.cpuCost)})` : ''}; in-process CPU per request **+${pct(x.cpu['get-first'].cost)}** (first-visit \`GET /\`), +${pct(x.cpu['get-returning'].cost)} (returning visitor), +${pct(x.cpu['post-api'].cost)} (JSON POST).`);
  }
  return lines.join('\n');
}

function scaffold(s) {
  const rows = s.results.map((x) => [
    `\`${x.name}\``,
    ms(x.median),
    `${ms(x.min)} – ${ms(x.max)}`,
    `${ms(x.p25)} – ${ms(x.p75)}`,
    ms(x.stddev),
    String(x.runs),
    f1(x.peakRssMb),
  ]);
  const ratios = s.perCli.map((c) => [
    `\`${c.cli}\``,
    ratio(c.newOverNode),
    ratio(c.newOverCookiecutter),
    ratio(c.helpOverNode),
    ratio(c.versionOverNode),
  ]);
  return `## 1. Scaffold speed

${s.quick ? '**Quick run (not for comparison).** ' : ''}Measured ${s.finished} (${f1(s.wallSeconds)} s; load average ${load(s.loadavg.before)} before, ${load(s.loadavg.after)} after).
Cold process each run (a fresh \`node\`; the OS page cache is warm after ${s.warmup} discarded round). ${s.runs} timed runs
per command, **interleaved**: ${s.runs} rounds of one hyperfine invocation each (\`--runs 1\`, every command once,
the order rotated each round), so every command's runs span the same stretch of time and load
drift hits all of them alike. The output folders are removed before every run (\`--prepare\`).
Peak RSS is GNU time's maximum resident set size over ${s.rssRuns} separate runs.

${table(['command', 'median', 'min – max', 'p25 – p75', 'σ', 'runs', 'peak RSS (MB)'], rows, ['l'])}

Ratios (medians, same run):

${table(['CLI entry', 'new ÷ node -e 0', 'new ÷ cookiecutter', '--help ÷ node -e 0', '--version ÷ node -e 0'], ratios, ['l'])}

${s.cpuProfile ? `Where \`new\` (\`${s.perCli[0].cli}\`) spends its CPU, from one \`node --cpu-prof\` run (${int(s.cpuProfile.busyMs)} ms of samples, idle excluded), by package:

${table(['package', 'ms', 'share'], s.cpuProfile.top.map((t) => [t.name, int(t.ms), pct(t.share)]), ['l'])}

` : ''}The cookiecutter template is built at bench time by \`bench/py/make_cookiecutter.py\` from a
project the CLI has just rendered (default answers, ${s.tree.files} files, ${int(s.tree.bytes)} bytes): every file
becomes a template with the project and package names as variables and the dev \`SECRET_KEY\` as
\`random_ascii_string(64)\`; the bench checks that cookiecutter renders a tree identical to the
CLI's (apart from the random key) before timing it. So both tools write the same files, but
cookiecutter does no answer validation, no Prettier pass, no atomic rename and no Yeoman
conflict check.

One round (the command order rotates by one each round):

\`\`\`sh
${s.hyperfine}
\`\`\`
`;
}

function served(v) {
  const rows = v.runs.map((x) => [
    SERVER[x.server] ?? x.server,
    String(x.connections),
    `${int(x.rps)} (${(x.rpsRounds ?? [x.rps]).map(int).join(', ')})`,
    f1(x.p50Ms),
    f1(x.p99Ms),
    String(x.non2xx3xx),
    String(x.socketErrors),
    x.serverCpuMsPerRequest === undefined ? '–' : x.serverCpuMsPerRequest.toFixed(2),
    x.gunicornCpuMsPerRequest == null ? '–' : `${x.gunicornCpuMsPerRequest.toFixed(2)} + ${(x.serverCpuMsPerRequest - x.gunicornCpuMsPerRequest).toFixed(2)}`,
    x.workerBoots === null ? '–' : String(x.workerBoots),
  ]);
  const l = v.limitedRun;
  const commands = [...new Set(v.runs.map((x) => x.command.replace(/-c \d+/, '-c <16|64>').replace(/:\d+\//, ':<port>/')))];
  return `## 2. Served stack under load

![served stack](served-stack.png)

${v.quick ? '**Quick run (not for comparison).** ' : ''}Measured ${v.finished} (${f1(v.wallSeconds)} s; load average ${load(v.loadavg.before)} before, ${load(v.loadavg.after)} after).
\`GET /\` (the index page: template, CSRF token, session cookie, CSP nonce) with wrk, 2 threads,
${v.seconds} s per run after a ${v.warmupSeconds} s warm-up, a new generated project with every default answer. The three
servers run side by side and the runs are interleaved over ${v.rounds ?? 1} rounds (every other round in reverse order);
requests/s is the mean of the rounds (each round in brackets), p50/p99 the mean of the rounds'
percentiles, errors summed. All three serve the same \`wsgi:app\` (production config), so only
the server changes:

- **dev**: \`flask --app wsgi:app run --no-reload --no-debugger --with-threads\`.
- **gunicorn**: \`gunicorn --config gunicorn.conf.py wsgi:app\` with the generated config as is
  (sync workers, 2 × cores + 1, the app preloaded in the master, access log on, \`max_requests\`
  recycling), bound to 127.0.0.1:<port>
  through \`GUNICORN_CMD_ARGS\`.
- **nginx**: the generated site file with TLS (throwaway CA; TLS 1.3, keep-alive) in front of the same gunicorn on a
  unix socket, with the documented prefix substitutions of \`test/support/stack.ts\` and a Debian-like
  main config (\`worker_processes auto\`). **The site's two \`limit_req zone=...\` lines (and a
  per-address \`limit_conn\` cap where the site has one) are commented out for these runs**: all
  load comes from 127.0.0.1, and the generated 30 r/s per-address zone would answer almost
  everything with 429.

The direct runs (dev, gunicorn) send \`Host: localhost\` and \`X-Forwarded-Proto: https\`, as nginx
would; without the latter the app answers every request with a redirect to HTTPS.

${table(['server', 'connections', 'requests/s (rounds)', 'p50 ms', 'p99 ms', 'non-2xx/3xx', 'socket errors', 'server CPU ms / request', 'of which gunicorn + nginx', 'gunicorn workers booted'], rows, ['l'])}

"server CPU ms / request" is the CPU time (user + system, from \`/proc\`) of the server's whole
process tree during the runs — nginx master and workers, gunicorn master and workers (recycled
ones included, through the master's reaped-children time), or the dev server — divided by the
requests served. It does not depend on how much CPU other work left to the run, so it is the
steadier comparison on a shared machine; requests/s is what the clients saw. "of which gunicorn +
nginx" splits the stack's figure between gunicorn (master and workers) and nginx (the rest).

"gunicorn workers booted" counts \`Booting worker\` lines during the timed run: \`max_requests = 1000\`
(± 100 jitter) recycles each worker after about a thousand requests. With \`preload_app = True\`
a new worker is a fork of the master, which has imported the app already; without it, each new
worker imported Flask and the app again, CPU that the run's requests/s included.
${l ? `
With the rate limits **as generated**, the same load (16 connections, ${l.seconds} s, nginx) got
${int(l.requests - l.non2xx3xx)} answers other than 429 out of ${int(l.requests)} (${pct((l.requests - l.non2xx3xx) / l.requests)}): the limit (30 r/s, burst 60 per address) works, and
this is why the throughput runs bypass it.
` : ''}
Commands (ports vary per run; \`report.lua\` connects to 127.0.0.1 whatever the host name):

\`\`\`sh
${commands.join('\n')}
\`\`\`
`;
}

function slow(w) {
  const rows = [];
  for (const t of w.targets) {
    rows.push([
      STACK[t.server] ?? t.server,
      `${pct(t.baseline.share)} (${t.baseline.served}/${t.baseline.sent})`,
      f1(t.baseline.p99Ms),
      `**${pct(t.underLoad.share)}** (${t.underLoad.served}/${t.underLoad.sent})`,
      f1(t.underLoad.p50Ms),
      f1(t.underLoad.p99Ms),
      Object.entries(t.underLoad.statuses).map(([k, n]) => `${k}: ${n}`).join(', '),
      `${t.slow.openAtProbeStart} open at start, ${t.slow.opened} opened, ${t.slow.closedByServer} closed by server`,
    ]);
  }
  return `## 3. Slow clients

${w.quick ? '**Quick run (not for comparison).** ' : ''}Measured ${w.finished} (${f1(w.wallSeconds)} s; load average ${load(w.loadavg.before)} before, ${load(w.loadavg.after)} after).
${w.sockets} sockets (the most the script allows) connect to 127.0.0.1, send \`GET / HTTP/1.1\` and \`Host\`, then
one more header line every 2 s and never the blank line that ends the headers (over TLS for
nginx, after a full handshake). A socket the server closes is replaced (at most 2,000
connections in all); all are destroyed after ${w.seconds} s at the latest. After a ${w.rampSeconds} s ramp, a probe
sends a legitimate \`GET /\` every ${w.probeEveryMs} ms on its own connection with a ${w.probeTimeoutMs / 1000} s timeout, for ${w.probeSeconds} s, ending
early enough that no probe outlives the slow clients. "Served" means a 200 within the timeout;
p50/p99 are over all probes, a failed one counting the time it took to fail. Baseline: the same
probe for a few seconds before the slow clients start. Both stacks run exactly as generated
(rate limits on; the probe's 5 r/s is under the 30 r/s zone).

${table(['stack', 'baseline served', 'baseline p99 ms', 'served under slow clients', 'p50 ms', 'p99 ms', 'probe outcomes', 'slow sockets'], rows, ['l'])}

gunicorn's sync workers each block on one slow client's unfinished headers (no read timeout
short of the 30 s worker \`timeout\`), so a handful of slow sockets take every worker. nginx reads
the headers itself and only passes complete requests on, so legitimate requests never queue
behind slow ones.${slowTimeoutNote(w)}

Script: \`bench/lib/slowclients.mjs\` (\`slowClients\`, \`probeLoop\`), run from \`bench/lib/slow.mjs\`.
`;
}

function slowTimeoutNote(w) {
  const asIs = w.targets.find((t) => t.server === 'nginx');
  const fixed = w.targets.find((t) => t.server === 'nginx+fix');
  if (!asIs || !fixed) return '';
  return `

**Slow sockets closed by nginx:** as generated, ${asIs.slow.closedByServer} in ${w.seconds} s; with \`client_header_timeout\` also
in the \`default_server\` block, ${fixed.slow.closedByServer}. nginx reads request headers under the *default server's*
\`client_header_timeout\` (the named server is not chosen yet, and the timer armed at accept is
not re-armed), and the generated catch-all block does not set it, so a slow client is held for
nginx's 60 s default instead of the site's 10 s. The probe is served either way; the difference is
how many slow connections an attacker can keep open per nginx worker (\`worker_connections\`). The
third row runs the site with one added line, \`client_header_timeout 10s;\` in the \`default_server\`
block (bench-only patch; the row disappears once the generated site has it).`;
}

function security(x) {
  const kinds = {
    'get-first': 'GET / first visit (no cookie)',
    'get-returning': 'GET / returning visitor (session cookie)',
    'get-404': 'GET /missing (404 page, no cookie)',
    'post-api': 'POST /api/echo (JSON, X-CSRFToken)',
  };
  const rows = Object.entries(x.cpu).map(([k, c]) => [
    kinds[k] ?? k,
    int(c.offUs),
    int(c.onUs),
    `**+${pct(c.cost)}** (${c.medianCost === undefined ? '–' : `+${pct(c.medianCost)}`})`,
    `+${int(c.csrfShareUs)}`,
    `+${int(c.talismanShareUs)}`,
    c.stockUs === undefined ? '–' : `${int(c.stockUs)} (+${pct(c.stockCost)})`,
  ]);
  const wrkRows = x.runs.map((r) => [r.variant, String(r.round + 1), int(r.rps), f1(r.p50Ms), f1(r.p99Ms), String(r.non2xx3xx + r.socketErrors), r.serverCpuMsPerRequest?.toFixed(2) ?? '–']);
  const prof = x.inproc.profile;
  const layerRows = prof
    ? Object.keys(prof.on.layer).map((label) => [
        label,
        pct(prof.on.layer[label].share),
        prof.on.layer[label].calls_per_request == null ? '–' : f1(prof.on.layer[label].calls_per_request),
        prof.off.layer[label].share > 0 ? pct(prof.off.layer[label].share) : '–',
      ])
    : [];
  return `## 4. Cost of the security layer

${x.quick ? '**Quick run (not for comparison).** ' : ''}Measured ${x.finished} (${f1(x.wallSeconds)} s; load average ${load(x.loadavg.before)} before, ${load(x.loadavg.after)} after).
"Off" is the same generated app with \`CSRFProtect\` and Flask-Talisman switched off, built by
\`bench/py/variants.py\` (copied into the bench's temporary project as \`bench_variants.py\`; it
swaps the two objects \`hardening/security.py\` builds the layer from before \`create_app\` runs, so nothing
in the project is edited). ProxyFix and the two static COOP/CORP headers stay in every variant;
the templates' \`csrf_token()\` / \`csp_nonce()\` become empty strings where their extension is off.

**Under gunicorn** (generated config, TCP on 127.0.0.1, \`GET /\` without cookies, ${x.connections} connections,
${x.seconds} s per run, the variants side by side and interleaved over ${x.rounds} rounds, every other round in reverse order):
**${int(x.rpsOn)} vs ${int(x.rpsOff)} requests/s, ratio ${x.rpsRatio.toFixed(3)}, i.e. the layer costs ${pct(x.rpsCost)} of throughput.**${x.rpsStock ? ` The stock layer (the "before" of every speed-up: Flask-Talisman as shipped, Flask's own session interface, Flask-WTF's own token signing): ${int(x.rpsStock)} requests/s, a cost of ${pct(x.rpsStockCost)}.` : ''}

${table(['variant', 'round', 'requests/s', 'p50 ms', 'p99 ms', 'errors', 'gunicorn CPU ms / request'], wrkRows, ['l'])}
${x.gunicornCpu ? `
gunicorn's CPU per request over all rounds (master and workers, from \`/proc\`): **${x.gunicornCpu.on.toFixed(2)} ms on vs ${x.gunicornCpu.off.toFixed(2)} ms off
(+${pct(x.cpuCost)})**${x.gunicornCpu.stock ? `; stock ${x.gunicornCpu.stock.toFixed(2)} ms (+${pct(x.cpuStockCost)})` : ''}. On a shared machine this is the steadier figure: requests/s
also moves with the CPU that other work takes during a run.
` : ''}

**In-process CPU per request** (\`bench/py/inproc.py\`: the WSGI app called directly, no server;
process CPU time ÷ requests over ${x.inproc.batches} batches × ${x.inproc.batch} requests per variant and request kind, the variants'
batches interleaved so drift in machine load hits all alike). The figures are the **fastest batch**
(as \`timeit\` reports: the least disturbed by other work); the median-batch cost is in brackets.
"CSRF alone" and "Talisman alone" are the extra µs of a variant with only that extension on:

${table(['request', 'off µs', 'on µs', 'layer cost (median)', 'CSRF alone µs', 'Talisman alone µs', 'stock µs (cost)'], rows, ['l'])}

"stock" is the layer without its speed-ups (the variant \`stock\` of
\`bench/py/variants.py\`: \`flask_talisman.Talisman\` itself, Flask's
\`SecureCookieSessionInterface\`, Flask-WTF's \`generate_csrf\` as the templates' \`csrf_token()\` and
its CSRF hook on every GET). It sends the same headers as "on" (checked for every request
kind above, nonce and cookie values masked: ${x.stockHeaderDiffs && Object.keys(x.stockHeaderDiffs).length === 0 ? '**identical**' : `**differences: ${JSON.stringify(x.stockHeaderDiffs)}**`}).
${prof ? `
**Where the time goes** (cProfile, ${x.inproc.batch ? '' : ''}first-visit \`GET /\`, share of the profiled time per request;
profiling inflates small calls, so read the shares, not the µs: ${int(prof.on.profiled_us_per_request)} µs on vs
${int(prof.off.profiled_us_per_request)} µs off under the profiler):

${table(['function', 'share, on', 'calls per request', 'share, off'], layerRows, ['l'])}
` : ''}
See "Findings" below for what this means and what was changed.
`;
}

export function renderResults(r) {
  const parts = [header(r), headline(r)];
  if (r.scaffold) parts.push(scaffold(r.scaffold));
  if (r.served) parts.push(served(r.served));
  if (r.slow) parts.push(slow(r.slow));
  if (r.security) parts.push(security(r.security));
  parts.push(findings(r));
  parts.push(`## Reproducing

\`\`\`sh
npm run bench                                   # build, then every section (≈ ${r.lastRun?.wallSeconds ? Math.ceil(r.lastRun.wallSeconds / 60) : '?'} min here)
node bench/run.mjs --only scaffold             # the scaffold section alone (bundle and HARDENED_FLASK_NO_BUNDLE=1)
node bench/run.mjs --only scaffold --cli dist/generators/cli.js --cli 'SOME_ENV=1 path/to/other-cli.js'
node bench/run.mjs --quick                      # short runs to try the harness (writes .cache/bench-quick/)
\`\`\`

Needs Node 20, Python ≥ 3.11 with venv, nginx, openssl, wrk, hyperfine and GNU time
(\`apt-get install nginx wrk hyperfine time\`); the first run creates \`.cache/bench-venv/\` with pip.
`);
  return `${parts.join('\n\n')}\n`;
}

/**
 * The figures before the third pass on issue 16 (bench run of 2026-12-02T07:29, main at e83e2db,
 * load average 1.3-2.4): the "before" of the third pass's before → after.
 */
const BEFORE3 = {
  date: '2026-12-02T07:29',
  rpsCost: 0.303,
  cpuCost: 0.468,
  gunicornCpu: { on: 1.36, off: 0.93 },
  // In-process layer cost per request kind (fastest batch), as that run's section 4 gave it.
  inprocCost: { 'get-first': 0.635, 'get-returning': 0.524, 'get-404': 0.197, 'post-api': 1.255 },
};

/**
 * One A/B of the third pass's security.py against main's (e83e2db), in one process: the "on"
 * app of each and "off", 15 interleaved batches of 200 requests, fastest batch, load average
 * about 4-5 (a mutation run and other work shared the cores, so every figure is about 1.8× a
 * quiet machine's; `bench/py/layer_ab.py`).
 */
const LAYER_AB3 = {
  off: { 'get-first': 332, 'get-returning': 341, 'get-404': 315, 'post-api': 209 },
  main: { 'get-first': 579, 'get-returning': 536, 'get-404': 381, 'post-api': 484 },
  branch: { 'get-first': 423, 'get-returning': 455, 'get-404': 356, 'post-api': 432 },
};

/** The served section's runs at 64 connections: the stack (n) and the dev server (d). */
function stackAt64(v) {
  const at = (server, c) => v.runs.find((y) => y.server === server && y.connections === c);
  return { at, n: at('nginx', 64), d: at('dev', 64) };
}

function thirdPass(r) {
  const out = [`### Third pass (before: the run of ${BEFORE3.date}; after: this run)`, ''];
  const x = r.security;
  if (!x) return [];
  const layer = (v, kind) => LAYER_AB3[v][kind] - LAYER_AB3.off[kind];
  const ab = (kind) => `${LAYER_AB3.main[kind]} → ${LAYER_AB3.branch[kind]} µs (the layer's own cost +${layer('main', kind)} → +${layer('branch', kind)} µs)`;
  const cpu = x.gunicornCpu ? `, gunicorn CPU per request +${pct(BEFORE3.cpuCost)} → +${pct(x.cpuCost)} (${BEFORE3.gunicornCpu.on.toFixed(2)} vs ${BEFORE3.gunicornCpu.off.toFixed(2)} ms → ${x.gunicornCpu.on.toFixed(2)} vs ${x.gunicornCpu.off.toFixed(2)} ms)` : '';
  const kinds = ['get-first', 'get-returning', 'get-404', 'post-api'];
  const names = { 'get-first': 'first visit', 'get-returning': 'returning visitor', 'get-404': '404 page', 'post-api': 'JSON POST' };
  const inproc = kinds.map((k) => `${names[k]} +${pct(BEFORE3.inprocCost[k])} → +${pct(x.cpu[k].cost)}`).join(', ');
  out.push(`- **Security layer ${pct(BEFORE3.rpsCost)} → ${pct(x.rpsCost)} fewer requests/s under gunicorn${cpu}** (the 10 % budget: ${x.rpsCost <= 0.1 ? 'met' : '**not met**'})${x.rpsStock ? `; in this same run the layer without any speed-up of any pass ("stock") cost ${pct(x.rpsStockCost)}${x.gunicornCpu ? ` and +${pct(x.cpuStockCost)} CPU` : ''}` : ''}. In-process CPU per request: ${inproc}. Every header and protection is unchanged: "on" sends the same headers as "stock" for every request kind (section 4), and the project's header, CSRF and session tests pass untouched.`);
  out.push(`- The second pass held that ≤ 10 % was out of reach without replacing Flask-WTF's token or Flask's cookie. ${x.rpsCost <= 0.1 ? 'It was not' : 'This pass narrows the gap without doing so'}: the protection's work per first visit (a raw token in a new session, two HMAC signatures, a Set-Cookie, a nonce, the headers) stays exactly Flask-WTF's, Flask's and Talisman's; what went is the Python around it. The A/B of this pass's \`security.py\` against main's, in one process (fastest of 15 interleaved batches, on a machine about 1.8× slower than quiet while a mutation run shared it): first visit ${ab('get-first')}, returning visitor ${ab('get-returning')}, 404 page ${ab('get-404')}, JSON POST ${ab('post-api')}. The changes, all in \`templates/hardening/security.py\`, each pinned by a test in \`hardening/tests/\` to the output of the code it stands in for:`);
  out.push(`  - **HMAC from keyed digest states.** \`hmac.digest\` sets up an OpenSSL HMAC context and fetches SHA-1 on every call (4.3 µs here); the signer now keeps the inner and outer SHA-1 states with the key already fed in (RFC 2104, as Python's \`hmac\` module builds them) and copies them per signature (1.6 µs): the same bytes. Signing does TimestampSigner's steps in one function, with the timestamp's base64 made once per second. Reading a cookie tries the current key's states first; a miss (an older key of a rotation, a forgery) goes through itsdangerous' own check of every key. Test: \`test_tokens_and_cookies_are_signed_as_itsdangerous_signs_them\` (tokens and four kinds of session, byte for byte, tampering refused) and \`test_a_cookie_signed_with_the_previous_key_is_read\`.`);
  out.push(`  - **No zlib try on a payload of 64 bytes or less** (the second pass checked such a payload for repeated 3-byte sequences first, which cost as much as the try: 15 µs). zlib's header and checksum take 6 bytes, so such a payload gains a few bytes at best; it goes out uncompressed, a form every reader reads.`);
  out.push(`  - **The session's JSON and cookie written directly** for the usual save (a session of strings, not permanent, no Vary yet): Flask's tagged JSON leaves strings as they are, so the text is json's own string quoting joined with the app's JSON settings (ensure_ascii, sort_keys), and the Set-Cookie is the cookie's value between the two halves werkzeug's \`dump_cookie\` gives for the current settings (made again when one of the eight settings Flask reads changes). A cookie of strings is read with \`json.loads\` alone (nothing to untag). Anything else (other types, a permanent session, a custom JSON provider, a cookie over \`MAX_COOKIE_SIZE\`) takes Flask's code. Test: \`test_the_session_cookie_is_the_one_flask_writes\` (six cookie settings, Set-Cookie and Vary equal to Flask's own save).`);
  out.push(`  - **Talisman's options compared by a count, not a \`repr\`** (14 µs per request): every option set on the Talisman object and every entry changed in its policies adds to one counter, so the prebuilt headers are rebuilt after any change (a policy holding lists, which could change unseen, is still compared whole). Test: \`test_changes_to_the_live_policy_are_sent\` (a CSP entry, a Permissions-Policy entry and an option, each changed and undone).`);
  out.push(`  - **Header values checked once.** werkzeug runs a regex over every header value it is given; the prebuilt values and the cookie's fixed halves are checked the same way once, and only the nonce and the signed value (URL-safe by construction, the nonce checked for CR/LF) are added per response, straight onto the header list.`);
  out.push(`  - **Fewer context look-ups**: the request, \`g\` and the session are taken from their proxies once per call; the https test is made once per request.`);
  out.push(`- **Not done**: Flask-WTF's \`validate_csrf\` (the JSON POST) still builds a serializer per check; speeding it up means patching Flask-WTF's module, which this pass does not do. Returning visitors still parse the cookie header (werkzeug) and verify the signature, which is the protection.`);
  out.push('');
  return out;
}

function findings(r) {
  const earlier = readFileSync(new URL('../findings-earlier.md', import.meta.url), 'utf8').replace(/^<!--[\s\S]*?-->\n/, '');
  return ['## Findings and changes', '', ...thirdPass(r), earlier.trimEnd()].join('\n');
}
