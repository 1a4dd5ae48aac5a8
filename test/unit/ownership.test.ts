import { describe, expect, it } from 'vitest';
import { buildManifest, compareManifest, MANIFEST_PATH, parseManifest, serializeManifest, sha256 } from '../../generators/lib/ownership.js';

const written = [
  { path: 'gunicorn.conf.py', owner: 'generator' as const, contents: 'bind = "unix:/run/x.sock"\n' },
  { path: '.env', owner: 'once' as const, contents: 'SECRET_KEY=abc\n', secret: true },
  { path: 'src/x/views.py', owner: 'user' as const, contents: Buffer.from('print(1)\n') },
  { path: '.yo-rc.json', owner: 'user' as const, contents: '{}' },
  { path: MANIFEST_PATH, owner: 'generator' as const, contents: '{}' },
];

describe('the ownership record', () => {
  it('records owner and sha256 per file, no hash for a secret, and never itself or .yo-rc.json', () => {
    const manifest = buildManifest('0.2.0', written);
    expect(manifest).toEqual({
      generator: 'generator-hardened-flask',
      version: '0.2.0',
      files: {
        'gunicorn.conf.py': { owner: 'generator', sha256: sha256('bind = "unix:/run/x.sock"\n') },
        '.env': { owner: 'once' },
        'src/x/views.py': { owner: 'user', sha256: sha256('print(1)\n') },
      },
    });
    expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('serialises with sorted keys, 2 spaces and a trailing newline, whatever the input order', () => {
    const text = serializeManifest(buildManifest('0.2.0', written));
    expect(text).toBe(serializeManifest(buildManifest('0.2.0', [...written].reverse())));
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "files": {');
    expect(text.indexOf('".env"')).toBeLessThan(text.indexOf('"gunicorn.conf.py"'));
    expect(parseManifest(text)).toEqual(buildManifest('0.2.0', written));
  });

  it('refuses a record that is not one, in one line naming the problem', () => {
    const good = buildManifest('0.2.0', written);
    const cases: [unknown, RegExp][] = [
      [[], /expected a JSON object/],
      [{ ...good, generator: 'other' }, /"generator" must be/],
      [{ ...good, version: 3 }, /"version"/],
      [{ ...good, files: [] }, /"files" must be an object/],
      [{ ...good, files: { '../x': { owner: 'user' } } }, /inside the project/],
      [{ ...good, files: { x: { owner: 'them' } } }, /owner "them"/],
      [{ ...good, files: { x: { owner: 'user', sha256: 'abc' } } }, /64 hex/],
    ];
    for (const [value, message] of cases) expect(() => parseManifest(JSON.stringify(value))).toThrow(message);
    expect(() => parseManifest('{')).toThrow(/not valid JSON/);
  });

  it('tells unchanged, changed, missing and unhashed files apart', () => {
    const manifest = buildManifest('0.2.0', written);
    const disk: Record<string, string> = { 'gunicorn.conf.py': 'bind = "0.0.0.0:80"\n', '.env': 'SECRET_KEY=other\n' };
    const states = compareManifest(manifest, (path) => disk[path]);
    expect(states).toEqual([
      { path: '.env', owner: 'once', state: 'unhashed' },
      { path: 'gunicorn.conf.py', owner: 'generator', state: 'changed' },
      { path: 'src/x/views.py', owner: 'user', state: 'missing' },
    ]);
    disk['gunicorn.conf.py'] = 'bind = "unix:/run/x.sock"\n';
    expect(compareManifest(manifest, (path) => disk[path])[1]!.state).toBe('unchanged');
  });
});
