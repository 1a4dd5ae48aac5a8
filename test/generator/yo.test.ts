// The Yeoman front door: installed as generator-hardened-flask, `yo` finds `hardened-flask`
// (the app generator) and `hardened-flask:audit` in the compiled package.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEnv } from 'yeoman-environment';
import { REPO_ROOT, tempDir } from '../support/project.js';

const tmp = tempDir('hf-yo-');
afterAll(() => tmp.cleanup());

describe('yo hardened-flask', () => {
  it('registers the app, audit and update generators under the hardened-flask namespace', async () => {
    const modules = join(tmp.dir, 'node_modules');
    mkdirSync(modules);
    symlinkSync(REPO_ROOT, join(modules, 'generator-hardened-flask'));
    const env = createEnv({ cwd: tmp.dir });
    const found = await env.lookup({ packagePaths: [join(modules, 'generator-hardened-flask')] });
    const namespaces = [...new Set(found.map((meta) => meta.namespace))].sort();
    expect(namespaces).toEqual(['hardened-flask:app', 'hardened-flask:audit', 'hardened-flask:update']);
  });
});
