// Presets, the pure parts and the finding of one: a preset is used whole or refused whole, its
// locks cannot be overridden, its defaults give way to what the user chose, its overlay adds to
// and replaces the generator's files.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_FILES } from '../../generators/app/files.js';
import { defaultAnswers } from '../../generators/lib/answers.js';
import { planFiles } from '../../generators/lib/manifest.js';
import { packageVersion } from '../../generators/lib/paths.js';
import {
  followedDefaults,
  isPackageName,
  loadPreset,
  locatePreset,
  overlayPlan,
  parseOverlayOwners,
  parsePreset,
  parsePresetRecord,
  type Preset,
  presetGiven,
  presetSpecFrom,
  readOverlay,
  recordedSource,
  refuseLockedOverrides,
} from '../../generators/lib/presets.js';
import { tempDir } from '../support/project.js';

const VERSION = packageVersion();
const TEMPLATES = PROJECT_FILES.map((row) => row.template);
const [MAJOR, MINOR] = VERSION.split('.').map(Number) as [number, number];
/** The range a preset written for this release would give. */
const THIS_RELEASE = `^${MAJOR}.${MINOR}.0`;

const base = {
  name: 'acme-web',
  version: '1.4.0',
  generator: THIS_RELEASE,
  defaults: { domain: 'orders.acme.example', ci: 'gitlab' },
  locked: { hstsMaxAge: 63072000, systemd: true },
  policy: { require: { debug: 'implemented' }, cspForbid: ["'unsafe-inline'"], minHstsMaxAge: 31536000, requireFiles: ['CODEOWNERS'] },
};

const tmp = tempDir('hf-presets-');
afterAll(() => tmp.cleanup());

