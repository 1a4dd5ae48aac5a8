// The generated production stack, for real on loopback: gunicorn started the way the generated
// systemd unit says, behind nginx with the generated site file and a throwaway CA; then HTTP
// checks over HTTPS and a headless Chromium that uses the page as a person would.
// test/support/stack.ts documents the few substitutions that move the site to a temp prefix.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSP_PAGE, FIXED_HEADERS } from '../support/headers.js';
import { cookieHeader, csrfTokenFrom, type HttpResponse } from '../support/http.js';
import { type PythonEnv, runCommand, tempDir } from '../support/project.js';
import { type Stack, startGeneratedStack } from '../support/stack.js';
import { openStackBrowser } from '../support/browser.js';
import { missingTools } from '../support/tools.js';

const NAME = 'shop-api';
const DOMAIN = 'shop.example.test';
const ORIGIN = `https://${DOMAIN}`;
/** DESIGN: MAX_CONTENT_LENGTH = nginx client_max_body_size, default 1 MiB (not read from the generator). */
const MAX_BODY = 1024 * 1024;
/** The app marks a CSRF refusal, and no other answer, with this header (hardening/errors.py): a refusal told by its reason. */
const CSRF_REFUSED = 'x-csrf-refused';
/** nginx's built-in error pages sign themselves; the app's error pages never do. */
const NGINX_PAGE = /<center>nginx<\/center>/;

function expectCsrfRefusal(response: HttpResponse): void {
  expect(response.status).toBe(400);
  expect(response.headers[CSRF_REFUSED], 'a 400 for another reason than CSRF').toBe('1');
}

/** The page policy, with or without a nonce (an error page made before a nonce was drawn has none). */
const CSP_APP = new RegExp(CSP_PAGE.source.replace(" 'nonce-[A-Za-z0-9_-]{16,}=*'", "(?: 'nonce-[A-Za-z0-9_-]{16,}=*')?"));
const CSP_STATIC =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; upgrade-insecure-requests";


