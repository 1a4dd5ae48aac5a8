// `audit --policy` and the recorded preset's policy, on a project generated with the example
// preset: it passes fresh, and each kind of violation fails it with file:line, whatever --fail-on.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import helpers from 'yeoman-test';
import AuditGenerator from '../../generators/audit/index.js';
import { parsePolicy } from '../../generators/audit/policy.js';
import type { AuditReport } from '../../generators/audit/model.js';
import { reportSchemaErrors, sarifSchemaErrors } from '../fixtures/audit/support.js';
import { CLI, REPO_ROOT, runCommand, tempDir } from '../support/project.js';

const EXAMPLE_PRESET = join(REPO_ROOT, 'examples', 'preset-acme');
const tmp = tempDir('hf-policy-');
const fresh = join(tmp.dir, 'orders');
afterAll(() => tmp.cleanup());

const audit = (args: string[], cwd = tmp.dir) => runCommand('node', [CLI, 'audit', ...args], { cwd, timeout: 120_000 });

beforeAll(async () => {
  const made = await runCommand('node', [CLI, 'new', fresh, '--yes', '--skip-install', '--preset', EXAMPLE_PRESET], { cwd: tmp.dir, env: { ...process.env, HARDENED_FLASK_PRESET: '' } });
  expect(made.exitCode, made.stderr).toBe(0);
});

/** A copy of the fresh project with one change made by `edit`. */
function mutated(name: string, edit: (dir: string) => void): string {
  const dir = join(tmp.dir, name);
  cpSync(fresh, dir, { recursive: true });
  edit(dir);
  return dir;
}

function replaceIn(file: string, from: string | RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  const changed = text.replace(from, to);
  expect(changed, `${file} has ${String(from)}`).not.toBe(text);
  writeFileSync(file, changed);
}

async function policyOf(dir: string, extra: string[] = []): Promise<{ exitCode: number; report: AuditReport }> {
  const result = await audit([dir, '--format', 'json', '--policy', EXAMPLE_PRESET, ...extra]);
  expect(result.stderr).toBe('');
  const report = JSON.parse(result.stdout) as AuditReport;
  // The policy section is part of the published report schema.
  expect(reportSchemaErrors(report)).toEqual([]);
  return { exitCode: result.exitCode, report };
}