function write(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('parsePreset', () => {
  it('accepts the preset format of the issue', () => {
    const spec = parsePreset({ ...base, templates: 'templates/' }, 'p.json', VERSION);
    expect(spec).toMatchObject({ name: 'acme-web', version: '1.4.0', templates: 'templates/' });
    expect(spec.defaults).toEqual({ domain: 'orders.acme.example', ci: 'gitlab' });
    expect(spec.locked).toEqual({ hstsMaxAge: 63072000, systemd: true });
    expect(spec.policy?.requireFiles).toEqual(['CODEOWNERS']);
  });

  it('normalises sizes as the answers file does', () => {
    expect(parsePreset({ ...base, defaults: { maxContentLength: '2m' } }, 'p.json', VERSION).defaults.maxContentLength).toBe(2 * 1024 * 1024);
  });

  // Each bad value refuses the preset as a whole, with one line naming the preset.
  it.each([
    ['a bad default (the same validators as answers)', { defaults: { domain: 'https://x' } }, /preset "acme-web": defaults: domain .* host name/],
    ['a bad lock', { locked: { hstsMaxAge: 10 } }, /preset "acme-web": locked: HSTS max-age must be between/],
    ['an unknown answer', { locked: { colour: 'red' } }, /locked: unknown answer "colour"/],
    ['an answer chosen per project', { defaults: { projectName: 'x' } }, /projectName is chosen per project/],
    ['a key both default and locked', { defaults: { ci: 'gitlab' }, locked: { ci: 'github' } }, /ci is both a default and locked/],
    ['an unknown top-level key', { extends: 'other' }, /unknown key "extends"/],
    ['an unknown policy key', { policy: { forbidCsp: [] } }, /policy: unknown key "forbidCsp"/],
    ['a policy requiring an unknown protection', { policy: { require: { xss: 'implemented' } } }, /unknown protection "xss"/],
    ['a policy requiring "missing"', { policy: { require: { csrf: 'missing' } } }, /csrf must be "implemented" or "partial"/],
    ['a CSP entry that is two sources', { policy: { cspForbid: ["'unsafe-inline' *"] } }, /not one source expression/],
    ['a negative HSTS minimum', { policy: { minHstsMaxAge: -1 } }, /minHstsMaxAge/],
    ['a required file outside the project', { policy: { requireFiles: ['../x'] } }, /inside the project/],
    ['a templates folder outside the preset', { templates: '../elsewhere' }, /inside the preset/],
    ['a version that is not semver', { version: '1.4' }, /"version" must be a semver version/],
    ['a generator range that is not a range', { generator: 'latest' }, /"generator" must be a semver range/],
    ['a name that is not package-like', { name: 'Acme Web' }, /"name" must be a lowercase package-style name/],
  ])('refuses %s', (_label, change, message) => {
    expect(() => parsePreset({ ...base, ...change }, 'p.json', VERSION)).toThrow(message);
  });

  it('refuses what is not an object, and says so in one line', () => {
    for (const raw of [null, [], 'x', 3]) {
      expect(() => parsePreset(raw, 'p.json', VERSION)).toThrow(/^preset p.json must be a JSON object$/);
    }
  });

  it('enforces the generator range against the running version', () => {
    expect(() => parsePreset({ ...base, generator: `>=${VERSION}` }, 'p.json', VERSION)).not.toThrow();
    expect(() => parsePreset({ ...base, generator: `${MAJOR}.x` }, 'p.json', VERSION)).not.toThrow();
    expect(() => parsePreset({ ...base, generator: `>${VERSION}` }, 'p.json', VERSION)).toThrow(
      new RegExp(`preset "acme-web" 1.4.0 supports generator-hardened-flask >${VERSION.replace(/\./g, '\\.')}, not ${VERSION.replace(/\./g, '\\.')}`),
    );
    expect(() => parsePreset({ ...base, generator: `^${MAJOR + 1}.0.0` }, 'p.json', VERSION)).toThrow(/supports generator-hardened-flask/);
    expect(() => parsePreset({ ...base, generator: `<${MAJOR}.${MINOR}.0` }, 'p.json', VERSION)).toThrow(/supports generator-hardened-flask/);
    // The release this wave is 0.2.0: a preset written for it accepts it and refuses 0.3.0.
    expect(() => parsePreset({ ...base, generator: '^0.2.0' }, 'p.json', '0.2.0')).not.toThrow();
    expect(() => parsePreset({ ...base, generator: '^0.2.0' }, 'p.json', '0.3.0')).toThrow(/not 0\.3\.0/);
  });
});

describe('locks and defaults', () => {
  const preset = { ...parsePreset(base, 'p.json', VERSION), file: '/p/preset.json', source: '/p/preset.json', kind: 'path' } as Preset;

  it('refuses an answer that contradicts a lock, naming the preset and the answer', () => {
    expect(() => refuseLockedOverrides(preset, { hstsMaxAge: 300 }, '--answers')).toThrow(
      'preset "acme-web" locks hstsMaxAge to 63072000; --answers gives 300',
    );
    expect(() => refuseLockedOverrides(preset, { hstsMaxAge: 63072000, domain: 'x.example' }, '--answers')).not.toThrow();
  });

  it('adds the locks to what was given, and refuses a contradicting answers file', () => {
    expect(presetGiven(preset, { stored: {}, fromFile: { domain: 'a.example' } })).toEqual({ domain: 'a.example', hstsMaxAge: 63072000, systemd: true });
    expect(() => presetGiven(preset, { stored: {}, fromFile: { systemd: false } })).toThrow(/locks systemd to true; --answers gives false/);
  });

  it('re-applies the locks over stored answers, and lets stored answers that only followed a default follow it again', () => {
    const record = { name: 'acme-web', version: '1.3.0', source: 'x', fromDefaults: ['domain' as const] };
    const given = presetGiven(preset, { stored: { domain: 'old.acme.example', ci: 'none', hstsMaxAge: 300 }, record, fromFile: {} });
    expect(given).toEqual({ ci: 'none', hstsMaxAge: 63072000, systemd: true });
    // Another preset's record says nothing about this one's defaults: the stored answer stays.
    expect(presetGiven(preset, { stored: { domain: 'old.acme.example' }, record: { ...record, name: 'other' }, fromFile: {} }).domain).toBe('old.acme.example');
  });

  it('records the defaults the user never chose', () => {
    const final = { ...defaultAnswers('svc'), domain: 'orders.acme.example', ci: 'gitlab' as const };
    expect(followedDefaults(preset, {}, final)).toEqual(['domain', 'ci']);
    expect(followedDefaults(preset, { ci: 'gitlab' }, final)).toEqual(['domain']);
    expect(followedDefaults(preset, {}, { ...final, domain: 'typed.example' })).toEqual(['ci']);
  });

  it('takes the flag over HARDENED_FLASK_PRESET', () => {
    expect(presetSpecFrom('./a.json', { HARDENED_FLASK_PRESET: './b.json' })).toBe('./a.json');
    expect(presetSpecFrom(undefined, { HARDENED_FLASK_PRESET: './b.json' })).toBe('./b.json');
    expect(presetSpecFrom(undefined, { HARDENED_FLASK_PRESET: '' })).toBeUndefined();
    expect(presetSpecFrom(undefined, {})).toBeUndefined();
  });
});

describe('the recorded preset', () => {
  it('keeps a package by name, a path inside the project relative, any other path absolute', () => {
    expect(recordedSource({ kind: 'package', source: '@acme/preset', file: '/x/node_modules/@acme/preset/preset.json' }, '/work/svc')).toBe('@acme/preset');
    expect(recordedSource({ kind: 'path', source: '/work/svc/presets', file: '/work/svc/presets/preset.json' }, '/work/svc')).toBe('./presets/preset.json');
    expect(recordedSource({ kind: 'path', source: '/work/acme', file: '/work/acme/preset.json' }, '/work/svc')).toBe('/work/acme/preset.json');
  });

  it('reads back only a well-formed record', () => {
    const good = { name: 'acme-web', version: '1.4.0', source: '@acme/preset', fromDefaults: ['domain'] };
    expect(parsePresetRecord(good, '.yo-rc.json')).toEqual(good);
    expect(() => parsePresetRecord({ ...good, fromDefaults: ['colour'] }, '.yo-rc.json')).toThrow(/fromDefaults/);
    expect(() => parsePresetRecord({ ...good, token: 'x' }, '.yo-rc.json')).toThrow(/unknown key "token"/);
    expect(() => parsePresetRecord({ ...good, version: 'one' }, '.yo-rc.json')).toThrow(/version/);
  });
});

describe('finding a preset', () => {
  const presetText = JSON.stringify({ ...base, generator: THIS_RELEASE });

  it('tells package names from paths', () => {
    expect(isPackageName('@acme/hardened-flask-preset')).toBe(true);
    expect(isPackageName('acme-preset')).toBe(true);
    for (const path of ['./preset.json', 'preset.json', '../acme', '/abs/preset.json', 'examples/preset-acme', '.']) expect(isPackageName(path)).toBe(false);
  });

  it('loads a preset file, a package folder and a folder holding preset.json', () => {
    const file = write(join(tmp.dir, 'plain', 'acme.json'), presetText);
    expect(loadPreset(file, [tmp.dir], VERSION)).toMatchObject({ name: 'acme-web', kind: 'path', file });
    const pkg = join(tmp.dir, 'pkgdir');
    write(join(pkg, 'package.json'), JSON.stringify({ name: '@acme/p', hardenedFlaskPreset: 'lib/acme.json' }));
    write(join(pkg, 'lib', 'acme.json'), presetText);
    expect(loadPreset('./pkgdir', [tmp.dir], VERSION).file).toBe(join(pkg, 'lib', 'acme.json'));
    write(join(tmp.dir, 'folder', 'preset.json'), presetText);
    expect(loadPreset('folder/', [tmp.dir], VERSION).file).toBe(join(tmp.dir, 'folder', 'preset.json'));
  });

  it('finds an installed package from the project first, then from the current folder', () => {
    const project = join(tmp.dir, 'project');
    const cwd = join(tmp.dir, 'cwd', 'deep', 'er');
    mkdirSync(cwd, { recursive: true });
    const install = (root: string, version: string) => {
      const dir = join(root, 'node_modules', '@acme', 'preset');
      write(join(dir, 'package.json'), JSON.stringify({ name: '@acme/preset', hardenedFlaskPreset: 'preset.json' }));
      write(join(dir, 'preset.json'), JSON.stringify({ ...base, version }));
    };
    install(join(tmp.dir, 'cwd'), '1.0.0'); // found by walking up from cwd/deep/er
    expect(loadPreset('@acme/preset', [project, cwd], VERSION)).toMatchObject({ version: '1.0.0', kind: 'package', source: '@acme/preset' });
    install(project, '2.0.0');
    expect(loadPreset('@acme/preset', [project, cwd], VERSION).version).toBe('2.0.0');
    expect(() => locatePreset('@acme/absent', [project, cwd])).toThrow(/preset package @acme\/absent is not installed/);
  });

  it('refuses a package without the hardenedFlaskPreset field, or one pointing outside it', () => {
    const dir = join(tmp.dir, 'node_modules', 'bare');
    write(join(dir, 'package.json'), JSON.stringify({ name: 'bare' }));
    expect(() => locatePreset('bare', [tmp.dir])).toThrow(/no "hardenedFlaskPreset" field/);
    write(join(dir, 'package.json'), JSON.stringify({ name: 'bare', hardenedFlaskPreset: '../../secrets.json' }));
    expect(() => locatePreset('bare', [tmp.dir])).toThrow(/inside the package/);
  });

  it('refuses a missing file, a folder where a file goes, invalid JSON and an oversized file', () => {
    expect(() => loadPreset('./nope.json', [tmp.dir], VERSION)).toThrow(/does not exist/);
    write(join(tmp.dir, 'bad.json'), '{ nope');
    expect(() => loadPreset('./bad.json', [tmp.dir], VERSION)).toThrow(/is not valid JSON/);
    write(join(tmp.dir, 'big.json'), `{"name": "${'x'.repeat(1024 * 1024)}"}`);
    expect(() => loadPreset('./big.json', [tmp.dir], VERSION)).toThrow(/larger than/);
    expect(() => loadPreset('/dev/zero', [tmp.dir], VERSION)).toThrow(/not a regular file/);
  });
});

describe('the overlay', () => {
  function overlay(name: string, files: Record<string, string>): Preset {
    const dir = join(tmp.dir, name);
    for (const [path, text] of Object.entries(files)) write(join(dir, 'templates', path), text);
    write(join(dir, 'preset.json'), JSON.stringify({ ...base, templates: 'templates' }));
    return loadPreset(join(dir, 'preset.json'), [tmp.dir], VERSION);
  }

  it('adds new files, replaces generator files under their own condition, and gives them their owners', () => {
    const preset = overlay('ov', {
      'CODEOWNERS.ejs': '* @acme/<%= projectName %>\n',
      'src/__pkg__/extra.py': '"""Acme."""\n',
      '.github/workflows/ci.yml.ejs': 'acme ci\n',
      'SECURITY.md.ejs': '# Acme\n',
      'files.json': JSON.stringify({ 'CODEOWNERS.ejs': { owner: 'generator' }, '.github/workflows/ci.yml.ejs': { owner: 'generator' } }),
    });
    const files = readOverlay(preset);
    expect(files.map((f) => f.template)).toEqual(['.github/workflows/ci.yml.ejs', 'CODEOWNERS.ejs', 'SECURITY.md.ejs', 'src/__pkg__/extra.py']);
    const answers = { ...defaultAnswers('svc'), ci: 'github' as const };
    const plan = overlayPlan(planFiles(PROJECT_FILES, answers), TEMPLATES, files, answers);
    const at = (to: string) => plan.find((f) => f.to === to);
    expect(at('CODEOWNERS')).toMatchObject({ render: true, owner: 'generator', from: join(preset.templatesDir!, 'CODEOWNERS.ejs') });
    expect(at('src/svc/extra.py')).toMatchObject({ render: false, owner: 'user' });
    expect(at('SECURITY.md')).toMatchObject({ owner: 'user', from: join(preset.templatesDir!, 'SECURITY.md.ejs') });
    expect(at('.github/workflows/ci.yml')).toMatchObject({ owner: 'generator', from: expect.stringContaining('templates') });
    // One file per destination, and every generator file still there.
    expect(new Set(plan.map((f) => f.to)).size).toBe(plan.length);
    expect(plan.length).toBe(planFiles(PROJECT_FILES, answers).length + 2);
    // A replacement keeps the generator file's condition: no GitHub workflow for GitLab CI.
    const gitlab = { ...answers, ci: 'gitlab' as const };
    expect(overlayPlan(planFiles(PROJECT_FILES, gitlab), TEMPLATES, files, gitlab).some((f) => f.to === '.github/workflows/ci.yml')).toBe(false);
  });

  it('keeps a replaced private file private', () => {
    const preset = overlay('ov-env', { '.env.ejs': 'SECRET_KEY=<%= devSecretKey %>\n' });
    const env = overlayPlan(planFiles(PROJECT_FILES, defaultAnswers('svc')), TEMPLATES, readOverlay(preset), defaultAnswers('svc')).find((f) => f.to === '.env')!;
    expect(env).toMatchObject({ mode: 0o600, owner: 'user' });
  });

  it('refuses files it may not write, links, and an owner file that names a missing file or a bad owner', () => {
    expect(() => overlay('ov-rc', { '.yo-rc.json': '{}' })).toThrow(/may not write \.yo-rc\.json/);
    expect(() => overlay('ov-twice', { 'a.txt': 'a', 'a.txt.ejs': 'b' })).toThrow(/both a\.txt and a\.txt\.ejs/);
    expect(() => overlay('ov-manifest', { '.hardened-flask/manifest.json.ejs': '{}' })).toThrow(/may not write \.hardened-flask\/manifest\.json/);
    expect(() => overlay('ov-owner', { 'a.txt': 'a', 'files.json': JSON.stringify({ 'b.txt': { owner: 'user' } }) })).toThrow(/names b\.txt, which is not in the overlay/);
    expect(() => parseOverlayOwners({ 'a.txt': { owner: 'root' } }, ['a.txt'], 'preset "x"')).toThrow(/a\.txt must be \{"owner"/);
    expect(() => parseOverlayOwners({ 'a.txt': { owner: 'user', mode: 7 } }, ['a.txt'], 'preset "x"')).toThrow(/a\.txt must be/);
    const dir = join(tmp.dir, 'ov-link');
    write(join(dir, 'templates', 'a.txt'), 'a');
    symlinkSync('/etc/passwd', join(dir, 'templates', 'passwd'));
    write(join(dir, 'preset.json'), JSON.stringify({ ...base, templates: 'templates' }));
    expect(() => loadPreset(join(dir, 'preset.json'), [tmp.dir], VERSION)).toThrow(/passwd is not a regular file/);
  });

  it('refuses a templates folder that does not exist', () => {
    write(join(tmp.dir, 'no-ov', 'preset.json'), JSON.stringify({ ...base, templates: 'templates' }));
    expect(() => loadPreset(join(tmp.dir, 'no-ov', 'preset.json'), [tmp.dir], VERSION)).toThrow(/templates folder .* does not exist/);
  });
});
