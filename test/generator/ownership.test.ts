// The ownership record of a fresh project: every generated file listed with the owner files.ts
// gives it and the sha256 of the bytes on disk, and the same answers give the same record.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_FILES } from '../../generators/app/files.js';
import { completeAnswers } from '../../generators/lib/answers.js';
import { planFiles } from '../../generators/lib/manifest.js';
import { compareManifest, MANIFEST_PATH, parseManifest, sha256 } from '../../generators/lib/ownership.js';
import { readTree, runApp } from './support.js';

const PKG_VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

describe('the ownership record of a new project', () => {
  for (const answers of [{}, { includeApi: false, systemd: false, ci: 'both' as const, packageName: 'svc' }]) {
    it(`lists every generated file with its owner and the hash of its bytes (${JSON.stringify(answers)})`, async () => {
      const dir = await runApp('owned', answers);
      const text = readFileSync(join(dir, MANIFEST_PATH), 'utf8');
      const manifest = parseManifest(text);
      expect(manifest.version).toBe(PKG_VERSION);
      const planned = planFiles(PROJECT_FILES, completeAnswers(answers, 'owned'));
      const tree = readTree(dir);
      // Exactly the generated files: the record lists neither itself nor .yo-rc.json.
      expect(Object.keys(manifest.files).sort()).toEqual([...tree.keys()].filter((p) => p !== MANIFEST_PATH && p !== '.yo-rc.json').sort());
      for (const file of planned) {
        const recorded = manifest.files[file.to];
        expect(recorded?.owner, file.to).toBe(file.owner);
        if (file.to === '.env') expect(recorded?.sha256).toBeUndefined();
        else expect(recorded?.sha256, file.to).toBe(sha256(readFileSync(join(dir, file.to))));
      }
      expect(compareManifest(manifest, (p) => readFileSync(join(dir, p))).filter((c) => c.state !== 'unchanged')).toEqual([
        { path: '.env', owner: 'once', state: 'unhashed' },
      ]);
      const stored = JSON.parse(tree.get('.yo-rc.json')!)['generator-hardened-flask'];
      expect(stored.version).toBe(PKG_VERSION);
      expect(statSync(join(dir, MANIFEST_PATH)).isFile()).toBe(true);
    });
  }

  it('is byte-identical for the same answers, and differs where an answer changes a file', async () => {
    const first = readFileSync(join(await runApp('stable', { domain: 'shop.example.com' }), MANIFEST_PATH), 'utf8');
    const second = readFileSync(join(await runApp('stable', { domain: 'shop.example.com' }), MANIFEST_PATH), 'utf8');
    const other = readFileSync(join(await runApp('stable', { domain: 'api.example.com' }), MANIFEST_PATH), 'utf8');
    expect(second).toBe(first);
    expect(other).not.toBe(first);
    expect(first).toMatch(/^\{\n {2}"files": \{\n/);
    expect(first.endsWith('\n}\n')).toBe(true);
  });
});
