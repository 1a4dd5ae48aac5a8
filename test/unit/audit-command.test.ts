// The command's flags, output formats and exit codes, run in-process.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditProject } from '../../generators/audit/audit.js';
import { auditCommand, auditCommandHelp, parseAuditArgs, type CommandIO } from '../../generators/audit/command.js';
import type { AuditReport } from '../../generators/audit/model.js';
import { renderMarkdown, renderSarif, renderTable, COLOURS } from '../../generators/audit/render.js';
import { exitCodeFor } from '../../generators/audit/report.js';
import { RULES } from '../../generators/audit/catalog.js';
import { copyFixture, REPO, sarifSchemaErrors, tempFolder } from '../fixtures/audit/support.js';

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], options: { isTTY?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CommandIO = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    isTTY: options.isTTY ?? false,
    env: options.env ?? { ...process.env, NO_COLOR: '' },
  };
  const code = await auditCommand(argv, io);
  return { code, stdout, stderr };
}

describe('parseAuditArgs', () => {
  it('has defaults', () => {
    expect(parseAuditArgs([])).toEqual({ dir: '.', format: 'table', help: false, version: false, debug: false });
  });

  it('reads every flag in both spellings', () => {
    expect(parseAuditArgs(['proj', '--format', 'sarif', '--fail-on=partial', '--output', 'r.sarif'])).toEqual({
      dir: 'proj',
      format: 'sarif',
      failOn: 'partial',
      output: 'r.sarif',
      help: false,
      version: false,
      debug: false,
    });
    expect(parseAuditArgs(['--format=markdown']).format).toBe('md');
    expect(parseAuditArgs(['--', '--odd-folder-name']).dir).toBe('--odd-folder-name');
  });

  it.each([
    [['--format', 'xml'], /--format must be/],
    [['--fail-on', 'always'], /--fail-on must be/],
    [['--output'], /--output needs a value/],
    [['--frobnicate'], /unknown option --frobnicate/],
    [['a', 'b'], /one folder/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseAuditArgs(argv)).toThrow(message);
  });
});

