// Slow-header clients ("slowloris") and a probe of legitimate requests, loopback only.
//
// Bounds: at most MAX_SOCKETS slow sockets open at once, at most MAX_CONNECTS connections made
// in total (a socket the server closes is replaced, as a real attacker would), and a hard stop
// after the duration (≤ MAX_SECONDS); every socket is destroyed at the end. Each slow client
// sends the request line and Host, then one more header line every `intervalMs`, never the
// blank line that ends the headers. Over TLS, the handshake completes first.
import net from 'node:net';
import tls from 'node:tls';
import http from 'node:http';
import https from 'node:https';
import { percentile, sleep } from './util.mjs';

export const MAX_SOCKETS = 100;
export const MAX_SECONDS = 30;
export const MAX_CONNECTS = 2_000;
const LOOPBACK = '127.0.0.1';

/**
 * target: { port, tls: boolean, domain, caPem? }.
 * Returns a handle with stop() -> { opened, closedByServer, maxOpen }.
 */
export function slowClients(target, { sockets = MAX_SOCKETS, seconds = MAX_SECONDS, intervalMs = 2_000 } = {}) {
  if (sockets > MAX_SOCKETS) throw new Error(`at most ${MAX_SOCKETS} slow sockets`);
  if (seconds > MAX_SECONDS) throw new Error(`at most ${MAX_SECONDS} s of slow clients`);
  const open = new Set();
  let opened = 0;
  let closedByServer = 0;
  let maxOpen = 0;
  let stopped = false;

  const connect = () => {
    if (stopped || opened >= MAX_CONNECTS || open.size >= sockets) return;
    opened += 1;
    const socket = target.tls
      ? tls.connect({ host: LOOPBACK, port: target.port, servername: target.domain, ca: target.caPem })
      : net.connect({ host: LOOPBACK, port: target.port });
    open.add(socket);
    maxOpen = Math.max(maxOpen, open.size);
    let timer;
    let line = 0;
    const start = () => {
      socket.write(`GET / HTTP/1.1\r\nHost: ${target.domain}\r\n`);
      timer = setInterval(() => {
        line += 1;
        socket.write(`X-Slow-${line}: ${line}\r\n`);
      }, intervalMs);
    };
    socket.once(target.tls ? 'secureConnect' : 'connect', start);
    socket.on('data', () => {}); // a 408 or similar: read and drop
    socket.on('error', () => {});
    socket.once('close', () => {
      clearInterval(timer);
      open.delete(socket);
      if (!stopped) {
        closedByServer += 1;
        setTimeout(connect, 50); // replace it, within the bounds
      }
    });
  };

  // Ramp up over ~1 s rather than in one burst.
  const ramp = setInterval(() => {
    for (let i = 0; i < 10; i += 1) connect();
    if (open.size >= sockets) clearInterval(ramp);
  }, 100);
  const hardStop = setTimeout(() => void stop(), seconds * 1000);

  async function stop() {
    stopped = true;
    clearInterval(ramp);
    clearTimeout(hardStop);
    for (const socket of open) socket.destroy();
    open.clear();
    return { opened, closedByServer, maxOpen };
  }
  return { stop, openNow: () => open.size };
}

/** One legitimate GET /; resolves { ok, status, ms } and never rejects. */
function oneProbe(target, timeoutMs) {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  const client = target.tls ? https : http;
  return new Promise((resolve) => {
    const req = client.request(
      {
        host: LOOPBACK,
        port: target.port,
        path: '/',
        method: 'GET',
        headers: target.headers,
        servername: target.tls ? target.domain : undefined,
        ca: target.caPem,
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ ok: res.statusCode === 200, status: res.statusCode, ms: elapsed() }));
        res.on('error', () => resolve({ ok: false, status: 0, ms: elapsed() }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ ok: false, status: 0, ms: elapsed() }));
    req.end();
  });
}

/**
 * Sends a legitimate request every `everyMs` for `seconds` (open loop: a slow answer does not
 * delay the next probe), each with its own connection and a `timeoutMs` limit.
 * Returns { sent, served, share, p50Ms, p99Ms, statuses }. p50/p99 are over all probes, a
 * failed probe counting as the time it took to fail (at most timeoutMs).
 */
export async function probeLoop(target, { seconds, everyMs = 200, timeoutMs = 5_000 }) {
  const pending = [];
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    pending.push(oneProbe(target, timeoutMs));
    await sleep(everyMs);
  }
  const results = await Promise.all(pending);
  const served = results.filter((r) => r.ok).length;
  const statuses = {};
  for (const r of results) statuses[r.status || 'no answer'] = (statuses[r.status || 'no answer'] ?? 0) + 1;
  const times = results.map((r) => r.ms);
  return {
    sent: results.length,
    served,
    share: served / results.length,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    servedP99Ms: served ? percentile(results.filter((r) => r.ok).map((r) => r.ms), 99) : null,
    statuses,
  };
}
