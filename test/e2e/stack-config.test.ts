// The generated deploy files, checked by the tools that run them: `nginx -t` for several answer
// combinations, gunicorn's own view of gunicorn.conf.py (the installed version and the oldest
// one the project allows), `systemd-analyze` on the unit, and the stack with gunicorn on TCP.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answers } from '../../generators/lib/answers.js';
import { freePort } from '../support/http.js';
import { generateProject, projectPython, type PythonEnv, REPO_ROOT, runCommand, tempDir } from '../support/project.js';
import { nginxConfigTest, prepareNginx, type Stack, startStack, throwawayCa, type TlsMaterial } from '../support/stack.js';
import { missingTools } from '../support/tools.js';

const tmp = tempDir('hf-deploy-');
afterAll(() => tmp.cleanup());

const read = (projectDir: string, path: string) => readFileSync(join(projectDir, path), 'utf8');

const NAME = 'deploy-check';
const DOMAIN = 'example.com';
const TCP_DOMAIN = 'tcp.example.test';

/** Generated once per answer set, shared by the tests below (generation takes a few seconds). */
const projects = new Map<string, Promise<string>>();
function project(answers: Partial<Answers>): Promise<string> {
  const key = JSON.stringify(answers);
  if (!projects.has(key)) {
    const parent = join(tmp.dir, `gen-${projects.size}`);
    mkdirSync(parent, { recursive: true });
    projects.set(key, generateProject(NAME, answers, parent));
  }
  return projects.get(key)!;
}

// Three answer sets: the defaults, gunicorn on TCP with other limits, and the smallest project.
let tcpPort = 0;
const defaults = () => project({ domain: DOMAIN });
const tcpVariant = async () => {
  tcpPort ||= await freePort();
  return project({ domain: TCP_DOMAIN, gunicornBind: 'tcp', port: tcpPort, maxContentLength: 5 * 1_048_576, hstsMaxAge: 300 });
};
const minimal = () => project({ domain: 'app.example.org', systemd: false, includeApi: false });

