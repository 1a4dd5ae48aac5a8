// The Yeoman front door: installed as generator-hardened-flask, `yo` finds `hardened-flask`
// (the app generator), `hardened-flask:audit`, `hardened-flask:retrofit` and `hardened-flask:update` in the compiled package.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TestAdapter } from '@yeoman/adapter/testing';
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

  /** Runs yo hardened-flask:retrofit as on a terminal, the environment's adapter answering; returns what it printed. */
  async function interactive(dir: string, adapter: TestAdapter, options: object): Promise<string> {
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const tty = { stdin: process.stdin.isTTY, stdout: process.stdout.isTTY };
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    process.stdin.isTTY = true;
    process.stdout.isTTY = true;
    try {
      const env = createEnv({ cwd: dir, adapter: adapter as never });
      await env.lookup({ packagePaths: [join(tmp.dir, 'node_modules', 'generator-hardened-flask')] });
      await env.run(['hardened-flask:retrofit', dir], { tests: false, skipInstall: true, ...options } as never);
    } finally {
      process.stdout.write = write;
      process.stdin.isTTY = tty.stdin;
      process.stdout.isTTY = tty.stdout;
    }
    return written.join('');
  }

  it('yo hardened-flask:retrofit asks through the environment\'s adapter: Yeoman\'s conflicter, per file', async () => {
    const repo = fixtureRepo('module-app');
    try {
      // The conflicter's question is an `expand` prompt named "action"; skip index.html, write the rest.
      const adapter = new TestAdapter({ callback: (_answer, { question }) => (question.message === 'Overwrite templates/index.html?' ? 'skip' : 'write') });
      const printed = await interactive(repo.dir, adapter, {});
      const asked = adapter.calls.map((c) => c.question.message);
      expect(adapter.calls.every((c) => c.question.name === 'action' && c.question.type === 'expand')).toBe(true);
      expect(asked.slice(0, 4)).toEqual(['Overwrite templates/base.html?', 'Overwrite templates/index.html?', 'Overwrite app.py?', 'Create hardening/__init__.py?']);
      const status = git(repo.dir, 'status', '--porcelain', '--untracked-files=all');
      expect(status).toContain(' M app.py\n');
      expect(status).not.toContain('templates/index.html');
      expect(printed).toContain('! templates/index.html:5 skipped at the prompt: csrf_token() added to a POST form');
    } finally {
      repo.cleanup();
    }
  });

  it('yo hardened-flask:retrofit --force is --yes: Yeoman\'s overwrite mode asks nothing', async () => {
    const repo = fixtureRepo('module-app');
    try {
      const adapter = new TestAdapter({ callback: () => 'abort' });
      const printed = await interactive(repo.dir, adapter, { force: true });
      expect(adapter.calls).toEqual([]);
      expect(printed).toMatch(/^Retrofitted /m);
      expect(git(repo.dir, 'status', '--porcelain', '--untracked-files=all')).toContain(' M templates/index.html\n');
    } finally {
      repo.cleanup();
    }
  });
});
