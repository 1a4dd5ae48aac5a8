// The standalone check of the hardening package (issue 12): copy templates/hardening/ into a
// small app that is not ours, add the one `init_app` call and tests/test_hardening.py, and run its
// pytest for real with `filterwarnings = error`. The protection tests must pass, and so must the
// app's own test that posts without a CSRF token over the plain-HTTP test client.
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAll } from '../support/ci.js';
import { generateProject, projectPython, type PythonEnv, REPO_ROOT, runCommand, tempDir } from '../support/project.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'standalone');
const HARDENING = join(REPO_ROOT, 'templates', 'hardening');

const APPS = [
  // A module-level `app = Flask(__name__)`; its test switches app.testing on itself.
  { name: 'guestbook', packageAt: 'hardening', ownTest: 'tests/test_app.py::test_signing_the_guestbook' },
  // A factory taking a test-config mapping; its fixture switches app.testing on after the build.
  { name: 'shop', packageAt: 'shop/hardening', ownTest: 'tests/test_shop.py::test_ordering_without_a_token' },
] as const;

describe.each(APPS)('the hardening package dropped into a third-party app ($name)', ({ name, packageAt, ownTest }) => {
  const tmp = tempDir(`hf-e2e-standalone-${name}-`);
  const app = join(tmp.dir, name);
  let python: PythonEnv;
  let run: { exitCode: number | null; output: string };

  beforeAll(async () => {
    cpSync(join(FIXTURES, name), app, { recursive: true });
    cpSync(HARDENING, join(app, packageAt), { recursive: true });
    // The deploy side a retrofit writes beside the package (gunicorn, nginx, systemd, the lock),
    // which the protection tests check: the generator's own, from a fresh generation.
    const donor = await generateProject('donor', {}, tmp.dir);
    for (const path of ['gunicorn.conf.py', 'deploy', 'requirements.lock']) cpSync(join(donor, path), join(app, path), { recursive: true });
    await commitAll(app);
    // The interpreter and packages of a generated project (Flask, Flask-WTF, Talisman, pytest).
    python = await projectPython(donor, { install: false });
    const env = { ...python.env };
    delete env.PYTHONPATH; // pytest.ini puts the app's own folder on sys.path
    const result = await runCommand(python.bin('python'), ['-m', 'pytest', '-v', '-rs'], { cwd: app, env, timeout: 300_000 });
    run = { exitCode: result.exitCode, output: result.stdout + result.stderr };
  });
  afterAll(() => tmp.cleanup());

  it('turns warnings into errors, as many real suites do', () => {
    expect(readFileSync(join(app, 'pytest.ini'), 'utf8')).toMatch(/^filterwarnings = error$/m);
  });

  it('passes its protection tests and its own test, which posts without a token', () => {
    expect(run.exitCode, run.output.slice(-6000)).toBe(0);
    expect(run.output).toContain(`${ownTest} PASSED`);
    const passed = [...run.output.matchAll(/^tests\/test_hardening\.py::(\S+) PASSED/gm)].map((m) => m[1]!);
    // The sweep and the checks, by name: each ran against this app and passed.
    for (const test of [
      'test_every_unsafe_route_refuses_a_request_without_token',
      'test_every_unsafe_route_accepts_a_request_with_token',
      'test_security_header[X-Frame-Options-DENY]',
      'test_content_security_policy_is_strict_with_a_nonce',
      'test_plain_http_is_redirected_to_https',
      'test_every_template_is_audited_and_clean',
      'test_the_project_passes_every_check',
      'test_the_projects_own_tests_are_not_refused_while_testing',
    ]) {
      expect(passed, test).toContain(test);
    }
    // Every gathered test ran: this app has everything but static files, a script on its start
    // page and a .env.example.
    const summary = /(\d+) passed, 4 skipped/.exec(run.output);
    expect(Number(summary?.[1] ?? 0)).toBeGreaterThan(220);
    // What may be skipped says why, and only for what this small app does not have.
    // pytest -rs folds skips with the same reason into one `SKIPPED [N]` line: count them.
    const skipped = [...run.output.matchAll(/^SKIPPED \[(\d+)\] (\S+): (.+)$/gm)].flatMap((m) => Array<string>(Number(m[1])).fill(m[3]!)).sort();
    expect(skipped).toEqual([
      'the app serves no static files',
      'the app serves no static files',
      'the project has no .env.example',
      'the start page loads no script, so no nonce can be checked',
    ]);
  });
});
