// A preset update through `update` and `check-update`: the project follows a new version of its
// recorded preset (installed as a package) like a new generator version. Defaults move the answers
// the team never chose, new locks apply, overlay files are merged by owner, the team's edits stay.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../generators/lib/ownership.js';
import { CLI, REPO_ROOT, runCommand, tempDir } from '../support/project.js';

const EXAMPLE_PRESET = join(REPO_ROOT, 'examples', 'preset-acme');
const tmp = tempDir('hf-preset-update-');
afterAll(() => tmp.cleanup());

const PACKAGE = '@acme/hardened-flask-preset';
const installed = join(tmp.dir, 'node_modules', ...PACKAGE.split('/'));
const v14 = join(tmp.dir, 'preset-1.4.0');
const cli = (args: string[], cwd = tmp.dir) => runCommand('node', [CLI, ...args], { cwd, timeout: 180_000, env: { ...process.env, HARDENED_FLASK_PRESET: '' } });
const git = (dir: string, ...args: string[]) => execFileSync('git', ['-c', 'user.email=team@example.com', '-c', 'user.name=Team', ...args], { cwd: dir, encoding: 'utf8' });
const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');
const stored = (dir: string) => JSON.parse(read(dir, '.yo-rc.json'))['generator-hardened-flask'];

const DOC_ADDITION = '\nThe preset now also ships `.acme/service.yml` for the service catalogue.\n';
const TEAM_SECTION = '\n## On call\n\nPage #orders-oncall.\n';
/** The team writes below the title, away from the lines the preset changes. */
const addTeamSection = (text: string) => text.replace(/\n/, `\n${TEAM_SECTION}`);

/** Version 1.5.0 of the example preset: a new default, a new lock, a changed and an added file. */
function publishPreset15(): void {
  cpSync(EXAMPLE_PRESET, installed, { recursive: true, force: true });
  const presetFile = join(installed, 'preset.json');
  const preset = JSON.parse(readFileSync(presetFile, 'utf8'));
  preset.version = '1.5.0';
  preset.defaults.domain = 'orders.eu.acme.example';
  preset.locked.pythonVersion = '3.12';
  writeFileSync(presetFile, JSON.stringify(preset, null, 2));
  const doc = join(installed, 'templates', 'docs', '__project__-golden-path.md.ejs');
  writeFileSync(doc, readFileSync(doc, 'utf8') + DOC_ADDITION);
  mkdirSync(join(installed, 'templates', '.acme'), { recursive: true });
  writeFileSync(join(installed, 'templates', '.acme', 'service.yml.ejs'), 'name: <%= projectName %>\nowner: acme/<%= projectName %>-maintainers\n');
}

let project = '';

beforeAll(async () => {
  cpSync(EXAMPLE_PRESET, installed, { recursive: true });
  cpSync(EXAMPLE_PRESET, v14, { recursive: true });
  const made = await cli(['new', 'orders', '--yes', '--skip-install', '--preset', PACKAGE]);
  expect(made.exitCode, made.stderr).toBe(0);
  project = join(tmp.dir, 'orders');
  // The team writes in the golden-path doc (a user-owned preset file).
  git(project, 'init', '--quiet');
  writeFileSync(join(project, 'docs', 'orders-golden-path.md'), addTeamSection(read(project, 'docs/orders-golden-path.md')));
  git(project, 'add', '-A');
  git(project, 'commit', '--quiet', '-m', 'generated with acme-web 1.4.0');
});