function expectSecurityHeaders(response: HttpResponse, csp: string | RegExp): void {
  for (const [name, value] of Object.entries(FIXED_HEADERS)) expect(response.headers[name], name).toBe(value);
  if (typeof csp === 'string') expect(response.headers['content-security-policy']).toBe(csp);
  else expect(response.headers['content-security-policy']).toMatch(csp);
  // No version anywhere: nginx's server_tokens off, gunicorn's own header dropped by the proxy.
  expect(response.headers['server']).toBe('nginx');
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
/** Lets both rate-limit buckets drain (burst 60 at 30 r/s, burst 10 at 5 r/s). */
const drainRateLimits = () => sleep(2_500);

const missing = missingTools('production stack e2e', ['nginx', 'openssl']);

describe.skipIf(missing.length > 0)('the generated production stack (nginx + gunicorn as the unit says)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let projectDir: string;
  let python: PythonEnv;
  let stack: Stack;

  beforeAll(async () => {
    tmp = tempDir('hf-stack-');
    ({ stack, projectDir, python } = await startGeneratedStack(tmp.dir, NAME, DOMAIN));
  });

  afterAll(async () => {
    await stack?.stop();
    tmp?.cleanup();
  });

  it('runs gunicorn with the ExecStart, environment and credential of the unit', () => {
    expect(stack.launch.command).toBe(python.bin('gunicorn'));
    expect(stack.launch.args).toEqual(['--config', join(projectDir, 'gunicorn.conf.py'), 'wsgi:app']);
    expect(stack.launch.cwd).toBe(projectDir);
    expect(stack.launch.environment).toMatchObject({ APP_ENV: 'production' });
    expect(stack.launch.credentials).toEqual([
      { id: 'secret_key', source: `/etc/${NAME}/secret_key` },
      { id: 'secret_key_fallbacks', source: `/etc/${NAME}/secret_key_fallbacks` },
    ]);
    // The key reached the app only as the credential file: production refuses to start without one.
    expect(stack.gunicorn.output()).toMatch(/Listening at: unix:.*gunicorn\.sock/);
    expect(stack.gunicorn.child.exitCode).toBeNull();
  });

  it('serves / over HTTPS with every security header and a __Host- session cookie', async () => {
    // The client offers gzip, and nginx.conf says `gzip on`: pages carrying CSRF tokens stay
    // uncompressed all the same (BREACH).
    const page = await stack.https('/', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(page.status).toBe(200);
    expectSecurityHeaders(page, CSP_PAGE);
    expect(String(page.headers['set-cookie'])).toMatch(/^__Host-session=[^;]+; Secure; HttpOnly; Path=\/; SameSite=Lax/);
    expect(page.headers['content-encoding']).toBeUndefined();
  });

  it('serves /static/app.js from nginx itself, with the same headers', async () => {
    const script = await stack.https('/static/app.js', { headers: { 'Accept-Encoding': 'identity' } });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^application\/javascript/);
    expectSecurityHeaders(script, CSP_STATIC);
    expect(script.headers['set-cookie']).toBeUndefined();
    expect(script.body).toContain('X-CSRFToken');
    // gunicorn logs every request it serves; this one never reached it.
    expect(stack.gunicorn.output()).not.toContain('/static/app.js');
  });

  it('redirects plain HTTP to HTTPS with 308, path and query kept', async () => {
    const response = await stack.http('/some/path?q=1');
    expect(response.status).toBe(308);
    expect(response.headers['location']).toBe(`${ORIGIN}/some/path?q=1`);
    expect(response.headers['server']).toBe('nginx');
  });

  it('closes the connection for unknown host names (444), over HTTPS and HTTP', async () => {
    await expect(stack.https('/', { headers: { Host: 'evil.example.test' } })).rejects.toThrow(/socket hang up|ECONNRESET/);
    await expect(stack.http('/', { headers: { Host: 'evil.example.test' } })).rejects.toThrow(/socket hang up|ECONNRESET/);
    await expect(stack.http('/', { headers: { Host: '127.0.0.1' } })).rejects.toThrow(/socket hang up|ECONNRESET/);
    // A TLS handshake for a name the site does not serve is refused outright.
    await expect(stack.https('/', { servername: 'evil.example.test', headers: { Host: 'evil.example.test' } })).rejects.toThrow(
      /alert|handshake|ECONNRESET|socket hang up/i,
    );
  });

  it('refuses TRACE with 405', async () => {
    const response = await stack.https('/', { method: 'TRACE' });
    expect(response.status).toBe(405);
  });

  it('refuses a body over MAX_CONTENT_LENGTH with 413 at nginx, and lets one at the limit through', async () => {
    const tooLarge = await stack.https('/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Buffer.alloc(MAX_BODY + 1, 0x61),
    });
    expect(tooLarge.status).toBe(413);
    // nginx's own page, not the app's (both carry the same headers): the body never reached Flask.
    expect(tooLarge.body).toMatch(NGINX_PAGE);
    expect(tooLarge.body).not.toContain('The request is too large.');
    expect(stack.siteErrorLog()).toMatch(/client intended to send too large body: 1048577 bytes/);
    expect(tooLarge.headers['x-frame-options']).toBe('DENY'); // nginx's own errors carry the headers too
    expect(tooLarge.headers['content-security-policy']).toBe(CSP_STATIC);
    const atLimit = await stack.https('/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Buffer.alloc(MAX_BODY, 0x61),
    });
    expectCsrfRefusal(atLimit); // reached Flask, which refused the missing CSRF token
  });

  it('refuses a POST without a CSRF token (400) and accepts one with token and same-origin Referer', async () => {
    const bare = await stack.https('/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'name=Ada',
    });
    expectCsrfRefusal(bare);
    expectSecurityHeaders(bare, CSP_APP);

    const page = await stack.https('/');
    const form = {
      method: 'POST',
      headers: { Cookie: cookieHeader(page.headers), Referer: `${ORIGIN}/`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `csrf_token=${encodeURIComponent(csrfTokenFrom(page.body))}&name=Ada`,
    };
    const accepted = await stack.https('/', form);
    expect(accepted.status).toBe(303);
    expect(accepted.headers['location']).toBe('/');

    const crossSite = await stack.https('/', { ...form, headers: { ...form.headers, Referer: 'https://evil.example.test/' } });
    expectCsrfRefusal(crossSite);
  });

  it('never serves the Werkzeug debugger', async () => {
    const probe = await stack.https('/?__debugger__=yes&cmd=resource&f=style.css');
    expect(String(probe.headers['content-type'])).not.toMatch(/text\/css/);
    expect(probe.body).not.toMatch(/Werkzeug|Traceback/);
  });

  it('closes a client that sends its headers too slowly (client_header_timeout), and logs why', async () => {
    // Slow-header clients are what pin gunicorn's sync workers; nginx must drop them itself.
    // No clock here: the proof is who closed the connection (nginx, with no answer) and what its
    // log says; the 45 s guard only keeps the test from hanging (nginx's default would be 60 s).
    const socket = net.connect(stack.httpPort, '127.0.0.1');
    await new Promise((done) => socket.once('connect', done));
    socket.write(`GET /slow-header-${randomBytes(4).toString('hex')} HTTP/1.1\r\nHost: ${DOMAIN}\r\n`); // and never the blank line
    let received = '';
    const ending = await new Promise<'nginx' | 'hang guard'>((done) => {
      const guard = setTimeout(() => done('hang guard'), 45_000);
      // 'end' is the peer's FIN: the client here never ends or destroys the socket before it.
      socket.once('end', () => {
        clearTimeout(guard);
        done('nginx');
      });
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    });
    socket.destroy();
    expect(ending, 'nginx kept a slow-header client open').toBe('nginx');
    expect(received, 'nginx closes without an answer').toBe('');
    await sleep(200);
    expect(stack.mainErrorLog()).toMatch(/client timed out \(110: Connection timed out\) while reading client request headers/);
  }, 60_000);

  it('rate-limits rapid POSTs (429) but not 40 GETs in a row, without logging rejections as errors', async () => {
    await drainRateLimits();
    const gets: number[] = [];
    for (let i = 0; i < 40; i++) gets.push((await stack.https(i % 2 === 0 ? '/' : '/static/style.css')).status);
    expect(gets.filter((status) => status === 429)).toEqual([]);

    const posts = await Promise.all(
      Array.from({ length: 40 }, () =>
        stack.https('/', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'name=x' }),
      ),
    );
    const limited = posts.filter((response) => response.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    // The burst got through to Flask, which refused the missing CSRF token.
    expect(posts.filter((response) => response.status === 400 && response.headers[CSRF_REFUSED] === '1').length).toBeGreaterThan(0);
    expectSecurityHeaders(limited[0]!, CSP_STATIC);

    // Rejections are logged at info, below the site's `error_log ... warn`.
    await sleep(200);
    expect(stack.siteErrorLog()).not.toMatch(/limiting requests/);
    await drainRateLimits();
  });

  it('keeps rejected requests (429) out of the access log, and logs the others', async () => {
    // Runs after the rate-limit test above, which drew dozens of 429s.
    const log = join(stack.prefix, 'logs', `${NAME}.access.log`);
    await sleep(200);
    const lines = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
    const statuses = lines.map((line) => /" (\d{3}) /.exec(line)?.[1]);
    expect(statuses, 'the site logs the requests it served').toContain('200');
    expect(statuses.filter((status) => status === '429'), 'rejections in the access log').toEqual([]);
  });

  it('sends Cache-Control: no-store on pages with a CSRF token and a cookie, not on static files', async () => {
    const page = await stack.https('/');
    expect(page.body).toContain('csrf-token');
    expect(page.headers['set-cookie']).toBeDefined();
    expect(page.headers['cache-control']).toBe('no-store');
    const style = await stack.https('/static/style.css');
    expect(style.status).toBe(200);
    expect(String(style.headers['cache-control'])).not.toContain('no-store');
  });

  it('refuses dotfiles and editor or backup copies under /static/ (404), even when they exist', async () => {
    const staticDir = join(projectDir, 'src', NAME.replace(/-/g, '_'), 'static');
    const planted = { '.env': 'SECRET_KEY=planted', 'style.css~': 'planted', '.style.css.swp': 'planted', 'style.css.bak': 'planted' };
    for (const [name, text] of Object.entries(planted)) writeFileSync(join(staticDir, name), text);
    try {
      for (const name of [...Object.keys(planted), '.git/config']) {
        const response = await stack.https(`/static/${name}`);
        expect(response.status, name).toBe(404);
        expect(response.body, name).not.toContain('planted');
        expect(response.headers['x-frame-options'], name).toBe('DENY'); // the snippet's headers still apply
      }
      expect((await stack.https('/static/style.css')).status).toBe(200);
    } finally {
      for (const name of Object.keys(planted)) rmSync(join(staticDir, name), { force: true });
    }
  });

  /** `openssl s_client` against the site: SNI and CA set, extra arguments appended. */
  const sClient = (args: string[]) =>
    runCommand('sh', ['-c', 'echo | openssl s_client "$@" 2>&1', 'sh', '-connect', `127.0.0.1:${stack.httpsPort}`, '-servername', DOMAIN,
      '-CAfile', stack.tls.caCertPath, ...args], { timeout: 60_000 });

  it.each(['-tls1_2', '-tls1_3'])('resumes TLS sessions on reconnect (%s): the session cache is where nginx reads it', async (version) => {
    // The session of a first connection (a TLS 1.3 ticket arrives after the handshake), then a
    // second connection that offers it.
    const session = join(stack.prefix, `session${version}.pem`);
    // A whole request, read to the server's close (-ign_eof): s_client stays until the ticket has
    // arrived, instead of racing it out on the first EOF of its input.
    const request = `GET / HTTP/1.1\r\nHost: ${DOMAIN}\r\nConnection: close\r\n\r\n`;
    const first = await runCommand('sh', ['-c', 'printf "$0" | openssl s_client "$@" 2>&1', request, '-ign_eof', '-connect', `127.0.0.1:${stack.httpsPort}`,
      '-servername', DOMAIN, '-CAfile', stack.tls.caCertPath, version, '-sess_out', session], { timeout: 60_000 });
    expect(first.stdout).toMatch(/^New, /m);
    const second = await sClient([version, '-sess_in', session]);
    expect(second.stdout, second.stdout.slice(-3000)).toMatch(/^Reused, /m);
  });

  it('refuses the key-exchange curves it does not list (secp521r1, X448) and accepts X25519', async () => {
    const accepted = await sClient(['-tls1_3', '-groups', 'X25519']);
    expect(accepted.stdout).toMatch(/Server Temp Key: X25519/);
    for (const group of ['secp521r1', 'X448']) {
      for (const version of ['-tls1_2', '-tls1_3']) {
        const refused = await sClient([version, '-groups', group]);
        expect(refused.stdout, `${group} ${version}`).not.toMatch(/Server Temp Key/);
        expect(refused.stdout, `${group} ${version}`).toMatch(/alert|handshake failure|no shared|errno/i);
      }
    }
  });

  it('serves a legitimate request while one client holds hundreds of connections', async () => {
    await drainRateLimits();
    // The other client comes from another loopback address, so per-address limits see it alone.
    const attacker = '127.0.0.2';
    const sockets: net.Socket[] = [];
    const replies = new Map<net.Socket, string>();
    try {
      // 250 connections that never send a request at all.
      for (let i = 0; i < 250; i++) {
        const socket = net.connect({ port: stack.httpsPort, host: '127.0.0.1', localAddress: attacker });
        socket.on('error', () => undefined);
        sockets.push(socket);
        await new Promise((done) => socket.once('connect', done));
      }
      // 40 requests whose bodies trickle in: nginx's body timeout restarts with every byte, so
      // only limit_conn (20 in progress per address) stops one client from holding more.
      const tricklers = await Promise.all(
        Array.from(
          { length: 40 },
          () =>
            new Promise<tls.TLSSocket>((done, fail) => {
              const raw = net.connect({ port: stack.httpsPort, host: '127.0.0.1', localAddress: attacker });
              const socket = tls.connect({ socket: raw, servername: DOMAIN, ca: stack.tls.caPem });
              replies.set(socket, '');
              socket.on('data', (chunk: Buffer) => replies.set(socket, replies.get(socket) + chunk.toString()));
              socket.once('secureConnect', () => {
                socket.write(`GET / HTTP/1.1\r\nHost: ${DOMAIN}\r\nContent-Length: 100000\r\n\r\nx`);
                done(socket);
              });
              socket.once('error', fail);
              sockets.push(socket);
            }),
        ),
      );
      await sleep(1_500);
      const legitimate = await stack.https('/');
      expect(legitimate.status, 'the legitimate client is served').toBe(200);
      const refused = tricklers.filter((socket) => replies.get(socket)!.startsWith('HTTP/1.1 429'));
      const held = tricklers.filter((socket) => replies.get(socket) === '');
      expect(held.length, 'requests in progress for the one address').toBeLessThanOrEqual(20);
      expect(refused.length, 'requests over the per-address limit, refused at once').toBeGreaterThanOrEqual(20);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  }, 60_000);

  it('follows the rotation runbook: a retired key in secret_key_fallbacks keeps sessions, a leaked one is dropped', async () => {
    /** A session cookie signed with the current key, carrying a flash message for `name`. */
    async function sessionWithFlash(name: string): Promise<string> {
      const page = await stack.https('/');
      const posted = await stack.https('/', {
        method: 'POST',
        headers: { Cookie: cookieHeader(page.headers), Referer: `${ORIGIN}/`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `csrf_token=${encodeURIComponent(csrfTokenFrom(page.body))}&name=${name}`,
      });
      expect(posted.status).toBe(303);
      return cookieHeader(posted.headers);
    }
    const oldKey = stack.credentials.secret_key!;
    const kept = await sessionWithFlash('Kept');
    const dropped = await sessionWithFlash('Dropped');

    // Planned rotation: the current key becomes the fallback, a new key is the current one.
    await stack.restartGunicorn({ secret_key: `${randomBytes(32).toString('hex')}\n`, secret_key_fallbacks: oldKey });
    expect((await stack.https('/', { headers: { Cookie: kept } })).body).toContain('Hello, Kept!');

    // A leaked key: new key, no fallback; sessions signed with the old key are simply ignored.
    await stack.restartGunicorn({ secret_key: `${randomBytes(32).toString('hex')}\n`, secret_key_fallbacks: '' });
    const after = await stack.https('/', { headers: { Cookie: dropped } });
    expect(after.status).toBe(200);
    expect(after.body).not.toContain('Hello, Dropped!');
  });

  const noBrowser = missingTools('browser e2e', ['chromium']);

  describe.skipIf(noBrowser.length > 0)('in headless Chromium', () => {
    it('loads the page with no CSP violation or console error, submits the form and calls the API', async () => {
      const browser = await openStackBrowser(DOMAIN, stack);
      const context = browser.context;
      try {
        const page = context.pages()[0] ?? (await context.newPage());
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warning') {
            problems.push(`console ${message.type()}: ${message.text()} (${message.location().url})`);
          }
        });
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        await page.addInitScript(() => {
          document.addEventListener('securitypolicyviolation', (event) => {
            console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
          });
        });

        const response = await page.goto(`${ORIGIN}/`, { waitUntil: 'load' });
        expect(response?.status()).toBe(200);
        expect(await page.evaluate(() => window.isSecureContext)).toBe(true);

        // The form: a real submission, CSRF token and Referer included, then the redirect.
        await page.fill('#name', 'Ada');
        await Promise.all([page.waitForURL(`${ORIGIN}/`, { waitUntil: 'load' }), page.click('form[method="post"] button[type="submit"]')]);
        expect(await page.locator('.notice').first().textContent()).toContain('Hello, Ada!');

        // The fetch call from static/app.js, with the X-CSRFToken header.
        await page.fill('#echo-message', 'ping from the browser');
        const [api] = await Promise.all([
          page.waitForResponse((r) => r.url() === `${ORIGIN}/api/echo`),
          page.click('#echo-form button[type="submit"]'),
        ]);
        expect(api.status()).toBe(200);
        await page.locator('#echo-result', { hasText: 'ping from the browser' }).waitFor({ timeout: 10_000 });
        expect(problems).toEqual([]);

        // The same call without the header is refused.
        const refused = await page.evaluate(async (name) => {
          const reply = await fetch('/api/echo', {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ message: 'no token' }),
          });
          return { status: reply.status, marker: reply.headers.get(name) };
        }, CSRF_REFUSED);
        expect(refused.status).toBe(400);
        expect(refused.marker, 'a 400 for another reason than CSRF').toBe('1');
      } finally {
        await browser.close();
      }
    });
  });
});
