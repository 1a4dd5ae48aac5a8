import { rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseToml } from 'smol-toml';
import { parseAllDocuments } from 'yaml';
import { type Answers, CI_PROVIDERS } from '../../generators/lib/answers.js';
import { prettierDrift, prettierParserFor } from '../../generators/lib/format.js';
import { pythonCompileErrors, readTree, ruffCommand, ruffProblems, ruffVersion, runApp } from './support.js';

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
 * Long and odd values every file must survive, ruff included: package names of 1 to 64
 * characters (64 is the limit), soft keywords, descriptions of 1 to 300 characters with both
 * quotes, backslashes, template delimiters and non-ASCII text, authors with and without email,
 * the longest domain DNS allows, and a domain typed in capitals.
 */
const name = (length: number) => `p${'k'.repeat(length - 1)}`;
const LONGEST_PROJECT = `a${'-bc'.repeat(21)}`;
const LONGEST_DOMAIN = `${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(63)}.${'g'.repeat(61)}`;
const ODD_CASES: Partial<Answers>[] = [
  ...[1, 2, 10, 31, 32, 40, 51, 52, 60, 64].map((length) => ({ packageName: name(length) })),
  { projectName: LONGEST_PROJECT },
  { projectName: LONGEST_PROJECT, packageName: name(64), domain: LONGEST_DOMAIN },
  ...['match', 'case', 'type', '_'].map((packageName) => ({ packageName })),
  { description: 'x' },
  { description: `"'`.repeat(150) },
  { description: `He said "hi" & "bye"; it's <% x %> {{ 7*7 }} {% raw %} \\ C:\\path\\ ünï ’ 😀 ${'z'.repeat(300)}`.slice(0, 300) },
  { description: `it's 'quoted' "once"` },
  { description: `"""triple""" and '''triple''' ends with \\` },
  { description: 'été — café, a non-breaking space: [\u00a0], a Cyrillic a: [\u0430], fullwidth: [Ａ]' },
  { author: 'Jane Doe <jane@example.com>' },
  { author: 'jane@example.com' },
  { author: `O'Brien "Bob" %> <% <bob@example.com>` },
  { author: `Zoë ‘Z’ ${'y'.repeat(80)}` },
  { domain: 'API.Example.COM' },
];

/** Rendered trees, by answers, so the ruff run below reuses what the other tests rendered. */
const rendered = new Map<string, Promise<string>>();
function render(answers: Partial<Answers>, folder = 'matrix-svc'): Promise<string> {
  const key = `${folder} ${JSON.stringify(answers)}`;
  if (!rendered.has(key)) rendered.set(key, runApp(folder, answers, { keep: true }));
  return rendered.get(key)!;
}
afterAll(async () => {
  for (const dir of await Promise.allSettled(rendered.values())) {
    if (dir.status === 'fulfilled') rmSync(dirname(dir.value), { recursive: true, force: true });
  }
  // Removing ~70 rendered trees takes seconds on a loaded 2-core machine: a hang guard, not a bound.
}, 120_000);

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
    const dir = await render(answers);
    const tree = await checkTree(dir);
    expect(tree.has('src/matrix_svc/api.py')).toBe(answers.includeApi);
    expect(tree.has('src/matrix_svc/static/app.js')).toBe(answers.includeApi);
  });
});

describe('value-only answers render cleanly', () => {
  it.each(VALUE_CASES.map((answers) => [JSON.stringify(answers), answers] as const))('%s', async (_label, answers) => {
    await checkTree(await render(answers, 'value-svc'));
  });
});

describe('long and odd answers render cleanly', () => {
  it.each(ODD_CASES.map((answers) => [JSON.stringify(answers).slice(0, 120), answers] as const))('%s', async (_label, answers) => {
    await checkTree(await render(answers, 'odd-svc'), { freeText: true });
  });
});

describe("every accepted answer set is ruff-clean (the lint job of the project's own CI)", () => {
  const ruff = ruffCommand('ruff over the answer matrix');
  it.skipIf(!ruff)('ruff check and ruff format --check pass on every rendered tree', async () => {
    // One at a time: yeoman-test changes the process's working directory for each run.
    const dirs: string[] = [];
    for (const answers of MATRIX) dirs.push(await render(answers));
    for (const answers of VALUE_CASES) dirs.push(await render(answers, 'value-svc'));
    for (const answers of ODD_CASES) dirs.push(await render(answers, 'odd-svc'));
    // The project pins ruff~=X.Y.0: rules and formatting change between minor releases.
    const pinned = /"ruff~=(\d+)\.(\d+)\.\d+"/.exec(readTree(dirs[0]!).get('pyproject.toml')!);
    expect(pinned, 'pyproject.toml pins ruff').not.toBeNull();
    expect(ruffVersion(ruff!), 'the ruff these tests run is the one the project pins').toMatch(new RegExp(`^${pinned![1]}\\.${pinned![2]}\\.`));
    expect(ruffProblems(ruff!, dirs)).toBe('');
  }, 300_000);
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

describe('the author', () => {
  it.each([
    ['Jane Doe <jane@example.com>', [{ name: 'Jane Doe', email: 'jane@example.com' }]],
    ['jane@example.com', [{ email: 'jane@example.com' }]],
    ['Jane Doe', [{ name: 'Jane Doe' }]],
  ])('%j becomes PEP 621 authors %j', async (author, authors) => {
    const pyproject = parseToml(readTree(await render({ author }, 'author-svc')).get('pyproject.toml')!) as { project: { authors: unknown } };
    expect(pyproject.project.authors).toEqual(authors);
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
