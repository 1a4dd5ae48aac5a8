// Retrofit on projects that look like real ones (test/fixtures/retrofit/), proved by their own
// tests: baseline green → retrofit --yes → own tests still green, the added protection tests
// green, no protection `missing` in the audit, no original line lost, a second run plans nothing;
// --dry-run writes nothing and a dirty tree is refused.
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditProject } from '../../generators/audit/audit.js';
import { lostLines } from '../../generators/retrofit/text-edits.js';
import { runCommand } from '../support/project.js';
import { commitAll, fixturePython, fixtureRepo, git, pytest, retrofit, retrofitJson } from '../support/retrofit.js';
import { missingTools } from '../support/tools.js';
import type { RetrofitSummary } from '../../generators/retrofit/command.js';

interface Expectation {
  /** Own tests in the fixture, all passing before. */
  ownTests: number;
  /** Files the retrofit must edit (a subset of what it edits). */
  edits: string[];
  /** Files it must create. */
  creates: string[];
  reportOnly: boolean;
  /** Added protection tests that fail when run in one session with the project's own tests. */
  failingTogether: string[];
  /** What must be listed for a human (substring of a summary line). */
  human: string[];
  /** Protections the audit must call implemented after the retrofit. */
  implemented?: string[];
}

const FIXTURES: [string, Expectation][] = [
  [
    'module-app',
    {
      ownTests: 4,
      edits: ['app.py', 'templates/base.html', 'templates/index.html', 'Procfile', 'requirements.txt'],
      creates: ['hardening/__init__.py', 'hardening/testing.py', 'tests/test_hardening.py', 'wsgi.py', 'gunicorn.conf.py', 'static/hardening-csrf.js', 'config.py', '.env', '.env.example'],
      reportOnly: false,
      failingTogether: [],
      human: ['integrity= (SRI)'],
    },
  ],
  [
    'factory-blueprints',
    {
      ownTests: 5,
      edits: ['notes/__init__.py', 'notes/templates/base.html', 'notes/templates/notes/index.html', 'Dockerfile', 'pyproject.toml'],
      creates: ['notes/hardening/__init__.py', 'tests/test_hardening.py', 'wsgi.py', 'notes/static/hardening-csrf.js', 'notes/config.py', '.dockerignore'],
      reportOnly: false,
      failingTogether: [],
      human: [],
      // notes.js's fetch(DELETE) sends no token itself; base.html loads the shim first (the
      // browser e2e in retrofit-stack.test.ts shows the header arriving).
      implemented: ['csrf'],
    },
  ],
  [
    'legacy-inline',
    {
      ownTests: 3,
      edits: ['shop/app.py', 'shop/templates/shop.html', 'docker-compose.yml', 'requirements.txt'],
      creates: ['shop/hardening/__init__.py', 'shop/hardening/template-audit-allowlist.toml', 'tests/test_hardening.py', 'wsgi.py'],
      reportOnly: true,
      // Report-only: nginx sends the same policy report-only, and the deploy check compares
      // that header (retrofit-report-only.test.ts), so every nginx weakening is still found.
      failingTogether: [],
      human: ['onclick=', 'style=""', '|safe', 'sends the CSP report-only (Content-Security-Policy-Report-Only), as the app does'],
    },
  ],
];

let python: string;
beforeAll(async () => {
  python = await fixturePython();
});

