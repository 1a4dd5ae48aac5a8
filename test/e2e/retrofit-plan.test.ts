// What the retrofit plans beyond the edits to the user's code: SECURITY.md and the CI workflow
// (left alone, with advice, where the project has its own), and `--only`, which narrows every
// planned change to the protections asked for.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditProject } from '../../generators/audit/audit.js';
import { runCommand } from '../support/project.js';
import { commitAll, fixturePython, fixtureRepo, retrofit, retrofitJson } from '../support/retrofit.js';
import { missingTools } from '../support/tools.js';

let python: string;
beforeAll(async () => {
  python = await fixturePython();
});

const OWN_WORKFLOW = `name: tests
on: [push]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0
      - run: python -m pytest -q
`;

describe('a project with its own CI and SECURITY.md', () => {
  it('keeps both, and says what to add: a security job (valid for actionlint) and the SECURITY.md sections', async () => {
    const repo = fixtureRepo('module-app');
    try {
      mkdirSync(join(repo.dir, '.github', 'workflows'), { recursive: true });
      writeFileSync(join(repo.dir, '.github', 'workflows', 'tests.yml'), OWN_WORKFLOW);
      writeFileSync(join(repo.dir, 'SECURITY.md'), '# Security\n\nMail security@example.com.\n');
      commitAll(repo.dir, 'the project has CI and a security policy');

      const { result, summary } = await retrofitJson(repo.dir, python, '--dry-run');
      expect(result.exitCode, result.stderr).toBe(0);
      const paths = summary.changes.map((c) => c.path);
      expect(paths).not.toContain('SECURITY.md');
      expect(paths.filter((p) => p.startsWith('.github/'))).toEqual([]);
      expect(summary.ci.workflow).toBeNull();
      expect(summary.ci.existing).toEqual(['.github/workflows/tests.yml']);
      expect(summary.ci.advice).toMatch(/^\.github\/workflows\/tests\.yml left as it is: /);
      expect(summary.ci.snippet).toMatch(/^ {2}security:\n/);
      expect(summary.ci.snippet).toContain('flask --app wsgi security check');
      expect(summary.human.find((h) => h.file === 'SECURITY.md')?.what).toMatch(/^exists, left as it is: add, per protection/);

      // The same advice in the text summary.
      const text = await retrofit(repo.dir, python, '--dry-run');
      expect(text.stdout).toContain('! CI: .github/workflows/tests.yml left as it is');
      expect(text.stdout).toContain('        flask --app wsgi security check');
      expect(text.stdout).toContain('! SECURITY.md exists, left as it is');

      if (missingTools('retrofit CI snippet (actionlint)', ['actionlint']).length > 0) return;
      // The snippet is a job: in the project's own workflow it must be valid.
      const merged = `${OWN_WORKFLOW}${summary.ci.snippet}\n`;
      writeFileSync(join(repo.dir, '.github', 'workflows', 'tests.yml'), merged);
      const lint = await runCommand('actionlint', ['.github/workflows/tests.yml'], { cwd: repo.dir });
      expect(lint.exitCode, lint.stdout + lint.stderr).toBe(0);
    } finally {
      repo.cleanup();
    }
  });
});

