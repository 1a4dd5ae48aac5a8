// The Yeoman front door: installed as generator-hardened-flask, `yo` finds `hardened-flask`
// (the app generator), `hardened-flask:audit`, `hardened-flask:retrofit` and `hardened-flask:update` in the compiled package.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEnv } from 'yeoman-environment';
import { REPO_ROOT, tempDir } from '../support/project.js';
import { fixtureRepo, git } from '../support/retrofit.js';

const tmp = tempDir('hf-yo-');
afterAll(() => tmp.cleanup());

describe('yo hardened-flask', () => {
  it('registers the app, audit, retrofit and update generators under the hardened-flask namespace', async () => {
    const modules = join(tmp.dir, 'node_modules');
    mkdirSync(modules);
    symlinkSync(REPO_ROOT, join(modules, 'generator-hardened-flask'));
    const env = createEnv({ cwd: tmp.dir });
    const found = await env.lookup({ packagePaths: [join(modules, 'generator-hardened-flask')] });
    const namespaces = [...new Set(found.map((meta) => meta.namespace))].sort();
    expect(namespaces).toEqual([
      'hardened-flask:app',
      'hardened-flask:audit',
      'hardened-flask:retrofit',
      'hardened-flask:update',
    ]);
  });

  it('yo hardened-flask:retrofit --dry-run prints the plan and writes nothing', async () => {
    const repo = fixtureRepo('module-app');
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const modules = join(tmp.dir, 'node_modules');
      const env = createEnv({ cwd: repo.dir });
      await env.lookup({ packagePaths: [join(modules, 'generator-hardened-flask')] });
      await env.run(['hardened-flask:retrofit', repo.dir], { dryRun: true } as never);
    } finally {
      process.stdout.write = write;
    }
    try {
      expect(written.join('')).toContain('hardening.init_app(app)');
      expect(git(repo.dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    } finally {
      repo.cleanup();
    }
  });
});
