// The example preset end to end: the project it generates passes its own CI (lint, test and
// security, as scripts/ci_checks.py runs them; pip-audit skipped as in the other e2e tests), and
// the golden-path gates its GitLab CI adds (audit --policy, check-update) pass as written.
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { commitAll } from '../support/ci.js';
import { CLI, projectPython, type PythonEnv, REPO_ROOT, runCommand, tempDir } from '../support/project.js';

const EXAMPLE_PRESET = join(REPO_ROOT, 'examples', 'preset-acme');
const PACKAGE = '@acme/hardened-flask-preset';

describe('a project from the example preset', () => {
  const tmp = tempDir('hf-e2e-preset-');
  const project = join(tmp.dir, 'orders');
  let python: PythonEnv;

  beforeAll(async () => {
    // Installed as the README says: the preset package in node_modules, named by its package name.
    cpSync(EXAMPLE_PRESET, join(tmp.dir, 'node_modules', ...PACKAGE.split('/')), { recursive: true });
    const made = await runCommand('node', [CLI, 'new', project, '--yes', '--skip-install', '--preset', PACKAGE], {
      cwd: tmp.dir,
      env: { ...process.env, HARDENED_FLASK_PRESET: '' },
    });
    expect(made.exitCode, made.stderr).toBe(0);
    python = await projectPython(project);
    await commitAll(project);
  });
  afterAll(() => tmp.cleanup());

  it('passes its own CI: lint, test and security', async () => {
    const env = { ...python.env, PYTHONPATH: join(project, 'src') };
    const result = await runCommand('python', ['scripts/ci_checks.py', 'lint', 'test', 'security', '--skip', 'pip-audit'], { cwd: project, env, timeout: 900_000 });
    const output = result.stdout + result.stderr;
    expect(result.exitCode, output.slice(-6000)).toBe(0);
    expect(output).toMatch(/PASS {2}lint \/ ruff check/);
    expect(output).toMatch(/PASS {2}test \/ pytest/);
    expect(output).toMatch(/PASS {2}security \/ security check/);
    expect(output).toMatch(/SKIP {2}security \/ pip-audit/);
  });

  it('passes the policy gate and the update gate its CI runs', async () => {
    const ci = parseYaml(readFileSync(join(project, '.gitlab-ci.yml'), 'utf8')) as Record<string, { script?: string[]; extends?: string }>;
    for (const job of ['policy', 'check-update']) {
      expect(ci[job]?.extends, job).toBe('.golden-path');
      for (const line of ci[job]!.script!) {
        // The job's own command, with the bin run from this checkout instead of npx.
        const args = line.replace(/^npx hardened-flask /, '').split(' ');
        expect(line, job).toMatch(/^npx hardened-flask /);
        const result = await runCommand('node', [CLI, ...args], { cwd: project, timeout: 300_000 });
        expect(result.exitCode, `${line}\n${result.stdout}${result.stderr}`).toBe(0);
      }
    }
    const report = readFileSync(join(project, 'audit.md'), 'utf8');
    expect(report).toMatch(/## Policy of preset acme-web 1\.4\.0 \(@acme\/hardened-flask-preset; --policy\)\n\nNo violations\./);
  });

  it('passes audit with the recorded preset, 6 of 6 implemented', async () => {
    const result = await runCommand('node', [CLI, 'audit', project, '--format', 'json', '--fail-on', 'partial'], { cwd: tmp.dir });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { summary: { implemented: number }; policy: { chosenBy: string; violations: unknown[] } };
    expect(report.summary.implemented).toBe(6);
    expect(report.policy).toMatchObject({ chosenBy: 'recorded', violations: [] });
  });
});
