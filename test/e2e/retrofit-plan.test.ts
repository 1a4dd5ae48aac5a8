// What the retrofit plans beyond the edits to the user's code: SECURITY.md and the CI workflow
// (left alone, with advice, where the project has its own), and `--only`, which narrows every
// planned change to the protections asked for.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../support/project.js';
import { commitAll, fixturePython, fixtureRepo, retrofit, retrofitJson } from '../support/retrofit.js';
import { missingTools } from '../support/tools.js';

let python: string;
beforeAll(async () => {
  python = await fixturePython();
});

const OWN_WORKFLOW = `name: tests
on: [push]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0
      - run: python -m pytest -q
`;

describe('a project with its own CI and SECURITY.md', () => {
  it('keeps both, and says what to add: a security job (valid for actionlint) and the SECURITY.md sections', async () => {
    const repo = fixtureRepo('module-app');
    try {
      mkdirSync(join(repo.dir, '.github', 'workflows'), { recursive: true });
      writeFileSync(join(repo.dir, '.github', 'workflows', 'tests.yml'), OWN_WORKFLOW);
      writeFileSync(join(repo.dir, 'SECURITY.md'), '# Security\n\nMail security@example.com.\n');
      commitAll(repo.dir, 'the project has CI and a security policy');

      const { result, summary } = await retrofitJson(repo.dir, python, '--dry-run');
      expect(result.exitCode, result.stderr).toBe(0);
      const paths = summary.changes.map((c) => c.path);
      expect(paths).not.toContain('SECURITY.md');
      expect(paths.filter((p) => p.startsWith('.github/'))).toEqual([]);
      expect(summary.ci.workflow).toBeNull();
      expect(summary.ci.existing).toEqual(['.github/workflows/tests.yml']);
      expect(summary.ci.advice).toMatch(/^\.github\/workflows\/tests\.yml left as it is: /);
      expect(summary.ci.snippet).toMatch(/^ {2}security:\n/);
      expect(summary.ci.snippet).toContain('flask --app wsgi security check');
      expect(summary.human.find((h) => h.file === 'SECURITY.md')?.what).toMatch(/^exists, left as it is: add, per protection/);

      // The same advice in the text summary.
      const text = await retrofit(repo.dir, python, '--dry-run');
      expect(text.stdout).toContain('! CI: .github/workflows/tests.yml left as it is');
      expect(text.stdout).toContain('        flask --app wsgi security check');
      expect(text.stdout).toContain('! SECURITY.md exists, left as it is');

      if (missingTools('retrofit CI snippet (actionlint)', ['actionlint']).length > 0) return;
      // The snippet is a job: in the project's own workflow it must be valid.
      const merged = `${OWN_WORKFLOW}${summary.ci.snippet}\n`;
      writeFileSync(join(repo.dir, '.github', 'workflows', 'tests.yml'), merged);
      const lint = await runCommand('actionlint', ['.github/workflows/tests.yml'], { cwd: repo.dir });
      expect(lint.exitCode, lint.stdout + lint.stderr).toBe(0);
    } finally {
      repo.cleanup();
    }
  });
});