describe.each(FIXTURES)('retrofit of %s', (name, expected) => {
  let repo: { dir: string; cleanup: () => void };
  let summary: RetrofitSummary;
  let originals: Map<string, string>;

  beforeAll(async () => {
    repo = fixtureRepo(name);
    originals = new Map(expected.edits.map((f) => [f, readFileSync(join(repo.dir, f), 'utf8')]));
  });
  afterAll(() => repo.cleanup());

  it('starts from a green baseline', async () => {
    const baseline = await pytest(repo.dir, python);
    expect(baseline.exitCode, baseline.stdout).toBe(0);
    expect(baseline.stdout).toMatch(new RegExp(`\\b${expected.ownTests} passed`));
  });

  it('--dry-run prints the plan and a diff and writes nothing', async () => {
    const head = git(repo.dir, 'rev-parse', 'HEAD');
    const dry = await retrofit(repo.dir, python, '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('+++ b/');
    expect(dry.stdout).toContain('hardening.init_app(');
    expect(git(repo.dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(git(repo.dir, 'rev-parse', 'HEAD')).toBe(head);
  });

  it('refuses a dirty tree, and changes to confirm without a terminal', async () => {
    const [first] = expected.edits;
    appendFileSync(join(repo.dir, first!), '\n');
    const dirty = await retrofit(repo.dir, python, '--yes', '--no-tests');
    expect(dirty.exitCode).toBe(2);
    expect(dirty.stderr).toMatch(/uncommitted changes.*--allow-dirty/);
    expect(git(repo.dir, 'status', '--porcelain')).toBe(` M ${first}\n`);
    git(repo.dir, 'checkout', '--', first!);
    const noTty = await retrofit(repo.dir, python, '--no-tests');
    expect(noTty.exitCode).toBe(2);
    expect(noTty.stderr).toMatch(/no terminal to confirm \d+ change\(s\).*--yes/);
    expect(git(repo.dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('applies with --yes: own tests still pass, protection tests pass, nothing missing', async () => {
    // uv compiles the hash-pinned requirements.lock; without it the lock is left for a human.
    if (missingTools('retrofit (requirements.lock)', ['uv']).length > 0) return;
    const run = await retrofitJson(repo.dir, python, '--yes', '--skip-install');
    summary = run.summary;
    expect(run.result.exitCode, run.result.stderr).toBe(0);
    expect(summary.result).toBe('applied');
    expect(summary.tests!.before!.passed).toBe(expected.ownTests);
    expect(summary.tests!.broken).toEqual([]);
    const edited = summary.changes.filter((c) => c.action === 'edit').map((c) => c.path);
    const created = summary.changes.filter((c) => c.action === 'create').map((c) => c.path);
    expect(edited).toEqual(expect.arrayContaining(expected.edits));
    expect(created).toEqual(expect.arrayContaining(expected.creates));
    expect(summary.cspReportOnly).toBe(expected.reportOnly);
    const listed = [...summary.human, ...summary.blockers].map((h) => h.what).join('\n');
    for (const item of expected.human) expect(listed).toContain(item);

    // The project's own tests, and the added protection tests, run again by us.
    const own = await pytest(repo.dir, python, '--deselect', 'tests/test_hardening.py', '--ignore', 'tests/test_hardening.py');
    expect(own.exitCode, own.stdout).toBe(0);
    expect(own.stdout).toMatch(new RegExp(`\\b${expected.ownTests} passed`));
    const protection = await pytest(repo.dir, python, 'tests/test_hardening.py', '-rf');
    // pytest's closing line (a failure's own output may hold "N passed" of `flask security check`).
    expect(Number(/(\d+) passed[^\n]* in [\d.]+s/.exec(protection.stdout)?.[1]), protection.stdout).toBeGreaterThan(150);
    // The lock the "dependencies locked" check wants, compiled with hashes by the retrofit.
    expect(created).toContain('requirements.lock');
    expect(readFileSync(join(repo.dir, 'requirements.lock'), 'utf8')).toMatch(/^flask==\S+ \\\n\s+--hash=sha256:/m);
    const failing = [...protection.stdout.matchAll(/^FAILED tests\/test_hardening\.py::(\w+(?:\[[^\]]*\])?)/gm)].map((m) => `tests.test_hardening::${m[1]}`);
    expect(failing, protection.stdout).toEqual(expected.failingTogether);
    expect(summary.tests!.failingAdded).toEqual(expected.failingTogether);

    const report = await auditProject(repo.dir);
    const missing = report.protections.filter((p) => p.status === 'missing').map((p) => p.id);
    expect(missing).toEqual([]);
    for (const id of expected.implemented ?? []) expect(report.protections.find((p) => p.id === id)?.status, id).toBe('implemented');
    expect(summary.audit.after).toEqual(Object.fromEntries(report.protections.map((p) => [p.id, p.status])));
  });

  it('adds SECURITY.md and a CI workflow that actionlint accepts', async () => {
    const created = summary.changes.filter((c) => c.action === 'create').map((c) => c.path);
    expect(created).toEqual(expect.arrayContaining(['SECURITY.md', '.github/workflows/ci.yml']));
    expect(summary.ci).toMatchObject({ workflow: '.github/workflows/ci.yml', existing: [], snippet: null });
    const doc = readFileSync(join(repo.dir, 'SECURITY.md'), 'utf8');
    // The new-project text, pointing at where this project keeps the package.
    expect(doc).toContain(`${summary.app!.packageDir ? `${summary.app!.packageDir}/` : ''}hardening/security-headers.json`);
    expect(doc).toContain('## Rotate the secret key');
    expect(doc).not.toMatch(/tests\/test_config\.py|src\/app\/|&#34;/);
    expect(doc.includes('Content-Security-Policy-Report-Only')).toBe(expected.reportOnly);
    const workflow = readFileSync(join(repo.dir, '.github', 'workflows', 'ci.yml'), 'utf8');
    expect(workflow).toContain('flask --app wsgi security check');
    expect(workflow).toContain('python -m pytest -q');
    expect(workflow).not.toContain('ci_checks.py');
    if (missingTools('retrofit workflow (actionlint)', ['actionlint']).length > 0) return;
    const lint = await runCommand('actionlint', ['.github/workflows/ci.yml'], { cwd: repo.dir });
    expect(lint.exitCode, lint.stdout + lint.stderr).toBe(0);
  });

  it('loses no original line, apart from the replacements the summary lists', () => {
    for (const [file, before] of originals) {
      const after = readFileSync(join(repo.dir, file), 'utf8');
      const change = summary.changes.find((c) => c.path === file)!;
      const replaced = change.lines.flatMap((l) => l.removed);
      expect(lostLines(before, after, replaced), file).toEqual([]);
      // And every replaced line really was one of the file's lines.
      for (const line of replaced) expect(before.split('\n'), file).toContain(line);
    }
  });

  it('writes .env private and ignored, and the ownership record', () => {
    if (existsSync(join(repo.dir, '.env'))) {
      expect(statSync(join(repo.dir, '.env')).mode & 0o777).toBe(0o600);
      expect(git(repo.dir, 'check-ignore', '.env').trim()).toBe('.env');
    }
    const manifest = JSON.parse(readFileSync(join(repo.dir, '.hardened-flask', 'manifest.json'), 'utf8')) as {
      generator: string;
      files: Record<string, { owner: string; sha256?: string }>;
    };
    expect(manifest.generator).toBe('generator-hardened-flask');
    const hardeningInit = expected.creates.find((f) => f.endsWith('hardening/__init__.py'))!;
    expect(manifest.files[hardeningInit]!.owner).toBe('generator');
    expect(manifest.files[hardeningInit]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.files['tests/test_hardening.py']!.owner).toBe('user');
    if (manifest.files['.env']) expect(manifest.files['.env']).toEqual({ owner: 'once' });
    expect(Object.keys(manifest.files)).toEqual([...Object.keys(manifest.files)].sort());
  });

  it('plans nothing on a second run', async () => {
    commitAll(repo.dir, 'retrofit');
    const again = await retrofitJson(repo.dir, python, '--dry-run');
    expect(again.result.exitCode).toBe(0);
    expect(again.summary.result).toBe('nothing-to-do');
    expect(again.summary.changes).toEqual([]);
    const applied = await retrofit(repo.dir, python, '--yes');
    expect(applied.exitCode).toBe(0);
    expect(git(repo.dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });
});

describe('retrofit proof and safety', () => {
  it('restores every file and exits 1 when a test that passed before fails after', async () => {
    const repo = fixtureRepo('module-app');
    try {
      // A test that pins the literal key: the retrofit replaces it, so this test must break.
      writeFileSync(
        join(repo.dir, 'tests', 'test_key.py'),
        'from app import app\n\n\ndef test_key_is_the_literal():\n    assert app.config["SECRET_KEY"] == "dev-secret-key-do-not-use"\n',
      );
      commitAll(repo.dir, 'a test that depends on the literal key');
      const { result, summary } = await retrofitJson(repo.dir, python, '--yes', '--skip-install');
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/test_key_is_the_literal.*every file was restored/);
      expect(summary.result).toBe('rolled-back');
      expect(summary.tests!.broken).toEqual(['tests.test_key::test_key_is_the_literal']);
      expect(git(repo.dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    } finally {
      repo.cleanup();
    }
  });

  it('--allow-dirty keeps a copy of every file it changes under .hardened-flask/backup/<time>/', async () => {
    const repo = fixtureRepo('module-app');
    try {
      appendFileSync(join(repo.dir, 'views.py'), '# work in progress\n');
      const dirtyApp = `${readFileSync(join(repo.dir, 'app.py'), 'utf8')}# also in progress\n`;
      writeFileSync(join(repo.dir, 'app.py'), dirtyApp);
      const { result, summary } = await retrofitJson(repo.dir, python, '--yes', '--allow-dirty', '--no-tests');
      expect(result.exitCode, result.stderr).toBe(0);
      expect(summary.backup).toMatch(/^\.hardened-flask\/backup\/\d{4}-/);
      const backup = join(repo.dir, summary.backup!);
      expect(readFileSync(join(backup, 'app.py'), 'utf8')).toBe(dirtyApp);
      expect(readdirSync(backup)).not.toContain('views.py');
      expect(readFileSync(join(repo.dir, 'app.py'), 'utf8')).toContain('# also in progress');
    } finally {
      repo.cleanup();
    }
  });

  it('--only secret replaces the key and adds its loader (init_app), nothing else of the user\'s', async () => {
    const repo = fixtureRepo('module-app');
    try {
      const { result, summary } = await retrofitJson(repo.dir, python, '--yes', '--only', 'secret', '--no-tests');
      expect(result.exitCode, result.stderr).toBe(0);
      const edited = summary.changes.filter((c) => c.action === 'edit').map((c) => c.path);
      expect(edited.sort()).toEqual(['app.py', 'requirements.txt']);
      const created = summary.changes.filter((c) => c.action === 'create').map((c) => c.path);
      expect(created).toEqual(expect.arrayContaining(['hardening/__init__.py', '.env', '.env.example', '.gitignore']));
      expect(created).not.toContain('wsgi.py');
      const app = readFileSync(join(repo.dir, 'app.py'), 'utf8');
      expect(app).toContain('app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY")');
      expect(app).toContain('hardening.init_app(');
      expect(app).toContain('app.run(debug=True, port=5000)');
      expect(readFileSync(join(repo.dir, 'templates', 'index.html'), 'utf8')).not.toContain('csrf_token');
      git(repo.dir, 'add', '-A');
      git(repo.dir, 'reset', '-q', '--hard');
      rmSync(join(repo.dir, '.git'), { recursive: true, force: true });
      const notRepo = await retrofit(repo.dir, python, '--yes');
      expect(notRepo.exitCode).toBe(2);
      expect(notRepo.stderr).toMatch(/not a git work tree/);
    } finally {
      repo.cleanup();
    }
  });
});

