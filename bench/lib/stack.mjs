// The three ways the bench serves a generated project, all on loopback:
//   dev       the Flask development server (`flask run`, threaded, no reloader, no debugger)
//   gunicorn  gunicorn with the generated gunicorn.conf.py, bound to 127.0.0.1:<port>
//   nginx     the generated nginx site with TLS (throwaway CA) in front of gunicorn on a unix socket
// Every variant serves the same application object, wsgi:app (the production config), so the
// server is the only thing that changes.
//
// Ported from test/support/stack.ts (TypeScript there is only run through vitest): the
// throwaway CA and the documented nginx substitutions that move the production site file to a
// temporary prefix on free loopback ports:
//   1. `listen 443 ssl` -> `listen 127.0.0.1:<https port> ssl`   2. `listen 80` -> `listen 127.0.0.1:<http port>`
//   3. `listen [::]:...` lines dropped                            4. /etc/letsencrypt/live/<domain>/ -> <prefix>/tls/
//   5. /run/<service>/ -> <prefix>/run/                           6. /srv/<service>/ -> <project>/
//   7. /var/log/nginx/ -> <prefix>/logs/                          8. /var/www/_letsencrypt -> <prefix>/acme
// Bench-only additions, each applied only where a section says so:
//   - noRateLimit: the site's two `limit_req zone=...` lines are commented out (throughput runs)
// gunicorn is started as `gunicorn --config gunicorn.conf.py <app>` in the project folder with
// APP_ENV=production and SECRET_KEY in the environment, and GUNICORN_CMD_ARGS=--bind ... (the
// unit's ExecStart, minus systemd's sandbox and credentials, which do not change the speed).
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, writeFileSync, chmodSync, closeSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { mainNginxConf } from '../../test/support/nginx-main.mjs';
import { freePort, mustRun, startServer, waitFor } from './util.mjs';

export async function throwawayCa(dir, domain) {
  mkdirSync(dir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await mustRun('openssl', ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=hardened-flask bench CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { cwd: dir });
  await mustRun('openssl', ['req', '-new', ...ec, '-keyout', 'privkey.pem', '-out', 'leaf.csr', '-subj', `/CN=${domain}`], { cwd: dir });
  writeFileSync(join(dir, 'leaf.ext'), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${domain}\n`);
  await mustRun('openssl', ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-sha256',
    '-extfile', 'leaf.ext', '-out', 'fullchain.pem'], { cwd: dir });
  chmodSync(join(dir, 'privkey.pem'), 0o600);
  return { caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'), fullchain: join(dir, 'fullchain.pem'), privkey: join(dir, 'privkey.pem') };
}

export function nginxSubstitutions(text, { serviceName, domain, installDir }, { prefix, projectDir, httpPort, httpsPort }) {
  return text
    .split('\n')
    .filter((line) => !/^\s*listen\s+\[::\]:/.test(line))
    .join('\n')
    .replace(/^(\s*)listen\s+443\s+ssl\b/gm, `$1listen 127.0.0.1:${httpsPort} ssl`)
    .replace(/^(\s*)listen\s+80\b/gm, `$1listen 127.0.0.1:${httpPort}`)
    .replaceAll(`/etc/letsencrypt/live/${domain}/`, `${prefix}/tls/`)
    .replaceAll(`/run/${serviceName}/`, `${prefix}/run/`)
    .replaceAll(`${installDir}/`, `${projectDir}/`)
    .replaceAll('/var/log/nginx/', `${prefix}/logs/`)
    .replaceAll('/var/www/_letsencrypt', `${prefix}/acme`);
}

/**
 * Comments out the site's `limit_req zone=` lines, and a per-address `limit_conn` cap if the
 * site has one (64 connections from 127.0.0.1 are one address); throws if there was no
 * limit_req line to remove.
 */
export function withoutRateLimits(siteText) {
  let count = 0;
  const text = siteText.replace(/^(\s*)(limit_req\s+zone=[^;]*;)/gm, (_m, indent, directive) => {
    count += 1;
    return `${indent}# bench: rate limit bypassed for the throughput run: ${directive}`;
  }).replace(/^(\s*)(limit_conn\s+\w+\s+\d+;)/gm, (_m, indent, directive) => `${indent}# bench: connection cap bypassed for the throughput run: ${directive}`);
  if (count === 0) throw new Error('the site file has no limit_req zone= line to bypass');
  return text;
}