describe('auditCommand', () => {
  let half: { dir: string; cleanup: () => void };
  let good: { dir: string; cleanup: () => void };
  let out: { dir: string; cleanup: () => void };

  beforeAll(() => {
    half = copyFixture('half-hardened');
    good = copyFixture('factory-blueprints');
    out = tempFolder();
  });
  afterAll(() => {
    half.cleanup();
    good.cleanup();
    out.cleanup();
  });

  it('prints help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r).toEqual({ code: 0, stdout: auditCommandHelp, stderr: '' });
    expect(auditCommandHelp).toMatch(/--format/);
    expect(auditCommandHelp).toMatch(/--fail-on/);
    expect(auditCommandHelp).toMatch(/--output/);
  });

  it('prints the version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 with one line and no stack trace on bad usage or a bad folder', async () => {
    for (const argv of [['--format', 'xml'], [join(out.dir, 'nope')], [join(half.dir, 'app.py')]]) {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('exits 2 when the Python interpreter cannot be found', async () => {
    const r = await run([half.dir], { env: { ...process.env, HARDENED_FLASK_PYTHON: '/nonexistent/python3' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not found.*HARDENED_FLASK_PYTHON/);
  });

  it('prints a table without colour when stdout is not a terminal, with colour when it is', async () => {
    const plain = await run([half.dir]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/2 of 6 protections implemented, 4 partial, 0 missing/);
    expect(plain.stdout).not.toContain('\u001b[');
    const tty = await run([half.dir], { isTTY: true, env: { ...process.env, NO_COLOR: '', TERM: 'xterm' } });
    expect(tty.stdout).toContain('\u001b[');
    const noColor = await run([half.dir], { isTTY: true, env: { ...process.env, NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain('\u001b[');
  });

  it('sets the exit code from --fail-on', async () => {
    expect((await run([half.dir, '--fail-on', 'missing'])).code).toBe(0);
    expect((await run([half.dir, '--fail-on', 'partial'])).code).toBe(1);
    expect((await run([good.dir, '--fail-on', 'partial'])).code).toBe(0);
  });

  it('writes --output and says so on stderr', async () => {
    const file = join(out.dir, 'report.json');
    const r = await run([half.dir, '--format', 'json', '--output', file, '--fail-on', 'partial']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/report written to/);
    const report = JSON.parse(readFileSync(file, 'utf8')) as AuditReport;
    expect(report.schemaVersion).toBe(1);
    expect(existsSync(join(half.dir, 'report.json'))).toBe(false);
  });

  it('exits 2 when --output cannot be written', async () => {
    const r = await run([half.dir, '--output', join(out.dir, 'missing-folder', 'r.txt')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write/);
  });

  it('prints Markdown, JSON and SARIF', async () => {
    const md = await run([half.dir, '--format', 'md']);
    expect(md.stdout).toMatch(/^# Flask security audit: half-hardened/);
    const json = JSON.parse((await run([half.dir, '--format', 'json'])).stdout) as AuditReport;
    expect(json.summary).toEqual({ implemented: 2, partial: 4, missing: 0, total: 6 });
    const sarif = JSON.parse((await run([half.dir, '--format', 'sarif'])).stdout) as unknown;
    expect(sarifSchemaErrors(sarif)).toEqual([]);
  });
});

describe('renderers', () => {
  let report: AuditReport;
  let copy: { dir: string; cleanup: () => void };
  beforeAll(async () => {
    copy = copyFixture('deploy-mistakes');
    report = await auditProject(copy.dir);
  });
  afterAll(() => copy.cleanup());

  it('keeps the security-review shape in Markdown', () => {
    const md = renderMarkdown(report);
    for (const heading of ['**Mitigation strategy.**', '**Threats mitigated.**', '**Impact.**', '**Currently implemented.**', '**Missing implementation.**']) {
      expect(md.split(heading).length - 1, heading).toBe(6);
    }
    expect(md).toContain('`Dockerfile:8`');
    expect(md).toMatch(/\| 2 \| Production WSGI server \| \*\*missing\*\* \|/);
  });

  it('lists every gap with its fix in the table, coloured only on request', () => {
    const table = renderTable(report);
    for (const p of report.protections) for (const g of p.missingImplementation) expect(table).toContain(`fix: ${g.fix}`);
    expect(table).not.toContain('\u001b[');
    expect(renderTable(report, COLOURS)).toContain('\u001b[31m');
  });

  it('writes SARIF with every rule, levels from severities and a location for every result', () => {
    const sarif = JSON.parse(renderSarif(report)) as {
      runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; level: string; locations: unknown[]; ruleIndex: number }[] }[];
    };
    expect(sarifSchemaErrors(sarif)).toEqual([]);
    const run0 = sarif.runs[0]!;
    expect(run0.tool.driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
    for (const result of run0.results) {
      expect(result.locations.length).toBe(1);
      expect(run0.tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId);
    }
    const levels = new Set(run0.results.map((r) => r.level));
    expect([...levels].sort()).toEqual(['error', 'note', 'warning']);
  });

  it('maps statuses to exit codes', () => {
    expect(exitCodeFor(report, undefined)).toBe(0);
    expect(exitCodeFor(report, 'missing')).toBe(1);
    const allGood = { ...report, protections: report.protections.map((p) => ({ ...p, status: 'implemented' as const })) };
    expect(exitCodeFor(allGood, 'partial')).toBe(0);
  });
});

describe('start-up cost', () => {
  it('the command module never imports Yeoman (directly or through its imports)', async () => {
    const { readFileSync: read } = await import('node:fs');
    const { dirname: dir, resolve: res } = await import('node:path');
    const start = res(REPO, 'generators/audit/command.ts');
    const seen = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = read(file, 'utf8');
      for (const m of text.matchAll(/^\s*import\s+(?:type\s)?[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/gm)) {
        if (/^\s*import\s+type\s/.test(m[0])) continue;
        const spec = (m[1] ?? m[2] ?? m[3])!;
        if (spec.startsWith('.')) visit(res(dir(file), spec.replace(/\.js$/, '.ts')));
        else bare.add(spec);
      }
    };
    visit(start);
    expect([...bare].filter((spec) => spec.includes('yeoman'))).toEqual([]);
    expect(seen.size).toBeGreaterThan(5);
  });
});
