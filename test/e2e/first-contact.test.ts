// What a newcomer does first, for real: the README's quick start names the project
// `my-service` (a package name long enough to push lines past ruff's limit, which `demo` never
// did); its own CI checks must pass, and the generated README's production recipe must work.
import { symlinkSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALLED_MODULES, STDLIB_MODULES } from '../../generators/lib/python-names.js';
import { commitAll, pipAuditReachable } from '../support/ci.js';
import { freePort } from '../support/http.js';
import { CLI, generateProject, projectPython, type PythonEnv, REPO_ROOT, runCommand, tempDir } from '../support/project.js';
import { missingTools } from '../support/tools.js';

describe('my-service, as the README quick start makes it', () => {
  const tmp = tempDir('hf-e2e-first-');
  let project: string;
  let python: PythonEnv;

  beforeAll(async () => {
    // `npm start -- new my-service --yes`; the install step is the cached venv (same requirements).
    const result = await runCommand('node', [CLI, 'new', 'my-service', '--yes', '--skip-install'], { cwd: tmp.dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toMatch(/No change to package\.json|An error occured/);
    project = join(tmp.dir, 'my-service');
    python = await projectPython(project);
    // The README's commands use the project's own .venv.
    symlinkSync(python.venv, join(project, '.venv'));
    await commitAll(project);
  });
  afterAll(() => tmp.cleanup());

  it('passes its own lint, test and security jobs (scripts/ci_checks.py)', async () => {
    const reachable = await pipAuditReachable();
    // pip-audit asks a web service this machine may not reach: then it is skipped, visibly, and
    // every other step is still asserted. ci_checks.py prints SKIP for it.
    const skip = reachable.ok ? [] : ['--skip', 'pip-audit'];
    if (!reachable.ok) console.warn(`SKIP pip-audit: its vulnerability service is unreachable (${reachable.reason})`);
    const result = await runCommand('python', ['scripts/ci_checks.py', 'lint', 'test', 'security', ...skip], {
      cwd: project,
      env: python.env,
      timeout: 600_000,
    });
    const output = result.stdout + result.stderr;
    expect(result.exitCode, output.slice(-6000)).toBe(0);
    expect(output).not.toMatch(/^FAIL/m);
    expect(output).toMatch(/^all steps passed$/m);
    for (const step of ['ruff check', 'ruff format', 'pytest', 'security check', 'template audit', 'bandit', 'secret scan']) {
      expect(output, step).toMatch(new RegExp(`^PASS {2}\\w+ / ${step} \\(`, 'm'));
    }
  });

  it("runs the generated README's production recipe: the production build answers with its headers", async () => {
    const readme = readFileSync(join(project, 'README.md'), 'utf8');
    const block = /<!-- production-recipe -->\s*```sh\n([\s\S]*?)```\s*<!-- \/production-recipe -->/.exec(readme)?.[1];
    expect(block, 'README.md has the recipe').toBeDefined();
    expect(block).toMatch(/^PORT=8000 /m);
    const port = await freePort();
    const script = block!.replace(/^PORT=8000 /m, `PORT=${port} `);
    const env = { ...python.env };
    delete env.PYTHONPATH; // the recipe runs the installed project, as a user would
    const result = await runCommand('bash', ['-e', '-c', script], { cwd: project, env, timeout: 120_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^HTTP\/1\.1 200 OK\r?$/m);
    expect(result.stdout).toMatch(/^content-security-policy: default-src 'none'; script-src 'self' 'nonce-/im);
    expect(result.stdout).toMatch(/^strict-transport-security: max-age=63072000; includeSubDomains\r?$/im);
    expect(result.stdout).toMatch(/^set-cookie: __Host-session=.*; Secure; HttpOnly; Path=\/; SameSite=Lax/im);
  });

  it('refuses every module name its environment can import as a package name', async () => {
    // The list in generators/lib/python-names.ts is derived from this venv by
    // scripts/python-names.mjs; a dependency that brings a new module makes it stale.
    const result = await runCommand(python.bin('python'), [join(REPO_ROOT, 'scripts', 'python-names.py'), 'my-service'], { env: python.env });
    expect(result.exitCode, result.stderr).toBe(0);
    const derived = JSON.parse(result.stdout) as { stdlib: string[]; installed: string[] };
    const missing = [...derived.installed, ...derived.stdlib].filter((name) => !INSTALLED_MODULES.has(name) && !STDLIB_MODULES.has(name));
    expect(missing, 'run: node scripts/python-names.mjs <venv> python3.12 python3.13').toEqual([]);
    expect(derived.installed).toContain('yaml');
  });
});

describe('a package named like a soft keyword works', () => {
  const tmp = tempDir('hf-e2e-soft-');
  afterAll(() => tmp.cleanup());

  it.skipIf(missingTools('soft keyword project', ['python3']).length > 0)('packageName "type" passes its own pytest', async () => {
    const project = await generateProject('type-svc', { packageName: 'type' }, tmp.dir);
    const python = await projectPython(project);
    const result = await runCommand(python.bin('pytest'), ['-q', '-p', 'no:cacheprovider'], { cwd: project, env: python.env, timeout: 600_000 });
    expect(result.exitCode, result.stdout.slice(-4000) + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\d+ passed/);
  });
});
