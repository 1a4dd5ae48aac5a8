// `new --preset`: the example preset and presets made here, through the real bin and through
// Yeoman. Locked answers are refused from --answers and never asked; defaults are offered and
// taken; overlay files are added and replace the generator's; the preset is recorded.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import helpers from 'yeoman-test';
import { packageVersion } from '../../generators/lib/paths.js';
import { CLI, REPO_ROOT, runCommand, tempDir } from '../support/project.js';
import { APP_GENERATOR, pretendTerminal } from './support.js';

export const EXAMPLE_PRESET = join(REPO_ROOT, 'examples', 'preset-acme');
const tmp = tempDir('hf-preset-gen-');
afterAll(() => tmp.cleanup());

const cli = (args: string[], env: NodeJS.ProcessEnv = {}, cwd = tmp.dir) =>
  runCommand('node', [CLI, ...args], { cwd, timeout: 120_000, env: { ...process.env, HARDENED_FLASK_PRESET: '', ...env } });

function expectOneLine(result: { exitCode: number; stderr: string }, pattern: RegExp | string) {
  expect(result.exitCode, result.stderr).toBe(2);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

const stored = (dir: string) => JSON.parse(readFileSync(join(dir, '.yo-rc.json'), 'utf8'))['generator-hardened-flask'];
const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, '.hardened-flask', 'manifest.json'), 'utf8')).files;

