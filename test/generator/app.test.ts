import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseToml } from 'smol-toml';
import { parseAllDocuments } from 'yaml';
import { type Answers, CI_PROVIDERS } from '../../generators/lib/answers.js';
import { prettierDrift, prettierParserFor } from '../../generators/lib/format.js';
import { pythonCompileErrors, readTree, runApp } from './support.js';

/** The answers that change which files are written or what they say, crossed fully. */
const MATRIX: Partial<Answers>[] = [];
for (const includeApi of [true, false])
  for (const gunicornBind of ['unix', 'tcp'] as const)
    for (const systemd of [true, false])
      for (const ci of CI_PROVIDERS) MATRIX.push({ includeApi, gunicornBind, systemd, ci });

/** Answers that change values only, each alternative once. */
const VALUE_CASES: Partial<Answers>[] = [
  { pythonVersion: '3.12' },
  { pythonVersion: '3.13' },
  { hstsMaxAge: 300 },
  { domain: 'api.example.com', port: 9000, gunicornBind: 'tcp' },
  { maxContentLength: 10 * 1024 * 1024 },
  { projectName: 'billing-api', packageName: 'billing' },
];

/**
 * Parses every file that has a grammar; `freeText` answers may legitimately hold `<%`.
 * Prettier does not run at generation time, so every emitted JSON/YAML/Markdown file must
 * already be what Prettier would write.
 */
async function checkTree(dir: string, { freeText = false } = {}): Promise<Map<string, string>> {
  const tree = readTree(dir);
  expect([...tree.keys()].filter((path) => prettierParserFor(path)).length).toBeGreaterThanOrEqual(4);
  expect(await prettierDrift(tree), 'files Prettier would change').toEqual([]);
  for (const [path, text] of tree) {
    if (!freeText) expect(text, `${path} keeps an EJS delimiter`).not.toMatch(/<%|%>/);
    if (path.endsWith('.toml')) expect(() => parseToml(text), path).not.toThrow();
    if (path.endsWith('.json')) expect(() => JSON.parse(text), path).not.toThrow();
    if (/\.ya?ml$/.test(path)) {
      for (const doc of parseAllDocuments(text)) expect(doc.errors, path).toEqual([]);
    }
  }
  const python = [...tree.keys()].filter((path) => path.endsWith('.py'));
  expect(python.length).toBeGreaterThan(5);
  expect(pythonCompileErrors(dir, python)).toBe('');
  return tree;
}

describe('every combination of the branching answers renders cleanly', () => {
  it.each(MATRIX.map((answers) => [JSON.stringify(answers), answers] as const))('%s', async (_label, answers) => {
    const dir = await runApp('matrix-svc', answers);
    const tree = await checkTree(dir);
    expect(tree.has('src/matrix_svc/api.py')).toBe(answers.includeApi);
    expect(tree.has('src/matrix_svc/static/app.js')).toBe(answers.includeApi);
  });
});

describe('value-only answers render cleanly', () => {
  it.each(VALUE_CASES.map((answers) => [JSON.stringify(answers), answers] as const))('%s', async (_label, answers) => {
    await checkTree(await runApp('value-svc', answers));
  });
});

describe('the default project', () => {
  it('stores the answers and never the secret in .yo-rc.json', async () => {
    const dir = await runApp('demo');
    const tree = readTree(dir);
    const stored = JSON.parse(tree.get('.yo-rc.json')!)['generator-hardened-flask'];
    expect(stored).toMatchObject({ projectName: 'demo', packageName: 'demo', domain: 'localhost', hstsMaxAge: 63072000 });
    const key = /^SECRET_KEY=([0-9a-f]{64})$/m.exec(tree.get('.env')!)?.[1];
    expect(key).toBeDefined();
    expect(tree.get('.yo-rc.json')).not.toContain(key!);
    for (const [path, text] of tree) if (path !== '.env') expect(text, path).not.toContain(key!);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
    expect(tree.get('.gitignore')).toMatch(/^\.env$/m);
  });

  it('is byte-identical across runs except for the dev key in .env', async () => {
    const first = readTree(await runApp('same'));
    const second = readTree(await runApp('same'));
    expect([...first.keys()]).toEqual([...second.keys()]);
    for (const [path, text] of first) {
      if (path === '.env') continue;
      expect(second.get(path), path).toBe(text);
    }
    expect(second.get('.env')).not.toBe(first.get('.env'));
  });
});

describe('free text', () => {
  const description = `He said "hi" & it's <% done %> {{ 7*7 }} {% raw %} \\ ünï 😀`;
  const author = `O'Brien "Bob" <bob@example.com> %>`;

  it('comes out intact and every file still parses', async () => {
    const dir = await runApp('text-svc', { description, author });
    const tree = await checkTree(dir, { freeText: true });
    const pyproject = parseToml(tree.get('pyproject.toml')!) as { project: { description: string; authors: { name: string }[] } };
    expect(pyproject.project.description).toBe(description);
    expect(JSON.stringify(pyproject.project.authors)).toContain(JSON.stringify(author).slice(1, -1));
  });
});