/**
 * The site with `client_header_timeout <value>` added to its default_server block (the catch-all
 * for unknown names), or null when that block already sets it. nginx reads a request's headers
 * under the default server's timeout (the virtual server is not known before the Host header,
 * and a timer armed at accept/handshake is not re-armed), so a timeout set only in the named
 * server does not bound slow headers.
 */
export function withDefaultServerHeaderTimeout(siteText) {
  const match = /server\s*\{[^{}]*default_server[^{}]*\}/.exec(siteText);
  if (!match) throw new Error('the site file has no default_server block');
  const block = match[0];
  if (/client_header_timeout/.test(block)) return null;
  const named = /client_header_timeout\s+([^;]+);/.exec(siteText);
  const value = named ? named[1] : '10s';
  const patched = block.replace(/(\n(\s*)server_name[^;]*;)/, `$1\n$2client_header_timeout ${value};  # bench: proposed addition`);
  if (patched === block) throw new Error('no server_name line in the default_server block');
  return siteText.replace(block, patched);
}

/** A GET to the app; resolves with the status (any status means it is up). */
export function probe(url, { headers = {}, ca, servername, timeoutMs = 5_000 } = {}) {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      { method: 'GET', headers, ca, servername, agent: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Describes a generated project for the stack: { projectDir, serviceName, packageName, domain,
 * installDir, python (venv bin folder) }.
 */
export function appEnv(project, extra = {}) {
  return {
    PATH: `${project.venvBin}:/usr/local/bin:/usr/bin:/bin`,
    LANG: 'C.UTF-8',
    PYTHONPATH: join(project.projectDir, 'src'),
    PYTHONDONTWRITEBYTECODE: '1',
    APP_ENV: 'production',
    SECRET_KEY: randomBytes(32).toString('hex'),
    BENCH_PACKAGE: project.packageName,
    FLASK_SKIP_DOTENV: '1',
    ...extra,
  };
}

/** The headers nginx would add, for clients that talk to gunicorn or the dev server directly. */
export const directHeaders = (project) => ({ Host: project.domain, 'X-Forwarded-Proto': 'https' });

function logFd(prefix, name) {
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  return openSync(join(prefix, 'logs', name), 'a');
}

async function readyDirect(project, port, server) {
  await waitFor(`app on 127.0.0.1:${port}`, async () => (await probe(`http://127.0.0.1:${port}/`, { headers: directHeaders(project), timeoutMs: 2_000 })) === 200, { timeoutMs: 60_000, server });
}

/** Flask's development server on 127.0.0.1:<port>. */
export async function startDevServer(project, prefix, { app = 'wsgi:app' } = {}) {
  const port = await freePort();
  const fd = logFd(prefix, 'flask-dev.log');
  const server = startServer(join(project.venvBin, 'flask'), ['--app', app, 'run', '--host', '127.0.0.1', '--port', String(port), '--no-reload', '--no-debugger', '--with-threads'],
    { cwd: project.projectDir, env: appEnv(project), stdout: fd, stderr: fd });
  closeSync(fd);
  try {
    await readyDirect(project, port, server);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { name: 'dev', url: `http://127.0.0.1:${port}/`, port, direct: true, pids: [server.child.pid], stop: server.stop };
}

/** gunicorn with the generated config; `bind` is `tcp` (127.0.0.1:<free port>) or a unix socket path. */
export async function startGunicorn(project, prefix, { app = 'wsgi:app', bind = 'tcp', logName = 'gunicorn.log', extraArgs = '' } = {}) {
  const port = bind === 'tcp' ? await freePort() : undefined;
  const bindArg = bind === 'tcp' ? `127.0.0.1:${port}` : `unix:${bind}`;
  const logFile = join(prefix, 'logs', logName);
  const fd = logFd(prefix, logName);
  const server = startServer(join(project.venvBin, 'gunicorn'), ['--config', join(project.projectDir, 'gunicorn.conf.py'), app],
    { cwd: project.projectDir, env: appEnv(project, { GUNICORN_CMD_ARGS: `--bind ${bindArg}${extraArgs ? ` ${extraArgs}` : ''}` }), stdout: fd, stderr: fd });
  closeSync(fd);
  if (bind === 'tcp') {
    try {
      await readyDirect(project, port, server);
    } catch (error) {
      await server.stop();
      throw error;
    }
  }
  return { name: 'gunicorn', url: port ? `http://127.0.0.1:${port}/` : undefined, port, direct: true, server, logFile, pids: [server.child.pid], stop: server.stop };
}

/** gunicorn on a unix socket behind the generated nginx site with TLS. */
export async function startNginxStack(project, prefix, { rateLimits = true, patchSite, gunicornArgs = '', mainConf = {} } = {}) {
  for (const sub of ['conf/snippets', 'logs', 'tmp', 'run', 'acme', 'tls']) mkdirSync(join(prefix, sub), { recursive: true });
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const tls = await throwawayCa(join(prefix, 'ca'), project.domain);
  writeFileSync(join(prefix, 'tls', 'fullchain.pem'), readFileSync(tls.fullchain));
  writeFileSync(join(prefix, 'tls', 'privkey.pem'), readFileSync(tls.privkey), { mode: 0o600 });
  const names = { serviceName: project.serviceName, domain: project.domain, installDir: project.installDir };
  const layout = { prefix, projectDir: project.projectDir, httpPort, httpsPort };
  const nginxDir = join(project.projectDir, 'deploy', 'nginx');
  let site = nginxSubstitutions(readFileSync(join(nginxDir, `${project.serviceName}.conf`), 'utf8'), names, layout);
  if (!rateLimits) site = withoutRateLimits(site);
  if (patchSite) site = patchSite(site);
  const snippet = `${project.serviceName}-security-headers.conf`;
  writeFileSync(join(prefix, 'conf', 'snippets', snippet), nginxSubstitutions(readFileSync(join(nginxDir, snippet), 'utf8'), names, layout));
  const siteFile = join(prefix, 'conf', `${project.serviceName}.conf`);
  writeFileSync(siteFile, site);
  const confFile = join(prefix, 'conf', 'nginx.conf');
  writeFileSync(confFile, mainNginxConf(prefix, siteFile, { workers: 'auto', connections: 768, ...mainConf }));
  await mustRun('nginx', ['-t', '-q', '-p', prefix, '-c', confFile]);

  const gunicorn = await startGunicorn(project, prefix, { bind: join(prefix, 'run', 'gunicorn.sock'), extraArgs: gunicornArgs });
  const fd = logFd(prefix, 'nginx.out');
  const nginx = startServer('nginx', ['-p', prefix, '-c', confFile, '-g', 'daemon off;'], { stdout: fd, stderr: fd });
  closeSync(fd);
  const stop = async () => {
    await Promise.all([nginx.stop(), gunicorn.stop()]);
  };
  const url = `https://${project.domain}:${httpsPort}/`;
  // Requests go to 127.0.0.1 with SNI and Host set to the domain.
  const check = () => probe(`https://127.0.0.1:${httpsPort}/`, { headers: { Host: project.domain }, ca: tls.caPem, servername: project.domain, timeoutMs: 2_000 });
  try {
    await waitFor('nginx stack', async () => (await check()) === 200, { timeoutMs: 60_000, server: nginx });
  } catch (error) {
    await stop();
    throw error;
  }
  return { name: 'nginx', url, httpsPort, httpPort, caPem: tls.caPem, siteFile, gunicorn, direct: false, pids: [...gunicorn.pids, nginx.child.pid], stop };
}