/** A folder of its own for one case, so "nothing written" can be checked by listing it. */
function caseDir(name: string, files: Record<string, unknown> = {}): string {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

const presetJson = () => JSON.parse(readFileSync(join(EXAMPLE_PRESET, 'preset.json'), 'utf8')) as Record<string, unknown>;

describe('new --preset (the bin)', () => {
  it('generates the example preset: defaults taken, locks applied, overlay added and replacing, preset recorded', async () => {
    const result = await cli(['new', 'orders', '--yes', '--skip-install', '--preset', EXAMPLE_PRESET]);
    expect(result.exitCode, result.stderr).toBe(0);
    const dir = join(tmp.dir, 'orders');
    const answers = stored(dir);
    expect(answers).toMatchObject({ domain: 'orders.acme.example', ci: 'gitlab', hstsMaxAge: 63072000, systemd: true });
    expect(answers.preset).toEqual({ name: 'acme-web', version: '1.4.0', source: join(EXAMPLE_PRESET, 'preset.json'), fromDefaults: ['domain', 'ci'] });
    // Added, rendered with the same context (__project__ and EJS values).
    expect(readFileSync(join(dir, 'CODEOWNERS'), 'utf8')).toContain('/src/orders/security.py');
    expect(readFileSync(join(dir, 'docs', 'orders-golden-path.md'), 'utf8')).toContain('`orders.acme.example`');
    // Replacing: the preset's GitLab CI, still valid YAML and still the project's own checks.
    const ci = readFileSync(join(dir, '.gitlab-ci.yml'), 'utf8');
    const parsed = parseYaml(ci) as Record<string, { script?: string[] }>;
    expect(parsed['policy']!.script!.join('\n')).toMatch(/hardened-flask audit \. --policy @acme\/hardened-flask-preset/);
    expect(parsed['security']!.script).toEqual(['python scripts/ci_checks.py security']);
    expect(existsSync(join(dir, '.github'))).toBe(false);
    // Owners: files.json for CODEOWNERS and CI, `user` for the rest of the overlay.
    const files = manifest(dir);
    expect(files['CODEOWNERS'].owner).toBe('generator');
    expect(files['.gitlab-ci.yml'].owner).toBe('generator');
    expect(files['docs/orders-golden-path.md'].owner).toBe('user');
    expect(files['CODEOWNERS'].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses an answers file that contradicts a lock: exit 2, one line naming the preset and the answer, nothing written', async () => {
    const dir = caseDir('locked-answers', { 'answers.json': { hstsMaxAge: 300, domain: 'x.example' } });
    expectOneLine(await cli(['new', 'svc', '--yes', '--answers', 'answers.json', '--preset', EXAMPLE_PRESET], {}, dir), 'hardened-flask: preset "acme-web" locks hstsMaxAge to 63072000; --answers gives 300');
    expect(readdirSync(dir)).toEqual(['answers.json']);
  });

  it('lets an answers file override a default, and records that the user chose it', async () => {
    const dir = caseDir('chosen', { 'answers.json': { domain: 'pay.acme.example', systemd: true } });
    const result = await cli(['new', 'svc', '--yes', '--skip-install', '--answers', 'answers.json', '--preset', EXAMPLE_PRESET], {}, dir);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(stored(join(dir, 'svc'))).toMatchObject({ domain: 'pay.acme.example', preset: { fromDefaults: ['ci'] } });
  });

  it('refuses a preset with one bad value as a whole, writing nothing', async () => {
    const preset = { ...presetJson(), templates: undefined, defaults: { domain: 'orders.acme.example', ci: 'jenkins' } };
    const dir = caseDir('bad-preset', { 'preset.json': preset });
    expectOneLine(await cli(['new', 'svc', '--yes', '--preset', './preset.json'], {}, dir), /^hardened-flask: preset "acme-web": defaults: ci must be one of github, gitlab, both, none$/);
    expect(readdirSync(dir)).toEqual(['preset.json']);
  });

  it('enforces the generator range: exit 2 outside it', async () => {
    const version = packageVersion();
    const dir = caseDir('range', { 'preset.json': { name: 'future', version: '2.0.0', generator: `>${version}` } });
    expectOneLine(await cli(['new', 'svc', '--yes', '--preset', './preset.json'], {}, dir), `preset "future" 2.0.0 supports generator-hardened-flask >${version}, not ${version}`);
    expect(readdirSync(dir)).toEqual(['preset.json']);
  });

  it.each([
    [['--preset', './missing.json'], /preset .*missing\.json does not exist/],
    [['--preset', '@acme/not-installed'], /preset package @acme\/not-installed is not installed/],
    [['--preset', ''], /--preset needs a file, folder or package name/],
  ])('refuses %j with one line', async (args, pattern) => {
    const dir = caseDir(`refuse-${readdirSync(tmp.dir).length}`);
    expectOneLine(await cli(['new', 'svc', '--yes', ...args], {}, dir), pattern);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reads HARDENED_FLASK_PRESET, and the flag wins over it', async () => {
    const dir = caseDir('env');
    const fromEnv = await cli(['new', 'svc', '--yes', '--skip-install'], { HARDENED_FLASK_PRESET: EXAMPLE_PRESET }, dir);
    expect(fromEnv.exitCode, fromEnv.stderr).toBe(0);
    expect(stored(join(dir, 'svc')).preset.name).toBe('acme-web');
    expect(existsSync(join(dir, 'svc', 'CODEOWNERS'))).toBe(true);
    // A broken preset in the environment does not matter when the flag names a good one.
    const flagWins = await cli(['new', 'svc2', '--yes', '--skip-install', '--preset', EXAMPLE_PRESET], { HARDENED_FLASK_PRESET: './nope.json' }, dir);
    expect(flagWins.exitCode, flagWins.stderr).toBe(0);
    // And the environment's preset is used (so refused when broken) without the flag.
    expectOneLine(await cli(['new', 'svc3', '--yes'], { HARDENED_FLASK_PRESET: './nope.json' }, dir), /nope\.json does not exist/);
  });

  it('finds an installed preset package by name and records the name', async () => {
    const dir = caseDir('package');
    cpSync(EXAMPLE_PRESET, join(dir, 'node_modules', '@acme', 'hardened-flask-preset'), { recursive: true });
    const result = await cli(['new', 'svc', '--yes', '--skip-install', '--preset', '@acme/hardened-flask-preset'], {}, dir);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(stored(join(dir, 'svc')).preset).toMatchObject({ name: 'acme-web', source: '@acme/hardened-flask-preset' });
  });

  it('follows the recorded preset on a re-run, with its locks', async () => {
    const dir = caseDir('rerun');
    cpSync(EXAMPLE_PRESET, join(dir, 'node_modules', '@acme', 'hardened-flask-preset'), { recursive: true });
    expect((await cli(['new', 'svc', '--yes', '--skip-install', '--preset', '@acme/hardened-flask-preset'], {}, dir)).exitCode).toBe(0);
    writeFileSync(join(dir, 'answers.json'), JSON.stringify({ systemd: false }));
    expectOneLine(await cli(['new', 'svc', '--yes', '--skip-install', '--force', '--answers', 'answers.json'], {}, dir), /preset "acme-web" locks systemd to true; --answers gives false/);
    const again = await cli(['new', 'svc', '--yes', '--skip-install', '--force'], {}, dir);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(stored(join(dir, 'svc')).preset.source).toBe('@acme/hardened-flask-preset');
  });
});

describe('yo hardened-flask --preset (the prompts)', () => {
  pretendTerminal();

  it('does not ask the locked answers, offers the preset defaults and takes them on Enter', async () => {
    const result = await helpers
      .run(APP_GENERATOR)
      .cd(tmp.dir)
      .withArguments(['prompted'])
      .withOptions({ skipInstall: true, preset: EXAMPLE_PRESET } as never);
    const asked = new Map(result.askedQuestions.map((q) => [q.name, q.answer]));
    expect(asked.has('hstsMaxAge')).toBe(false);
    expect(asked.has('systemd')).toBe(false);
    // Unanswered questions take their default: the preset's.
    expect(asked.get('domain')).toBe('orders.acme.example');
    expect(asked.get('ci')).toBe('gitlab');
    expect(asked.has('includeApi')).toBe(true);
    const answers = stored(join(tmp.dir, 'prompted'));
    expect(answers).toMatchObject({ domain: 'orders.acme.example', ci: 'gitlab', hstsMaxAge: 63072000, systemd: true });
    expect(answers.preset.fromDefaults).toEqual(['domain', 'ci']);
  });

  it('takes a typed answer over a default, and records that the user chose it', async () => {
    await helpers
      .run(APP_GENERATOR)
      .cd(tmp.dir)
      .withArguments(['typed'])
      .withOptions({ skipInstall: true, preset: EXAMPLE_PRESET } as never)
      .withAnswers({ domain: 'typed.acme.example', ci: 'both' });
    const answers = stored(join(tmp.dir, 'typed'));
    expect(answers).toMatchObject({ domain: 'typed.acme.example', ci: 'both', hstsMaxAge: 63072000 });
    expect(answers.preset.fromDefaults).toEqual([]);
  });
});
