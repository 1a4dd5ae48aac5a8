// The new-project contract, for real: generate with defaults, install with the generated
// project's own command, run its own checks, then boot it under gunicorn with its own config.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSP_PAGE, FIXED_HEADERS } from '../support/headers.js';
import { cookieHeader, csrfTokenFrom, freePort, request, waitForHttp } from '../support/http.js';
import { CLI, generateProject, runCommand, tempDir } from '../support/project.js';

const SECURITY_HEADERS: Record<string, string | RegExp> = { 'content-security-policy': CSP_PAGE, ...FIXED_HEADERS };

describe('a default project, generated and installed for real', () => {
  const tmp = tempDir('hf-e2e-new-');
  const project = join(tmp.dir, 'demo');
  // The project's own .venv, with nothing from the caller's environment choosing its config.
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  delete env.APP_ENV;
  delete env.SECRET_KEY;
  delete env.PYTHONPATH;

  beforeAll(async () => {
    // The full front door, install step included: git init, .venv, pip install -e .[dev].
    const result = await runCommand('node', [CLI, 'new', project, '--yes'], { cwd: tmp.dir, timeout: 900_000 });
    expect(result.exitCode, result.stderr).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  const inProject = (command: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
    runCommand(join(project, '.venv', 'bin', command), args, { cwd: project, env: { ...env, ...extra } });

  it('has a git repository and its own installed venv', () => {
    expect(existsSync(join(project, '.git'))).toBe(true);
    expect(existsSync(join(project, '.venv', 'bin', 'flask'))).toBe(true);
  });

  it("passes its own pytest", async () => {
    const result = await inProject('pytest', ['-q', '-p', 'no:cacheprovider']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\d+ passed/);
    expect(result.stdout).not.toMatch(/failed|error/i);
  });

  it('is ruff-clean and bandit-clean', async () => {
    const check = await inProject('ruff', ['check', '--no-cache', '.']);
    expect(check.exitCode, check.stdout).toBe(0);
    const format = await inProject('ruff', ['format', '--check', '--no-cache', '.']);
    expect(format.exitCode, format.stdout).toBe(0);
    // As the project's own security job runs it: the package's protection tests assert on purpose.
    const bandit = await inProject('bandit', ['-q', '-r', 'src', '-x', '*/hardening/tests/*']);
    expect(bandit.exitCode, bandit.stdout + bandit.stderr).toBe(0);
  });

  describe('under gunicorn with the generated config', () => {
    let port: number;
    let server: ChildProcess | undefined;
    const url = (path: string) => `http://127.0.0.1:${port}${path}`;
    const https = { 'X-Forwarded-Proto': 'https', Host: 'localhost' };

    function startGunicorn(extra: NodeJS.ProcessEnv): ChildProcess {
      // The generated config binds a unix socket under /run; the test binds loopback instead.
      return spawn(join(project, '.venv', 'bin', 'gunicorn'), ['-c', 'gunicorn.conf.py', '--bind', `127.0.0.1:${port}`, '--workers', '1', 'wsgi:app'], {
        cwd: project,
        env: { ...env, APP_ENV: 'production', ...extra },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    }

    beforeAll(async () => {
      port = await freePort();
    });
    afterAll(() => {
      server?.kill('SIGTERM');
      rmSync(join(project, '.pytest_cache'), { recursive: true, force: true });
    });

    it('refuses to start in production without a secret, saying why', async () => {
      const child = startGunicorn({});
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((done) => child.on('exit', done));
      expect(code).not.toBe(0);
      // gunicorn prints the traceback of a failed boot; the last line must say what to do.
      expect(stderr).toMatch(/SECRET_KEY is not set\. Set SECRET_KEY or SECRET_KEY_FILE/);
    });

    it('serves / with every security header over https and refuses a POST without a token', async () => {
      server = startGunicorn({ SECRET_KEY: randomBytes(32).toString('hex') });
      await waitForHttp(url('/'), { headers: https });
      const page = await request(url('/'), { headers: https });
      expect(page.status).toBe(200);
      for (const [name, expected] of Object.entries(SECURITY_HEADERS)) {
        if (typeof expected === 'string') expect(page.headers[name], name).toBe(expected);
        else expect(page.headers[name], name).toMatch(expected);
      }
      expect(String(page.headers['set-cookie'])).toMatch(/^__Host-session=.*; Secure; HttpOnly; Path=\/; SameSite=Lax/);
      expect(page.headers['server']).not.toMatch(/\d/);

      const bare = await request(url('/'), { method: 'POST', headers: { ...https, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'name=hi' });
      expect(bare.status).toBe(400);
      expect(bare.headers['x-csrf-refused'], 'a 400 for another reason than CSRF').toBe('1');

      const token = csrfTokenFrom(page.body);
      const withToken = await request(url('/'), {
        method: 'POST',
        headers: { ...https, Cookie: cookieHeader(page.headers), Referer: 'https://localhost/', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `csrf_token=${encodeURIComponent(token)}&name=hi`,
      });
      expect(withToken.status).toBe(303);
    });

    it('never serves the Werkzeug debugger', async () => {
      const probe = await request(url('/?__debugger__=yes&cmd=resource&f=style.css'), { headers: https });
      expect(String(probe.headers['content-type'])).not.toMatch(/text\/css/);
    });
  });
});

describe('the hash-pinned lock files of a fresh generation', () => {
  const tmp = tempDir('hf-e2e-lock-');
  afterAll(() => tmp.cleanup());

  it('install with --require-hashes into a fresh venv, then the project itself offline from them', async () => {
    const project = await generateProject('locked', { domain: 'locked.example.test' }, tmp.dir);
    const venv = join(tmp.dir, 'venv');
    expect((await runCommand('python3', ['-m', 'venv', venv])).exitCode).toBe(0);
    const pip = (args: string[]) =>
      runCommand(join(venv, 'bin', 'pip'), ['--disable-pip-version-check', ...args], { cwd: project, timeout: 900_000 });
    // What deploy/README.md runs on a server, and what CI runs.
    for (const args of [
      ['install', '--quiet', '--require-hashes', '--no-deps', '-r', 'requirements.lock'],
      ['install', '--quiet', '--no-deps', '--no-build-isolation', '.'],
      ['check'],
      ['install', '--quiet', '--require-hashes', '--no-deps', '-r', 'requirements-dev.lock'],
      ['check'],
    ]) {
      const result = await pip(args);
      expect(result.exitCode, `pip ${args.join(' ')}\n${result.stdout}${result.stderr}`).toBe(0);
    }
    const built = await runCommand(join(venv, 'bin', 'python'), ['-c', 'from locked import create_app; print(create_app("testing").name)'], {
      cwd: tmp.dir,
    });
    expect(built.stdout.trim(), built.stderr).toBe('locked');
  }, 900_000);
});