describe('the example policy', () => {
  it('is a valid policy', () => {
    expect(() => parsePolicy(JSON.parse(readFileSync(join(EXAMPLE_PRESET, 'preset.json'), 'utf8')).policy)).not.toThrow();
  });

  it('passes on a fresh project, from --policy and from the recorded preset', async () => {
    const { exitCode, report } = await policyOf(fresh, ['--fail-on', 'partial']);
    expect(exitCode).toBe(0);
    expect(report.policy).toMatchObject({ preset: { name: 'acme-web', version: '1.4.0' }, chosenBy: 'flag', violations: [] });
    const recorded = await audit([fresh]);
    expect(recorded.exitCode, recorded.stderr).toBe(0);
    expect(recorded.stdout).toMatch(/Policy of preset acme-web 1\.4\.0 \(.*; recorded in \.yo-rc\.json\)\n {2}no violations/);
  });

  // Each kind of violation, made the way a team would make it, fails with file:line.
  it.each([
    [
      'a protection below its required status',
      (dir: string) => replaceIn(join(dir, 'src/orders/config.py'), 'class ProductionConfig(Config):\n', 'class ProductionConfig(Config):\n    WTF_CSRF_ENABLED = False\n'),
      'policy/require',
      /CSRF .* must be implemented, but is missing/,
      /^src\/orders\/config\.py:\d+$/,
    ],
    [
      'a forbidden CSP source in the app',
      (dir: string) => replaceIn(join(dir, 'src/orders/hardening/security-headers.json'), `"style-src": "'self'"`, `"style-src": "'self' 'unsafe-inline'"`),
      'policy/csp-forbid',
      /allows 'unsafe-inline' in style-src/,
      /^src\/orders\/hardening\/security-headers\.json:\d+$/,
    ],
    [
      'a wildcard CSP source sent by nginx',
      (dir: string) =>
        replaceIn(join(dir, 'deploy/nginx/orders-security-headers.conf'), /add_header Content-Security-Policy \S+ always;/, `add_header Content-Security-Policy "default-src 'self'; img-src *" always;`),
      'policy/csp-forbid',
      /nginx add_header allows \* in img-src/,
      /^deploy\/nginx\/orders-security-headers\.conf:\d+$/,
    ],
    [
      'a short HSTS max-age in the config',
      (dir: string) => replaceIn(join(dir, 'src/orders/config.py'), 'HSTS_MAX_AGE = 63072000', 'HSTS_MAX_AGE = 300'),
      'policy/min-hsts-max-age',
      /HSTS max-age from HSTS_MAX_AGE is 300 seconds; the policy needs at least 31536000/,
      /^src\/orders\/config\.py:\d+$/,
    ],
    [
      'a short HSTS max-age in nginx',
      (dir: string) => replaceIn(join(dir, 'deploy/nginx/orders-security-headers.conf'), 'max-age=63072000', 'max-age=86400'),
      'policy/min-hsts-max-age',
      /nginx add_header is 86400 seconds/,
      /^deploy\/nginx\/orders-security-headers\.conf:\d+$/,
    ],
    ['a required file deleted', (dir: string) => rmSync(join(dir, 'CODEOWNERS')), 'policy/require-file', /CODEOWNERS is required by the policy and does not exist/, null],
  ])('fails after %s, with where', async (name, edit, rule, description, location) => {
    const dir = mutated(name.replace(/\W+/g, '-'), edit);
    const { exitCode, report } = await policyOf(dir);
    // No --fail-on at all: the policy alone fails the run.
    expect(exitCode).toBe(1);
    const violations = report.policy!.violations.filter((v) => v.rule === rule);
    expect(violations, JSON.stringify(report.policy)).toHaveLength(1);
    expect(violations[0]!.description).toMatch(description);
    if (location) {
      expect(violations[0]!.locations.map((l) => `${l.file}:${l.line}`)).toEqual([expect.stringMatching(location)]);
      const line = violations[0]!.locations[0]!;
      // The line named is the one that was changed.
      expect(readFileSync(join(dir, line.file), 'utf8').split('\n')[line.line - 1]).toMatch(/False|unsafe-inline|\*|300|86400|CSP_DIRECTIVES/);
    } else {
      expect(violations[0]!.locations).toEqual([]);
    }
    // Only this kind of violation: the mutation broke one rule.
    expect(new Set(report.policy!.violations.map((v) => v.rule))).toEqual(new Set([rule]));
    // The table shows its own section with the place; --fail-on missing does not soften it.
    const table = await audit([dir, '--fail-on', 'missing']);
    expect(table.exitCode).toBe(1);
    expect(table.stdout).toMatch(new RegExp(`Policy of preset acme-web[^\\n]*\\n(.*\\n)*  ✗ ${rule.replace('/', '\\/')}: `));
    if (location) expect(table.stdout).toMatch(new RegExp(`at ${location.source.slice(1, -1)}`));
  });

  it('puts the violations in the markdown and SARIF reports too', async () => {
    const dir = mutated('formats', (d) => rmSync(join(d, 'CODEOWNERS')));
    const md = await audit([dir, '--format', 'md']);
    expect(md.exitCode).toBe(1);
    expect(md.stdout).toMatch(/## Policy of preset acme-web .*\n\n- \*\*policy\/require-file\*\*: CODEOWNERS is required/);
    const sarif = await audit([dir, '--format', 'sarif']);
    expect(sarif.exitCode).toBe(1);
    expect(sarifSchemaErrors(JSON.parse(sarif.stdout))).toEqual([]);
    const run = JSON.parse(sarif.stdout).runs[0];
    expect(run.results.some((r: { ruleId: string }) => r.ruleId === 'policy/require-file')).toBe(true);
    expect(run.tool.driver.rules.some((r: { id: string }) => r.id === 'policy/require-file')).toBe(true);
  });

  it('is ignored with --no-policy, and a project without a recorded preset has no policy section', async () => {
    const dir = mutated('no-policy', (d) => rmSync(join(d, 'CODEOWNERS')));
    const ignored = await audit([dir, '--no-policy', '--format', 'json']);
    expect(ignored.exitCode).toBe(0);
    expect(JSON.parse(ignored.stdout).policy).toBeUndefined();
    const plain = join(tmp.dir, 'plain');
    expect((await runCommand('node', [CLI, 'new', plain, '--yes', '--skip-install'], { cwd: tmp.dir, env: { ...process.env, HARDENED_FLASK_PRESET: '' } })).exitCode).toBe(0);
    const report = await audit([plain, '--format', 'json']);
    expect(report.exitCode).toBe(0);
    expect(JSON.parse(report.stdout).policy).toBeUndefined();
    // The audit looks at any project: a .yo-rc.json that is not ours, or not JSON, records no preset.
    for (const text of ['{ not json', '{"generator-other": {"x": 1}}', '{"generator-hardened-flask": {"colour": "red"}}']) {
      writeFileSync(join(plain, '.yo-rc.json'), text);
      const other = await audit([plain, '--format', 'json']);
      expect(other.exitCode, `${text}: ${other.stderr}`).toBe(0);
      expect(JSON.parse(other.stdout).policy).toBeUndefined();
    }
  });

  it.each([
    [['--policy', './missing.json'], /preset .*missing\.json does not exist/],
    [['--policy'], /--policy needs a value/],
    [['--policy', 'x.json', '--no-policy'], /cannot be used together/],
  ])('refuses %j with exit 2 and one line', async (args, pattern) => {
    const result = await audit([fresh, ...args]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(pattern);
    expect(result.stdout).toBe('');
  });

  it('refuses a bad policy as a whole, and a recorded preset it cannot find', async () => {
    const bad = join(tmp.dir, 'bad-policy.json');
    writeFileSync(bad, JSON.stringify({ name: 'acme-web', version: '1.0.0', generator: '*', policy: { requireFiles: ['CODEOWNERS'], forbid: ['x'] } }));
    const refused = await audit([fresh, '--policy', bad]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/preset "acme-web": policy: unknown key "forbid"/);
    const moved = mutated('moved-preset', (d) => {
      const rc = join(d, '.yo-rc.json');
      const config = JSON.parse(readFileSync(rc, 'utf8'));
      config['generator-hardened-flask'].preset.source = '@acme/gone';
      writeFileSync(rc, JSON.stringify(config));
    });
    const lost = await audit([moved]);
    expect(lost.exitCode).toBe(2);
    expect(lost.stderr).toMatch(/preset package @acme\/gone is not installed.*project records preset "acme-web".*--no-policy/);
  });
});

describe('yo hardened-flask:audit with a policy', () => {
  it('shows the policy section and fails on a violation, from --policy and from the recorded preset', async () => {
    const dir = mutated('yo-audit', (d) => rmSync(join(d, 'CODEOWNERS')));
    const previous = process.exitCode;
    try {
      for (const options of [{ policy: EXAMPLE_PRESET }, {}]) {
        process.exitCode = undefined;
        const result = await helpers.run(AuditGenerator as never, { namespace: 'hardened-flask:audit' }).withArguments([dir]).withOptions(options as never);
        const log = (result.env.adapter as unknown as { log: { mock: { calls: { arguments: unknown[] }[] } } }).log;
        const text = log.mock.calls.map((call) => call.arguments.map(String).join(' ')).join('\n');
        expect(text).toMatch(/✗ policy\/require-file: CODEOWNERS is required/);
        expect(process.exitCode).toBe(1);
      }
    } finally {
      process.exitCode = previous;
    }
  });
});
