// The production stack of a generated project, run for real on loopback: a throwaway CA and
// certificate (openssl), gunicorn started the way the generated systemd unit says, and nginx
// with the generated site file.
//
// The generated files are production files: nginx listens on 80/443, reads Let's Encrypt's
// certificates and talks to /run/<service>/gunicorn.sock. To run them as an unprivileged test
// on free high ports, the site file and its snippet go through exactly these substitutions
// (nginxSubstitutions) and nothing else:
//   1. `listen 443 ssl`        -> `listen 127.0.0.1:<https port> ssl`
//   2. `listen 80`             -> `listen 127.0.0.1:<http port>`
//   3. `listen [::]:...` lines -> dropped (IPv6 loopback may be missing; the IPv4 twin stays)
//   4. /etc/letsencrypt/live/<domain>/ -> <prefix>/tls/   (throwaway certificate)
//   5. /run/<service>/          -> <prefix>/run/          (gunicorn's socket)
//   6. /srv/<service>/          -> <project>/             (static files)
//   7. /var/log/nginx/          -> <prefix>/logs/
//   8. /var/www/_letsencrypt    -> <prefix>/acme
// The site is then included inside the http {} block of a main nginx.conf written here, modelled
// on Debian's /etc/nginx/nginx.conf (its gzip on and old ssl_protocols included, so the site
// must override them), with pid, logs and temp paths under the prefix.
//
// gunicorn: the unit's ExecStart, WorkingDirectory, Environment= lines and LoadCredential= ids
// are used as written, with /srv/<service>/ mapped to the project and .venv to the test venv
// (PYTHONPATH stands in for `pip install` into it); $CREDENTIALS_DIRECTORY points at a temporary
// folder holding the credentials, as systemd would set it; the optional EnvironmentFile= is
// absent, as on a fresh server. The one addition is GUNICORN_CMD_ARGS=--bind
// unix:<prefix>/run/gunicorn.sock (gunicorn's own override mechanism), since /run/<service>/ is
// made by systemd's RuntimeDirectory=.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import { join } from 'node:path';
import { freePort, type HttpOptions, type HttpResponse, request } from './http.js';
import { mainNginxConf } from './nginx-main.mjs';
import { generateProject, projectPython, type PythonEnv, runCommand } from './project.js';

// ---------------------------------------------------------------------------------------------
// Throwaway CA

export interface TlsMaterial {
  /** Folder holding fullchain.pem and privkey.pem, named as Let's Encrypt names them. */
  dir: string;
  caCertPath: string;
  caPem: string;
  fullchainPath: string;
  privkeyPath: string;
  /** base64 SHA-256 of the leaf's SubjectPublicKeyInfo (Chromium's --ignore-certificate-errors-spki-list). */
  leafSpkiSha256: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const result = await runCommand('openssl', args, { cwd, timeout: 60_000 });
  if (result.exitCode !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr}`);
}

/**
 * Makes a CA and a leaf certificate for `domain` (ECDSA P-256, 200 days: under the 398-day
 * browser limit and over testssl's 60-day warning). The leaf names a CRL distribution point
 * that is never fetched, because testssl reports a certificate with neither CRL nor OCSP URI.
 */
export async function throwawayCa(dir: string, domain: string): Promise<TlsMaterial> {
  mkdirSync(dir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await openssl(
    ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '400', '-subj', '/O=hardened-flask tests/CN=Throwaway test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  await openssl(['req', '-new', ...ec, '-keyout', 'privkey.pem', '-out', 'leaf.csr', '-subj', `/CN=${domain}`], dir);
  writeFileSync(
    join(dir, 'leaf.ext'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=DNS:${domain}`,
      'crlDistributionPoints=URI:http://crl.invalid/throwaway.crl',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid,issuer',
      '',
    ].join('\n'),
  );
  await openssl(
    ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '200', '-sha256',
      '-extfile', 'leaf.ext', '-out', 'fullchain.pem'],
    dir,
  );
  chmodSync(join(dir, 'privkey.pem'), 0o600);
  const leaf = new X509Certificate(readFileSync(join(dir, 'fullchain.pem')));
  const spki = leaf.publicKey.export({ type: 'spki', format: 'der' });
  return {
    dir,
    caCertPath: join(dir, 'ca.pem'),
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    fullchainPath: join(dir, 'fullchain.pem'),
    privkeyPath: join(dir, 'privkey.pem'),
    leafSpkiSha256: createHash('sha256').update(spki).digest('base64'),
  };
}