describe('--only narrows everything the retrofit plans', () => {
  it('--only server adds the production server and nothing of the hardening package, and the own tests still pass', async () => {
    const repo = fixtureRepo('module-app');
    try {
      const { result, summary } = await retrofitJson(repo.dir, python, '--yes', '--skip-install', '--only', 'server');
      expect(result.exitCode, result.stderr).toBe(0);
      expect(summary.tests!.broken).toEqual([]);
      expect(summary.tests!.after!.passed).toBe(4);
      const paths = summary.changes.map((c) => c.path);
      expect(paths.filter((p) => /hardening|SECURITY|\.github|\.env/.test(p))).toEqual([]);
      expect(paths).not.toContain('app.py');
      expect(paths).toEqual(expect.arrayContaining(['wsgi.py', 'gunicorn.conf.py', 'Procfile', 'requirements.txt', 'requirements.lock']));
      for (const change of summary.changes) expect(change.protections, change.path).toContain('server');
      expect(summary.changes.find((c) => c.path === 'requirements.txt')!.lines.map((l) => l.description)).toEqual(['werkzeug>=3.1.6 added', 'gunicorn>=23.0.0 added']);
      expect(summary.audit.after!['wsgi-server']).toBe('implemented');
      expect(summary.audit.after!['secret-key']).toBe(summary.audit.before['secret-key']);
      expect(summary.audit.after!.csrf).toBe(summary.audit.before.csrf);
    } finally {
      repo.cleanup();
    }
  });

  it('--only templates adds the template audit, its allow-list and proof, and the own tests still pass', async () => {
    const repo = fixtureRepo('legacy-inline');
    try {
      const { result, summary } = await retrofitJson(repo.dir, python, '--yes', '--skip-install', '--only', 'templates');
      expect(result.exitCode, result.stderr).toBe(0);
      expect(summary.tests!.broken).toEqual([]);
      expect(summary.tests!.after!.failed).toBe(0);
      const created = summary.changes.filter((c) => c.action === 'create').map((c) => c.path);
      expect(created).toEqual(
        expect.arrayContaining(['shop/hardening/template_audit.py', 'shop/hardening/template-audit-allowlist.toml', 'shop/hardening/tests/template_safety.py', 'tests/test_hardening.py']),
      );
      expect(created.filter((p) => /security\.py|secret_scan|checks\.py|deploy\/|wsgi\.py|SECURITY|\.github|\.env/.test(p))).toEqual([]);
      for (const change of summary.changes) expect(change.protections, change.path).toContain('templates');
      // The |safe is put on the allow-list unreviewed and listed for a human, never silently allowed.
      const allowlist = readFileSync(join(repo.dir, 'shop/hardening/template-audit-allowlist.toml'), 'utf8');
      expect(allowlist).toMatch(/shop\.html/);
      expect(JSON.stringify(summary)).toMatch(/shop\.html[^"]*"?,?[^}]*\|safe|\|safe[^}]*shop\.html/);
      for (const id of ['debug', 'wsgi-server', 'csrf', 'headers']) expect(summary.audit.after![id], id).toBe(summary.audit.before[id]);
    } finally {
      repo.cleanup();
    }
  });

  it('--only secret adds only what secret needs; a later full run completes the rest, then plans nothing', async () => {
    const repo = fixtureRepo('module-app');
    try {
      const before = (await retrofitJson(repo.dir, python, '--dry-run')).summary.audit.before;
      const { result, summary } = await retrofitJson(repo.dir, python, '--yes', '--skip-install', '--only', 'secret');
      expect(result.exitCode, result.stderr).toBe(0);
      expect(summary.tests!.broken).toEqual([]);
      expect(summary.tests!.after!.failed).toBe(0);
      // Each change serves secret (the package's shared parts and the init_app call serve it too).
      for (const change of summary.changes) expect(change.protections, change.path).toContain('secret');
      const created = summary.changes.filter((c) => c.action === 'create').map((c) => c.path).sort();
      expect(created).toEqual([
        '.env', '.env.example', '.gitignore',
        'hardening/__init__.py', 'hardening/secret_scan.py', 'hardening/secrets.py', 'hardening/testing.py',
        'hardening/tests/__init__.py', 'hardening/tests/secret_keys.py', 'hardening/tests/secrets_in_git.py',
        'tests/test_hardening.py',
      ]);
      expect(summary.changes.filter((c) => c.action === 'edit').map((c) => c.path).sort()).toEqual(['app.py', 'requirements.txt']);
      const requirements = summary.changes.find((c) => c.path === 'requirements.txt')!;
      expect(requirements.lines.map((l) => l.description)).toEqual(['werkzeug>=3.1.6 added']);
      expect(summary.ci).toMatchObject({ workflow: null, snippet: null });

      // The audit: secret implemented, every other protection as it was, except what init_app
      // itself brings to debug (the environment is chosen by APP_ENV, which the key policy needs).
      const after = summary.audit.after!;
      expect(after['secret-key']).toBe('implemented');
      for (const id of ['wsgi-server', 'csrf', 'templating', 'headers']) expect(after[id], id).toBe(before[id]);
      const report = await auditProject(repo.dir);
      const debug = report.protections.find((p) => p.id === 'debug')!;
      expect(debug.currentlyImplemented.map((c) => c.description)).toEqual(['Configuration chosen by the environment (APP_ENV)']);
      expect(debug.currentlyImplemented[0]!.evidence.map((e) => e.file)).toEqual(['hardening/__init__.py']);

      commitAll(repo.dir, 'retrofit --only secret');
      const full = await retrofitJson(repo.dir, python, '--yes', '--skip-install');
      expect(full.result.exitCode, full.result.stderr).toBe(0);
      expect(full.summary.tests!.broken).toEqual([]);
      expect(full.summary.tests!.after!.failed).toBe(0);
      expect(full.summary.tests!.after!.passed).toBeGreaterThan(150);
      const rest = full.summary.changes.map((c) => c.path);
      expect(rest).toEqual(expect.arrayContaining(['hardening/security.py', 'hardening/checks.py', 'config.py', 'wsgi.py', 'SECURITY.md', '.github/workflows/ci.yml']));
      expect(rest).not.toContain('hardening/secrets.py');
      expect(Object.values(full.summary.audit.after!).every((s) => s === 'implemented')).toBe(true);
      // The CSP settings init_app reads were added before the call the first run wrote.
      const app = readFileSync(join(repo.dir, 'app.py'), 'utf8');
      expect(app).toMatch(/app\.config\["CSP_EXTRA_SOURCES"\] = \{[^}]*\}\nhardening\.init_app\(app\)\n/);
      expect(app.match(/hardening\.init_app\(/g)).toHaveLength(1);

      commitAll(repo.dir, 'retrofit');
      const again = await retrofitJson(repo.dir, python, '--dry-run');
      expect(again.summary.result).toBe('nothing-to-do');
      expect(again.summary.changes).toEqual([]);
    } finally {
      repo.cleanup();
    }
  });
});
