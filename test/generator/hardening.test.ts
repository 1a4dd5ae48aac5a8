// The hardening package is one folder, byte for byte the same in every project: files.ts lists
// exactly what templates/hardening/ holds, and a generation copies it unchanged whatever the answers.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HARDENING_PATHS, PROJECT_FILES } from '../../generators/app/files.js';
import { REPO_ROOT } from '../support/project.js';
import { readTree, runApp } from './support.js';

const HARDENING = join(REPO_ROOT, 'templates', 'hardening');

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (entry === '__pycache__') return [];
      return statSync(path).isDirectory() ? filesUnder(path) : [relative(HARDENING, path)];
    })
    .sort();
}

describe('the hardening package', () => {
  it('is listed in files.ts file for file', () => {
    const listed = PROJECT_FILES.filter((row) => row.template.startsWith('../hardening/')).map((row) => row.template.slice('../hardening/'.length));
    expect(listed.sort()).toEqual(filesUnder(HARDENING));
    expect(HARDENING_PATHS.every((path) => listed.includes(path))).toBe(true);
  });

  it('names no project value: nothing in it is a template', () => {
    const templated = filesUnder(HARDENING).filter((path) => path.endsWith('.ejs') || /<%|__pkg__|__project__/.test(readFileSync(join(HARDENING, path), 'utf8')));
    expect(templated).toEqual([]);
  });

  it('lands in src/<pkg>/hardening/ unchanged, for any answers, apart from the user code', async () => {
    const variants = [
      { pkg: 'shop', answers: {} },
      { pkg: 'svc', answers: { packageName: 'svc', includeApi: false, domain: 'api.example.com', ci: 'gitlab' as const, hstsMaxAge: 300 } },
    ];
    for (const { pkg, answers } of variants) {
      // Read at once: the next run removes the temporary folder of this one.
      const tree = readTree(await runApp(pkg === 'shop' ? 'shop' : 'other', answers));
      for (const path of filesUnder(HARDENING)) {
        expect(tree.get(`src/${pkg}/hardening/${path}`), path).toBe(readFileSync(join(HARDENING, path), 'utf8'));
      }
      // The user's package holds only the user's code besides the hardening folder.
      const own = [...tree.keys()].filter((p) => p.startsWith(`src/${pkg}/`) && !p.startsWith(`src/${pkg}/hardening/`) && p.endsWith('.py'));
      expect(own.map((p) => p.slice(`src/${pkg}/`.length)).sort()).toEqual(pkg === 'shop' ? ['__init__.py', 'api.py', 'config.py', 'views.py'] : ['__init__.py', 'config.py', 'views.py']);
      expect(tree.get('tests/test_hardening.py')).toContain(`from ${pkg}.hardening.testing import *`);
    }
  });
});