describe('a preset update', () => {
  it('check-update says current while the preset is unchanged', async () => {
    const check = await cli(['check-update', project, '--json']);
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    expect(JSON.parse(check.stdout).preset).toEqual({ name: 'acme-web', recorded: '1.4.0', latest: '1.4.0', current: true });
  });

  it('check-update exits 1 once a newer preset version is installed, naming the files it changes', async () => {
    publishPreset15();
    const check = await cli(['check-update', project, '--json']);
    expect(check.exitCode, check.stderr).toBe(1);
    const result = JSON.parse(check.stdout);
    expect(result.preset).toEqual({ name: 'acme-web', recorded: '1.4.0', latest: '1.5.0', current: false });
    expect(result.files).toEqual(expect.arrayContaining(['.acme/service.yml', 'docs/orders-golden-path.md', 'pyproject.toml']));
    const text = await cli(['check-update', project]);
    expect(text.stdout).toMatch(/Behind: .*Preset acme-web: records 1\.4\.0, the newest is 1\.5\.0\./);
  });

  it('refuses --answers that contradict a new lock', async () => {
    writeFileSync(join(tmp.dir, 'py311.json'), JSON.stringify({ pythonVersion: '3.11' }));
    const refused = await cli(['update', project, '--yes', '--no-tests', '--skip-install', '--answers', join(tmp.dir, 'py311.json')]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr.trim()).toBe('hardened-flask: preset "acme-web" locks pythonVersion to "3.12"; --answers gives "3.11"');
    expect(git(project, 'status', '--porcelain')).toBe('');
  });

  it('without the recorded preset version at hand, plans a 2-way merge for a file both sides changed (dry run)', async () => {
    const plan = await cli(['update', project, '--dry-run', '--no-tests', '--skip-install']);
    expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/warning: preset acme-web 1\.4\.0 → 1\.5\.0: the 1\.4\.0 overlay is not at hand/);
    expect(plan.stdout).toMatch(/conflict docs\/orders-golden-path\.md +base not reproducible: 2-way merge \(1 conflict\)/);
    // Files the team left alone still get the preset's new version.
    expect(plan.stdout).toMatch(/create +\.acme\/service\.yml/);
    expect(git(project, 'status', '--porcelain')).toBe('');
  });

  it('updates: new default and lock applied, preset files merged by owner, the team edit kept, the record moved', async () => {
    const result = await cli(['update', project, '--yes', '--no-tests', '--skip-install', '--preset-from', v14]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Preset acme-web 1\.4\.0 → 1\.5\.0/);
    expect(result.stdout).toMatch(/locks pythonVersion to "3\.12" \(was "3\.11"\)/);
    const answers = stored(project);
    // The domain followed the preset's default, so it follows the new one; ci was never chosen either.
    expect(answers).toMatchObject({ domain: 'orders.eu.acme.example', pythonVersion: '3.12', ci: 'gitlab', hstsMaxAge: 63072000 });
    expect(answers.preset).toMatchObject({ name: 'acme-web', version: '1.5.0', source: PACKAGE, fromDefaults: ['domain', 'ci'] });
    expect(read(project, 'deploy/nginx/orders.conf')).toContain('orders.eu.acme.example');
    expect(read(project, 'pyproject.toml')).toMatch(/requires-python = ">=3\.12"/);
    // A file the preset added, and a user-owned preset file merged 3-way: both changes present.
    expect(read(project, '.acme/service.yml')).toBe('name: orders\nowner: acme/orders-maintainers\n');
    const doc = read(project, 'docs/orders-golden-path.md');
    expect(doc).toContain('## On call');
    expect(doc).toContain('`.acme/service.yml`');
    expect(doc).toContain('orders.eu.acme.example');
    expect(doc).not.toContain('<<<<<<<');
    const manifest = parseManifest(read(project, '.hardened-flask/manifest.json'));
    expect(manifest.files['.acme/service.yml']?.owner).toBe('user');
    expect(manifest.files['CODEOWNERS']?.owner).toBe('generator');
    // Current now, and the policy of the new preset still passes.
    git(project, 'add', '-A');
    git(project, 'commit', '--quiet', '-m', 'acme-web 1.5.0');
    expect((await cli(['check-update', project])).exitCode).toBe(0);
    const audit = await cli(['audit', project]);
    expect(audit.exitCode, audit.stdout).toBe(0);
    expect(audit.stdout).toMatch(/Policy of preset acme-web 1\.5\.0 .*\n {2}no violations/);
    expect(existsSync(join(project, '.github'))).toBe(false);
  });
});
