// `update` on a retrofitted project, for real: the module-app fixture retrofitted (by the running
// package, and by an "old" copy of it whose gunicorn template differs), committed, edited like a
// team would, then updated. Only the files the retrofit created are re-rendered (by the
// retrofit's own renderer); the app and templates it edited are never touched; the team's edits
// stay and the project's own tests pass after.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_PATH, parseManifest } from '../../generators/lib/ownership.js';
import { derivedPackage, edit, templateText } from '../support/packages.js';
import { CLI, REPO_ROOT, runCommand, tempDir } from '../support/project.js';
import { cleanEnv, commitAll, fixturePython, fixtureRepo, git, pytest } from '../support/retrofit.js';
import { missingTools } from '../support/tools.js';

const missing = missingTools('update on a retrofit', ['python3', 'git', 'uv']);
const running = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
// The old gunicorn template's line, and what the running package has instead.
const OLD_TIMEOUT = ['timeout = 30\n', 'timeout = 75\n'] as const;
const TEAM_GUNICORN = '\n# Team: workers tuned for the 2-core VM.\n';
const TEAM_UNIT = 'Environment=TEAM_SETTING=1\n';

describe.skipIf(missing.length > 0)('update on a retrofitted project', () => {
  const tmp = tempDir('hf-update-retrofit-');
  const OLD = join(tmp.dir, 'old-package');
  const repos: { cleanup: () => void }[] = [];
  let python = '';
  afterAll(() => {
    for (const repo of repos) repo.cleanup();
    tmp.cleanup();
  });
  beforeAll(async () => {
    python = await fixturePython();
    derivedPackage(OLD, { version: '0.1.9', templates: { 'gunicorn.conf.py.ejs': edit(templateText('gunicorn.conf.py.ejs'), ...OLD_TIMEOUT) } });
    // The retrofit's Python helpers ship beside the sources, not in dist/.
    for (const helpers of ['audit/python', 'retrofit/python']) cpSync(join(REPO_ROOT, 'generators', helpers), join(OLD, 'generators', helpers), { recursive: true });
  }, 900_000);

  const run = (cli: string, args: string[]) => runCommand('node', [cli, ...args], { env: cleanEnv(), timeout: 300_000 });
  const testCmd = () => `${python} -m pytest -q -p no:cacheprovider`;
  async function retrofitted(cli: string, fixture = 'module-app', ...flags: string[]): Promise<{ dir: string; read: (path: string) => string }> {
    const repo = fixtureRepo(fixture);
    repos.push(repo);
    const result = await run(cli, ['retrofit', repo.dir, '--python', python, '--yes', '--skip-install', ...flags]);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    commitAll(repo.dir, 'retrofit');
    return { dir: repo.dir, read: (path) => readFileSync(join(repo.dir, path), 'utf8') };
  }

  it('records what update needs, and plans nothing on the same version', async () => {
    const { dir, read } = await retrofitted(CLI);
    const stored = JSON.parse(read('.yo-rc.json'))['generator-hardened-flask'];
    expect(stored).toMatchObject({ kind: 'retrofit', version: running, projectName: 'module-app', retrofit: { app: { module: 'app', var: 'app', factory: null, packageDir: '' }, testsDir: 'tests', reportOnly: false } });
    const dry = await run(CLI, ['update', dir, '--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('nothing to change');
    expect(dry.stdout).toContain('0 file(s) would change');
    const check = await run(CLI, ['check-update', dir, '--json']);
    expect(check.exitCode, check.stdout).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ recorded: running, current: true, files: [] });
    // A second retrofit still plans nothing (the record does not count as a change).
    const again = await run(CLI, ['retrofit', dir, '--python', python, '--dry-run', '--format', 'json']);
    expect(JSON.parse(again.stdout).result).toBe('nothing-to-do');
    expect(git(dir, 'status', '--porcelain')).toBe('');
  }, 600_000);

  // A factory app in a package, and one whose CSP starts report-only with an allow-list entry:
  // the record renders each exactly as the retrofit wrote it.
  for (const [fixture, recorded] of [
    ['factory-blueprints', { app: { factory: 'create_app', packageDir: 'notes' }, reportOnly: false }],
    ['legacy-inline', { app: { factory: null, packageDir: 'shop' }, reportOnly: true }],
  ] as const) {
    it(`plans nothing on the same version for ${fixture}`, async () => {
      const { dir, read } = await retrofitted(CLI, fixture, '--no-tests');
      const stored = JSON.parse(read('.yo-rc.json'))['generator-hardened-flask'];
      expect(stored.retrofit).toMatchObject(recorded);
      if (recorded.reportOnly) expect(stored.retrofit.allowlist.length).toBeGreaterThan(0);
      const dry = await run(CLI, ['update', dir, '--dry-run']);
      expect(dry.exitCode, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('0 file(s) would change');
      expect((await run(CLI, ['check-update', dir])).exitCode).toBe(0);
    }, 600_000);
  }

  it('brings a template change from an older version and keeps the team edits', async () => {
    const { dir, read } = await retrofitted(join(OLD, 'dist', 'generators', 'cli.js'));
    expect(read('gunicorn.conf.py')).toContain(OLD_TIMEOUT[1]);
    const appBefore = read('app.py');
    const indexBefore = read('templates/index.html');
    const unit = 'deploy/systemd/module-app.service';
    // The team edits two files the retrofit owns: one the new template changes too, one it does not.
    writeFileSync(join(dir, 'gunicorn.conf.py'), read('gunicorn.conf.py') + TEAM_GUNICORN);
    writeFileSync(join(dir, unit), read(unit).replace('[Service]\n', `[Service]\n${TEAM_UNIT}`));
    expect(read(unit)).toContain(TEAM_UNIT);
    commitAll(dir, 'team edits');

    const check = await run(CLI, ['check-update', dir, '--json']);
    expect(check.exitCode, check.stdout).toBe(1);
    expect(JSON.parse(check.stdout)).toMatchObject({ recorded: '0.1.9', latest: running, current: false, files: ['gunicorn.conf.py'] });

    const result = await run(CLI, ['update', dir, '--from', OLD, '--yes', '--skip-install', '--test-cmd', testCmd()]);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/gunicorn\.conf\.py/);
    const gunicorn = read('gunicorn.conf.py');
    expect(gunicorn).toContain(OLD_TIMEOUT[0]);
    expect(gunicorn).not.toContain(OLD_TIMEOUT[1]);
    expect(gunicorn).toContain(TEAM_GUNICORN);
    expect(gunicorn).not.toMatch(/^(<<<<<<<|>>>>>>>)/m);
    expect(read(unit)).toContain(TEAM_UNIT);
    // The files the retrofit edited are the project's: never re-rendered, never removed.
    expect(read('app.py')).toBe(appBefore);
    expect(read('templates/index.html')).toBe(indexBefore);
    const manifest = parseManifest(read(MANIFEST_PATH));
    expect(manifest.version).toBe(running);
    expect(manifest.files['app.py']?.owner).toBe('user');
    const stored = JSON.parse(read('.yo-rc.json'))['generator-hardened-flask'];
    expect(stored).toMatchObject({ kind: 'retrofit', version: running });

    const own = await pytest(dir, python);
    expect(own.exitCode, own.stdout.slice(-2000)).toBe(0);
    commitAll(dir, 'update');
    const dry = await run(CLI, ['update', dir, '--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('0 file(s) would change');
    expect((await run(CLI, ['check-update', dir])).exitCode).toBe(0);
  }, 600_000);
});
