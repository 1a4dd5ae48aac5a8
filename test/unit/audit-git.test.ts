// Tracked files come from the git index, read directly (the audit never runs git). These tests
// build real repositories with git and compare.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditProject } from '../../generators/audit/audit.js';
import { parseGitIndex, readGitTracking } from '../../generators/audit/gitindex.js';
import { tempFolder } from '../fixtures/audit/support.js';
import { missingTools } from '../support/tools.js';

const noGit = missingTools('audit git index tests', ['git']).length > 0;
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd } });

function write(root: string, file: string, text: string) {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), text);
}

function repoWith(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const repo = tempFolder('hf-git-');
  git(repo.dir, 'init', '-q');
  for (const [file, text] of Object.entries(files)) write(repo.dir, file, text);
  git(repo.dir, 'add', '-A');
  return repo;
}

const SAMPLE = {
  'app.py': 'x = 1\n',
  '.env': 'SECRET_KEY=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n',
  'deep/er/path/with a space/ünïcode.py': '\n',
  [`long/${'n'.repeat(120)}/file.txt`]: '\n',
  'src/pkg/__init__.py': '\n',
  'src/pkg/templates/index.html': '<p>\n',
};

describe.skipIf(noGit)('parseGitIndex', () => {
  it.each(['2', '3', '4'])('reads index version %s like git ls-files', (version) => {
    const repo = repoWith(SAMPLE);
    try {
      git(repo.dir, 'update-index', '--index-version', version);
      if (version === '3') git(repo.dir, 'update-index', '--skip-worktree', 'app.py');
      const expected = git(repo.dir, 'ls-files', '-z').split('\0').filter(Boolean);
      const actual = parseGitIndex(readFileSync(join(repo.dir, '.git', 'index')));
      expect(actual).toEqual(expected);
    } finally {
      repo.cleanup();
    }
  });

  it('refuses what is not an index', () => {
    expect(() => parseGitIndex(Buffer.from('not an index at all'))).toThrow(/not a git index/);
  });
});

describe.skipIf(noGit)('tracking seen by the audit', () => {
  it('answers for a project in a subfolder of the repository', () => {
    const repo = repoWith({ 'services/api/app.py': '\n', 'services/api/.env': 'A=1\n' });
    try {
      const tracking = readGitTracking(join(repo.dir, 'services', 'api'))!;
      expect(tracking.isTracked('.env')).toBe(true);
      expect(tracking.isTracked('app.py')).toBe(true);
      expect(tracking.isTracked('other.py')).toBe(false);
    } finally {
      repo.cleanup();
    }
  });

  it('reports a secret key in a tracked .env as committed', async () => {
    const repo = repoWith(SAMPLE);
    try {
      const report = await auditProject(repo.dir);
      const secret = report.protections.find((p) => p.id === 'secret-key')!;
      const gap = secret.missingImplementation.find((g) => g.rule === 'secret-key/key-in-repo')!;
      expect(gap.severity).toBe('high');
      expect(gap.locations).toEqual([{ file: '.env', line: 1 }]);
    } finally {
      repo.cleanup();
    }
  });

  it('accepts an untracked .env that a .gitignore above the project ignores', async () => {
    const repo = repoWith({ '.gitignore': '.env\n', 'api/app.py': '\n' });
    try {
      write(repo.dir, 'api/.env', `SECRET_KEY=${'ab'.repeat(32)}\n`);
      const report = await auditProject(join(repo.dir, 'api'));
      const secret = report.protections.find((p) => p.id === 'secret-key')!;
      expect(secret.missingImplementation.map((g) => g.rule)).not.toContain('secret-key/key-in-repo');
      expect(secret.missingImplementation.map((g) => g.rule)).not.toContain('secret-key/env-not-ignored');
      expect(secret.currentlyImplemented.map((c) => c.description)).toContain('The local key lives in .env, which git does not track');
    } finally {
      repo.cleanup();
    }
  });
});