describe('the generated nginx site', () => {
  it('holds the values of DESIGN.md §2, as production files', async () => {
    const dir = await defaults();
    const site = read(dir, `deploy/nginx/${NAME}.conf`);
    for (const line of [
      'listen 443 ssl;',
      'listen 80;',
      'listen 443 ssl default_server;',
      'return 444;',
      'return 308 https://$host$request_uri;',
      'server_name example.com;',
      'ssl_certificate /etc/letsencrypt/live/example.com/fullchain.pem;',
      'ssl_certificate_key /etc/letsencrypt/live/example.com/privkey.pem;',
      'ssl_protocols TLSv1.2 TLSv1.3;',
      'ssl_ecdh_curve X25519:prime256v1:secp384r1;',
      'ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;',
      'ssl_prefer_server_ciphers on;',
      'ssl_session_timeout 1d;',
      'ssl_session_cache shared:TLS:10m;',
      'ssl_session_tickets off;',
      'server_tokens off;',
      'client_max_body_size 1048576;',
      'client_body_timeout 10s;',
      'client_header_timeout 10s;',
      'send_timeout 10s;',
      'keepalive_timeout 5s;',
      'limit_req_status 429;',
      'limit_req_log_level info;',
      'proxy_set_header Host $host;',
      'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      'proxy_set_header X-Forwarded-Proto $scheme;',
      'proxy_set_header X-Forwarded-Host $host;',
      'proxy_redirect off;',
      'server unix:/run/deploy-check/gunicorn.sock fail_timeout=0;',
      'alias /srv/deploy-check/src/deploy_check/static/;',
    ]) {
      expect(site, line).toContain(line);
    }
    expect(site).toMatch(/error_log \S+ warn;/);
    expect(site).not.toMatch(/ssl_stapling\s+on/);
    expect(site).not.toMatch(/0\.0\.0\.0/);
    // Every location that adds headers includes the whole snippet (add_header cancels inheritance).
    expect(site.match(/include snippets\/deploy-check-security-headers\.conf;/g)).toHaveLength(2);
    const snippet = read(dir, `deploy/nginx/${NAME}-security-headers.conf`);
    expect(snippet).toContain('add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;');
  });

  const noNginx = missingTools('nginx -t e2e', ['nginx', 'openssl']);

  describe.skipIf(noNginx.length > 0)('accepted by nginx -t', () => {
    let tls: TlsMaterial;
    beforeAll(async () => {
      tls = await throwawayCa(join(tmp.dir, 'ca'), 'example.com');
    });

    const variants: [string, () => Promise<string>, string][] = [
      ['defaults', defaults, DOMAIN],
      ['gunicorn on TCP, other limits', tcpVariant, TCP_DOMAIN],
      ['no systemd, no API', minimal, 'app.example.org'],
    ];

    it.each(variants)('%s', async (_label, generate, domain) => {
      const dir = await generate();
      const prefix = join(tmp.dir, `nginx-${randomBytes(4).toString('hex')}`);
      const prepared = prepareNginx(
        dir,
        { serviceName: NAME, domain, installDir: `/srv/${NAME}` },
        { prefix, httpPort: await freePort(), httpsPort: await freePort(), projectDir: dir },
        tls,
      );
      // The substitutions moved every absolute path: nothing points into the real system.
      for (const text of [prepared.siteText, prepared.snippetText]) {
        const directives = text.replace(/#.*$/gm, '');
        expect(directives).not.toMatch(/(?:^|[\s:"'])\/(etc|run|srv|var)\//m);
        expect(directives).not.toMatch(/listen\s+(80|443)\b/);
      }
      if (generate === tcpVariant) {
        expect(prepared.siteText).toContain(`client_max_body_size ${5 * 1_048_576};`);
        expect(prepared.siteText).toContain(`server 127.0.0.1:${tcpPort} fail_timeout=0;`);
        expect(prepared.snippetText).toContain('"max-age=300; includeSubDomains"');
      }
      const result = await nginxConfigTest(prepared);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stderr).not.toMatch(/\[(warn|emerg|error)\]/);
    });
  });
});

describe('the generated gunicorn.conf.py', () => {
  let dir: string;
  let python: PythonEnv;
  beforeAll(async () => {
    dir = await defaults();
    python = await projectPython(dir, { install: false });
  });

  async function printConfig(gunicorn: string, env: Record<string, string> = {}, app = 'wsgi:app', cwd?: string) {
    const result = await runCommand(gunicorn, ['--config', join(dir, 'gunicorn.conf.py'), '--print-config', app], {
      cwd: cwd ?? dir,
      env: { ...python.env, SECRET_KEY: randomBytes(32).toString('hex'), ...env },
      timeout: 60_000,
    });
    const settings = new Map<string, string>();
    for (const line of result.stdout.split('\n')) {
      const match = /^(\w+)\s+= (.*)$/.exec(line);
      if (match) settings.set(match[1]!, match[2]!);
    }
    return { ...result, settings };
  }

  it('gives the installed gunicorn every value of DESIGN.md §2', async () => {
    const { exitCode, stderr, settings } = await printConfig(python.bin('gunicorn'));
    expect(exitCode, stderr).toBe(0);
    expect(Object.fromEntries(settings)).toMatchObject({
      bind: "['unix:/run/deploy-check/gunicorn.sock']",
      worker_class: 'sync',
      timeout: '30',
      graceful_timeout: '30',
      keepalive: '2',
      limit_request_line: '4094',
      limit_request_fields: '100',
      limit_request_field_size: '8190',
      max_requests: '1000',
      max_requests_jitter: '100',
      forwarded_allow_ips: "['127.0.0.1', '::1']",
      accesslog: '-',
      errorlog: '-',
      reload: 'False',
      daemon: 'False',
    });
    // This gunicorn knows the control socket setting (>= 25.1), and takes it as disabled.
    if (settings.has('control_socket')) expect(settings.get('control_socket_disable')).toBe('True');
    const cores = Number((await runCommand('python3', ['-c', 'import os; print(os.cpu_count())'])).stdout.trim());
    expect(settings.get('workers')).toBe(String(2 * cores + 1));
  });

  it('builds the app in the master (preload_app)', async () => {
    const { settings } = await printConfig(python.bin('gunicorn'));
    expect(settings.get('preload_app')).toBe('True');
  });

  /**
   * gunicorn as systemd starts it (Type=notify): a NOTIFY_SOCKET that records what it is told.
   * Resolves with whether READY=1 arrived and gunicorn's exit code (null: still running, stopped).
   */
  async function notifyRun(env: Record<string, string>): Promise<{ ready: boolean; exitCode: number | null; output: string }> {
    const script = [
      'import json, os, socket, subprocess, sys, time',
      'path = sys.argv[1]',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(path); s.settimeout(0.2)',
      'env = dict(os.environ, NOTIFY_SOCKET=path)',
      'p = subprocess.Popen(sys.argv[2:], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)',
      'ready, deadline = False, time.time() + 40',
      'while time.time() < deadline and not ready and p.poll() is None:',
      '    try: ready = b"READY=1" in s.recv(4096)',
      '    except socket.timeout: pass',
      'code = p.poll()',
      'if code is None: p.terminate()',
      'out = p.communicate(timeout=30)[0]',
      'print(json.dumps({"ready": ready, "exitCode": code, "output": out[-2000:]}))',
    ].join('\n');
    const socketDir = join(tmp.dir, `notify-${randomBytes(4).toString('hex')}`);
    mkdirSync(socketDir, { recursive: true });
    const result = await runCommand(
      'python3',
      ['-c', script, join(socketDir, 'notify.sock'), python.bin('gunicorn'), '--config', join(dir, 'gunicorn.conf.py'), '--workers', '1', 'wsgi:app'],
      { cwd: dir, env: { ...python.env, GUNICORN_CMD_ARGS: `--bind unix:${join(socketDir, 'gunicorn.sock')}`, ...env }, timeout: 120_000 },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as { ready: boolean; exitCode: number | null; output: string };
  }

  it('tells systemd READY=1 only once the app is built: a rejected key fails the start instead', async () => {
    const rejected = await notifyRun({ SECRET_KEY: 'a1b2c3d4'.repeat(8) });
    expect(rejected.ready, rejected.output).toBe(false);
    expect(rejected.exitCode, rejected.output).not.toBe(0);
    expect(rejected.exitCode, rejected.output).not.toBeNull();
    expect(rejected.output).toMatch(/SECRET_KEY repeats a pattern/);

    const accepted = await notifyRun({ SECRET_KEY: randomBytes(32).toString('hex') });
    expect(accepted.ready, accepted.output).toBe(true);
  });

  it('takes the number of workers from WEB_CONCURRENCY, and refuses nonsense', async () => {
    const three = await printConfig(python.bin('gunicorn'), { WEB_CONCURRENCY: '3' });
    expect(three.settings.get('workers')).toBe('3');
    const zero = await printConfig(python.bin('gunicorn'), { WEB_CONCURRENCY: '0' });
    expect(zero.exitCode).not.toBe(0);
    expect(zero.stderr).toContain('WEB_CONCURRENCY must be a whole number of at least 1');
  });

  it('binds TCP to loopback only when asked for TCP', async () => {
    const config = read(await tcpVariant(), 'gunicorn.conf.py');
    expect(config).toContain(`bind = "127.0.0.1:${tcpPort}"`);
    expect(config).not.toMatch(/0\.0\.0\.0/);
  });

  it('loads in gunicorn 23.0.0, the oldest the project allows, which has no control socket', async () => {
    const venv = join(REPO_ROOT, '.cache', 'venvs', 'gunicorn-23.0.0');
    if (!existsSync(join(venv, '.complete'))) {
      expect((await runCommand('python3', ['-m', 'venv', venv])).exitCode).toBe(0);
      const pip = await runCommand(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', 'gunicorn==23.0.0']);
      expect(pip.exitCode, pip.stderr).toBe(0);
      writeFileSync(join(venv, '.complete'), 'gunicorn==23.0.0\n');
    }
    // A bare WSGI app: only the config file is under test here.
    const appDir = join(tmp.dir, 'bare-app');
    mkdirSync(appDir, { recursive: true });
    writeFileSync(join(appDir, 'bare.py'), 'def app(environ, start_response):\n    return []\n');
    const { exitCode, stderr, settings } = await printConfig(join(venv, 'bin', 'gunicorn'), {}, 'bare:app', appDir);
    expect(exitCode, stderr).toBe(0);
    expect(settings.has('control_socket_disable')).toBe(false);
    expect(settings.get('bind')).toBe("['unix:/run/deploy-check/gunicorn.sock']");
    expect(settings.get('timeout')).toBe('30');
  });
});

const noSystemd = missingTools('systemd unit e2e', ['systemd-analyze']);

describe.skipIf(noSystemd.length > 0)('the generated systemd unit', () => {
  it('rates an exposure of 1.5 or lower in systemd-analyze security', async () => {
    const dir = await defaults();
    const unit = join(dir, 'deploy', 'systemd', `${NAME}.service`);
    const result = await runCommand('systemd-analyze', ['security', '--offline=yes', '--no-pager', unit]);
    const match = /Overall exposure level for deploy-check\.service: (\d+\.\d)/.exec(result.stdout);
    expect(match, result.stdout + result.stderr).not.toBeNull();
    const exposure = Number(match![1]);
    console.info(`systemd-analyze security --offline=yes: exposure ${exposure}`);
    expect(exposure).toBeLessThanOrEqual(1.5);
  });

  it('passes systemd-analyze verify without a warning (ExecStart pointed at an existing binary)', async () => {
    const text = read(await defaults(), `deploy/systemd/${NAME}.service`);
    expect(text).toMatch(/^ExecStart=\/srv\/deploy-check\/\.venv\/bin\/gunicorn --config \/srv\/deploy-check\/gunicorn\.conf\.py wsgi:app$/m);
    expect(text).toMatch(/^LoadCredential=secret_key:\/etc\/deploy-check\/secret_key$/m);
    expect(text).toMatch(/^User=deploy-check$/m);
    expect(text).toMatch(/^RuntimeDirectory=deploy-check$/m);
    // verify checks that ExecStart exists; the venv does not exist on this machine.
    const copy = join(tmp.dir, 'verify', `${NAME}.service`);
    mkdirSync(join(tmp.dir, 'verify'), { recursive: true });
    writeFileSync(copy, text.replace(/^ExecStart=\S+/m, 'ExecStart=/bin/true'));
    const result = await runCommand('systemd-analyze', ['verify', copy]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toBe('');
  });

  it('is left out when the systemd answer is no', async () => {
    const dir = await minimal();
    expect(existsSync(join(dir, 'deploy', 'systemd'))).toBe(false);
    expect(read(dir, 'deploy/README.md')).toContain('SECRET_KEY_FILE=/etc/deploy-check/secret_key');
  });
});

const noStack = missingTools('TCP stack e2e', ['nginx', 'openssl']);

describe.skipIf(noStack.length > 0)('the stack with gunicorn on 127.0.0.1:PORT', () => {
  let stack: Stack;
  beforeAll(async () => {
    const dir = await tcpVariant();
    const python = await projectPython(dir, { install: false });
    stack = await startStack({
      projectDir: dir,
      names: { serviceName: NAME, domain: TCP_DOMAIN, installDir: `/srv/${NAME}` },
      gunicornBind: 'tcp',
      prefix: join(tmp.dir, 'tcp-stack'),
      venvDir: python.venv,
      pythonPath: python.env.PYTHONPATH!,
      extraEnv: { WEB_CONCURRENCY: '2' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('serves the application through nginx, gunicorn listening on loopback only', async () => {
    const page = await stack.https('/');
    expect(page.status).toBe(200);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(stack.gunicorn.output()).toContain(`Listening at: http://127.0.0.1:${tcpPort}`);
  });
});