// ---------------------------------------------------------------------------------------------
// Processes

export interface Running {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output: () => string;
  /** Resolves once the process has exited (SIGTERM, then SIGKILL after 10 s). */
  stop: () => Promise<void>;
}

function track(child: ChildProcess, stopSignal: NodeJS.Signals = 'SIGTERM'): Running {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
  // Should the test process die first, take the server with it.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  void exited.then(() => process.removeListener('exit', onExit));
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(stopSignal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A log nginx must have written: absent, it is an error, never an empty log. */
function readLog(file: string): string {
  if (!existsSync(file)) throw new Error(`nginx wrote no ${file}: the config names another log`);
  return readFileSync(file, 'utf8');
}

// ---------------------------------------------------------------------------------------------
// The systemd unit, as a launch recipe

export type UnitFile = Map<string, Map<string, string[]>>;

/** Parses a unit file into section -> key -> values (in order; continuation lines joined). */
export function parseUnit(text: string): UnitFile {
  const unit: UnitFile = new Map();
  let section: Map<string, string[]> | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = new Map();
      unit.set(header[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    if (!section || eq < 0) throw new Error(`not a unit file line: ${line}`);
    const key = line.slice(0, eq).trim();
    const values = section.get(key) ?? [];
    values.push(line.slice(eq + 1).trim());
    section.set(key, values);
  }
  return unit;
}

/** Splits a systemd command line or Environment= value (double/single quotes, no specifiers). */
export function splitUnitWords(value: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let match = pattern.exec(value); match; match = pattern.exec(value)) {
    words.push(match[1]?.replace(/\\(.)/g, '$1') ?? match[2] ?? match[3]!);
  }
  return words;
}

export interface UnitLaunch {
  command: string;
  args: string[];
  cwd: string;
  environment: Record<string, string>;
  /** LoadCredential= ids with their source paths (as written in the unit). */
  credentials: { id: string; source: string }[];
  /** SetCredential= ids with their (fallback) values. */
  fallbackCredentials: { id: string; value: string }[];
}

/** What systemd would run for the unit's [Service], with `installDir` mapped to `projectDir`. */
export function unitLaunch(unitText: string, installDir: string, projectDir: string, venvDir: string): UnitLaunch {
  const service = parseUnit(unitText).get('Service');
  if (!service) throw new Error('the unit has no [Service] section');
  const one = (key: string) => {
    const values = service.get(key) ?? [];
    if (values.length !== 1) throw new Error(`the unit must have exactly one ${key}= (has ${values.length})`);
    return values[0]!;
  };
  const mapPath = (path: string) =>
    path.replace(`${installDir}/.venv/`, `${venvDir}/`).replace(new RegExp(`^${installDir}(?=/|$)`), projectDir);
  const [command, ...args] = splitUnitWords(one('ExecStart')).map(mapPath);
  // An EnvironmentFile= must be optional ("-" prefix): a fresh server has none.
  const required = (service.get('EnvironmentFile') ?? []).filter((file) => !file.startsWith('-'));
  if (required.length > 0) throw new Error(`the unit requires environment files: ${required.join(', ')}`);
  const environment: Record<string, string> = {};
  for (const value of service.get('Environment') ?? []) {
    for (const word of splitUnitWords(value)) {
      const eq = word.indexOf('=');
      environment[word.slice(0, eq)] = word.slice(eq + 1);
    }
  }
  const colon = (value: string) => ({ id: value.slice(0, value.indexOf(':')), rest: value.slice(value.indexOf(':') + 1) });
  return {
    command: command!,
    args,
    cwd: mapPath(one('WorkingDirectory')),
    environment,
    credentials: (service.get('LoadCredential') ?? []).map((v) => ({ id: colon(v).id, source: colon(v).rest })),
    fallbackCredentials: (service.get('SetCredential') ?? []).map((v) => ({ id: colon(v).id, value: colon(v).rest })),
  };
}

export interface GunicornOptions {
  unitText: string;
  installDir: string;
  projectDir: string;
  venvDir: string;
  /** PYTHONPATH for the project's package (stands in for `pip install` into the unit's venv). */
  pythonPath: string;
  /** Credential files to provide, by id (e.g. secret_key). */
  credentials: Record<string, string>;
  credentialsDir: string;
  /** A bind to pass through GUNICORN_CMD_ARGS, e.g. `unix:/tmp/x/gunicorn.sock`; none keeps the config's. */
  bind?: string;
  /** Extra environment, e.g. WEB_CONCURRENCY. */
  extraEnv?: Record<string, string>;
}

/** Starts gunicorn as the unit says. Returns once the process is spawned (not yet serving). */
export function startGunicornAsUnit(options: GunicornOptions): { running: Running; launch: UnitLaunch } {
  const launch = unitLaunch(options.unitText, options.installDir, options.projectDir, options.venvDir);
  // Like systemd, refuse to start when a credential's file is missing.
  const missing = launch.credentials.filter(({ id }) => options.credentials[id] === undefined);
  if (missing.length > 0) throw new Error(`no file for the credential(s) ${missing.map((c) => c.id).join(', ')}`);
  rmSync(options.credentialsDir, { recursive: true, force: true });
  mkdirSync(options.credentialsDir, { recursive: true, mode: 0o700 });
  for (const fallback of launch.fallbackCredentials) {
    writeFileSync(join(options.credentialsDir, fallback.id), fallback.value, { mode: 0o400 });
  }
  for (const [id, value] of Object.entries(options.credentials)) {
    writeFileSync(join(options.credentialsDir, id), value, { mode: 0o400 });
  }
  // systemd starts services with a clean environment: PATH, LANG and what the unit sets.
  const environment: Record<string, string> = {
    PATH: `${options.venvDir}/bin:/usr/local/bin:/usr/bin:/bin`,
    LANG: 'C.UTF-8',
    PYTHONPATH: options.pythonPath,
    ...launch.environment,
    CREDENTIALS_DIRECTORY: options.credentialsDir,
    ...(options.bind ? { GUNICORN_CMD_ARGS: `--bind ${options.bind}` } : {}),
    ...options.extraEnv,
  };
  const child = spawn(launch.command, launch.args, { cwd: launch.cwd, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  return { running: track(child), launch };
}

// ---------------------------------------------------------------------------------------------
// nginx

export interface SiteNames {
  serviceName: string;
  domain: string;
  installDir: string;
}

export interface NginxLayout {
  prefix: string;
  httpPort: number;
  httpsPort: number;
  projectDir: string;
}

/** The documented substitutions (see the top of this file), applied to a site file or snippet. */
export function nginxSubstitutions(text: string, names: SiteNames, layout: NginxLayout): string {
  const { prefix } = layout;
  return text
    .split('\n')
    .filter((line) => !/^\s*listen\s+\[::\]:/.test(line))
    .join('\n')
    .replace(/^(\s*)listen\s+443\s+ssl\b/gm, `$1listen 127.0.0.1:${layout.httpsPort} ssl`)
    .replace(/^(\s*)listen\s+80\b/gm, `$1listen 127.0.0.1:${layout.httpPort}`)
    .replaceAll(`/etc/letsencrypt/live/${names.domain}/`, `${prefix}/tls/`)
    .replaceAll(`/run/${names.serviceName}/`, `${prefix}/run/`)
    .replaceAll(`${names.installDir}/`, `${layout.projectDir}/`)
    .replaceAll('/var/log/nginx/', `${prefix}/logs/`)
    .replaceAll('/var/www/_letsencrypt', `${prefix}/acme`);
}

export { mainNginxConf };

export interface PreparedNginx {
  prefix: string;
  mainConf: string;
  siteFile: string;
  /** The site file after substitution, for assertions. */
  siteText: string;
  snippetText: string;
}

/**
 * Lays out `prefix` for nginx: conf/nginx.conf, conf/<service>.conf, conf/snippets/<snippet>
 * (the site's relative `include snippets/...` resolves against conf/, as against /etc/nginx/).
 */
export function prepareNginx(projectDir: string, names: SiteNames, layout: NginxLayout, tls: TlsMaterial): PreparedNginx {
  const { prefix } = layout;
  for (const sub of ['conf/snippets', 'logs', 'tmp', 'run', 'acme', 'tls']) mkdirSync(join(prefix, sub), { recursive: true });
  const nginxDir = join(projectDir, 'deploy', 'nginx');
  const siteText = nginxSubstitutions(readFileSync(join(nginxDir, `${names.serviceName}.conf`), 'utf8'), names, layout);
  const snippetName = `${names.serviceName}-security-headers.conf`;
  const snippetText = nginxSubstitutions(readFileSync(join(nginxDir, snippetName), 'utf8'), names, layout);
  const siteFile = join(prefix, 'conf', `${names.serviceName}.conf`);
  writeFileSync(siteFile, siteText);
  writeFileSync(join(prefix, 'conf', 'snippets', snippetName), snippetText);
  const mainConf = join(prefix, 'conf', 'nginx.conf');
  // info: the main log then records why nginx closed a connection on its own (e.g. a header timeout).
  writeFileSync(mainConf, mainNginxConf(prefix, siteFile, { errorLogLevel: 'info' }));
  writeFileSync(join(prefix, 'tls', 'fullchain.pem'), readFileSync(tls.fullchainPath));
  writeFileSync(join(prefix, 'tls', 'privkey.pem'), readFileSync(tls.privkeyPath), { mode: 0o600 });
  return { prefix, mainConf, siteFile, siteText, snippetText };
}

/** `nginx -t` on a prepared layout. */
export function nginxConfigTest(prepared: PreparedNginx) {
  return runCommand('nginx', ['-t', '-q', '-p', prepared.prefix, '-c', prepared.mainConf], { timeout: 30_000 });
}

export function startNginx(prepared: PreparedNginx): Running {
  const child = spawn('nginx', ['-p', prepared.prefix, '-c', prepared.mainConf, '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // SIGTERM: fast shutdown, the master takes its workers down with it.
  return track(child, 'SIGTERM');
}

/** Resolves once 127.0.0.1:port accepts connections, or throws after timeoutMs. */
export async function waitForPort(port: number, timeoutMs = 15_000, alive?: Running): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (alive && (alive.child.exitCode !== null || alive.child.signalCode !== null)) {
      throw new Error(`the process exited before listening on ${port}:\n${alive.output()}`);
    }
    const open = await new Promise<boolean>((done) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

// ---------------------------------------------------------------------------------------------
// The whole stack

export interface StackOptions {
  projectDir: string;
  names: SiteNames;
  /** gunicornBindValue of the project: a unix socket is moved under the prefix. */
  gunicornBind: 'unix' | 'tcp';
  prefix: string;
  venvDir: string;
  pythonPath: string;
  extraEnv?: Record<string, string>;
}

export interface Stack {
  prefix: string;
  domain: string;
  httpPort: number;
  httpsPort: number;
  tls: TlsMaterial;
  nginx: Running;
  /** The running gunicorn (replaced by restartGunicorn). */
  gunicorn: Running;
  launch: UnitLaunch;
  prepared: PreparedNginx;
  /** The credential files handed to gunicorn: secret_key (random) and an empty secret_key_fallbacks. */
  credentials: Record<string, string>;
  /** An HTTPS request through nginx: SNI, Host and CA set for the domain. */
  https: (path: string, options?: HttpOptions) => Promise<HttpResponse>;
  /** A plain-HTTP request to nginx's port-80 listener with Host set to the domain. */
  http: (path: string, options?: HttpOptions) => Promise<HttpResponse>;
  /** The site's own error log (the one the generated config names); throws when nginx wrote none. */
  siteErrorLog: () => string;
  /** nginx's main error log (info level), for connections no site has claimed yet; throws when absent. */
  mainErrorLog: () => string;
  /** `systemctl restart` with new credential files; resolves once the app answers again. */
  restartGunicorn: (credentials: Record<string, string>) => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * Generates a project for `domain` (unix socket, default answers), then starts its stack:
 * the setup every whole-stack test shares.
 */
export async function startGeneratedStack(
  dir: string,
  name: string,
  domain: string,
): Promise<{ stack: Stack; projectDir: string; python: PythonEnv }> {
  const projectDir = await generateProject(name, { domain }, dir);
  const python = await projectPython(projectDir, { install: false });
  const stack = await startStack({
    projectDir,
    names: { serviceName: name, domain, installDir: `/srv/${name}` },
    gunicornBind: 'unix',
    prefix: join(dir, 'stack'),
    venvDir: python.venv,
    pythonPath: python.env.PYTHONPATH!,
  });
  return { stack, projectDir, python };
}

/** Starts gunicorn (as the unit says) and nginx (the generated site) with a throwaway CA. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { prefix, projectDir, names } = options;
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const tls = await throwawayCa(join(prefix, 'ca'), names.domain);
  const layout: NginxLayout = { prefix, httpPort, httpsPort, projectDir };
  const prepared = prepareNginx(projectDir, names, layout, tls);
  chmodSync(join(prefix, 'run'), 0o750);

  const unitText = readFileSync(join(projectDir, 'deploy', 'systemd', `${names.serviceName}.service`), 'utf8');
  // As deploy/README.md provisions them: a random key and an empty list of retired keys.
  const credentials = { secret_key: `${randomBytes(32).toString('hex')}\n`, secret_key_fallbacks: '' };
  const gunicornOptions = (given: Record<string, string>): GunicornOptions => ({
    unitText,
    installDir: names.installDir,
    projectDir,
    venvDir: options.venvDir,
    pythonPath: options.pythonPath,
    credentials: given,
    credentialsDir: join(prefix, 'credentials'),
    ...(options.gunicornBind === 'unix' ? { bind: `unix:${prefix}/run/gunicorn.sock` } : {}),
    ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}),
  });
  const { running: gunicorn, launch } = startGunicornAsUnit(gunicornOptions(credentials));
  const nginx = startNginx(prepared);
  const base = { ca: tls.caPem, servername: names.domain };
  const stack: Stack = {
    prefix,
    domain: names.domain,
    httpPort,
    httpsPort,
    tls,
    nginx,
    gunicorn,
    launch,
    prepared,
    credentials,
    https: (path, opts = {}) =>
      request(`https://127.0.0.1:${httpsPort}${path}`, { ...base, ...opts, headers: { Host: names.domain, ...opts.headers } }),
    http: (path, opts = {}) => request(`http://127.0.0.1:${httpPort}${path}`, { ...opts, headers: { Host: names.domain, ...opts.headers } }),
    // nginx opens every log it is told to at start: a missing file means the config names
    // another one, and a check that read '' would pass on nothing.
    siteErrorLog: () => readLog(join(prefix, 'logs', `${names.serviceName}.error.log`)),
    mainErrorLog: () => readLog(join(prefix, 'logs', 'error.log')),
    restartGunicorn: async (given) => {
      await stack.gunicorn.stop();
      stack.gunicorn = startGunicornAsUnit(gunicornOptions(given)).running;
      stack.credentials = given;
      await untilServing();
    },
    stop: async () => {
      await Promise.all([stack.nginx.stop(), stack.gunicorn.stop()]);
    },
  };
  // Ready when the application answers through nginx (502 until gunicorn's workers are up).
  async function untilServing(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { child } = stack.gunicorn;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`gunicorn exited:\n${stack.gunicorn.output()}`);
      const response = await stack.https('/').catch(() => undefined);
      if (response && response.status !== 502) return;
      if (Date.now() > deadline) throw new Error(`the application did not answer through nginx:\n${stack.gunicorn.output()}`);
      await sleep(250);
    }
  }
  try {
    await waitForPort(httpsPort, 15_000, nginx);
    await untilServing();
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

/**
 * A minimal HTTP CONNECT proxy for the browser: tunnels `<domain>:443` to nginx's HTTPS port,
 * so Chromium sees https://<domain>/ on the standard port (and sends the same Origin and
 * Referer as in production). Every other destination is refused.
 */
export async function connectProxy(domain: string, httpsPort: number): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(403).end();
  });
  const sockets = new Set<net.Socket>();
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (req.url !== `${domain}:443`) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect(httpsPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  const port = await new Promise<number>((done) => server.listen(0, '127.0.0.1', () => done((server.address() as net.AddressInfo).port)));
  return {
    port,
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}
