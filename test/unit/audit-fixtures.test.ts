// Fixture projects, each with its expected JSON report (test/fixtures/audit/expected/). The test
// never writes an expected file: a missing one fails. After a deliberate change, rewrite them with
// `npm run fixtures:update` and review the diff like code.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditProject } from '../../generators/audit/audit.js';
import type { AuditReport, ProtectionId, Status } from '../../generators/audit/model.js';
import { renderSarif } from '../../generators/audit/render.js';
import {
  copyFixture,
  EXPECTED,
  FIXTURE_NAMES,
  type FixtureName,
  jinjaOrSkip,
  normaliseReport,
  reportSchemaErrors,
  sarifSchemaErrors,
} from '../fixtures/audit/support.js';

const I = 'implemented';
const P = 'partial';
const M = 'missing';

/** The fixture table: what each project should show, protection by protection (1..6). */
const EXPECTED_STATUS: Record<FixtureName, [Status, Status, Status, Status, Status, Status]> = {
  'bare-app': [M, M, M, M, M, M],
  'half-hardened': [I, I, P, P, P, P],
  'factory-blueprints': [I, I, I, I, I, I],
  'syntax-error': [P, P, M, I, P, M],
  'deploy-mistakes': [M, M, P, M, P, P],
};

/** Rules each fixture must report: the things the audit has to recognise. */
const EXPECTED_RULES: Record<FixtureName, Partial<Record<ProtectionId, string[]>>> = {
  'bare-app': {
    debug: ['debug/run-debug', 'debug/no-config-split'],
    'wsgi-server': ['wsgi-server/no-production-server', 'wsgi-server/no-production-command'],
    'secret-key': ['secret-key/literal-key'],
    csrf: ['csrf/no-global-protection'],
    templating: ['templating/ssti'],
    headers: ['headers/no-headers'],
  },
  'half-hardened': {
    'secret-key': ['secret-key/literal-fallback', 'secret-key/no-rotation'],
    csrf: ['csrf/exempt'],
    templating: ['templating/safe-filter'],
    headers: ['headers/csp-unsafe'],
  },
  'factory-blueprints': { csrf: ['csrf/disabled-in-tests'] },
  'syntax-error': { templating: ['templating/markup', 'templating/safe-filter'] },
  'deploy-mistakes': {
    debug: ['debug/config-debug', 'debug/deploy-flask-debug', 'debug/flask-env'],
    'wsgi-server': ['wsgi-server/dev-server-command', 'wsgi-server/server-dev-only'],
    'secret-key': ['secret-key/key-in-repo', 'secret-key/env-not-ignored'],
    csrf: ['csrf/disabled', 'csrf/form-without-token'],
    templating: ['templating/autoescape-off'],
    headers: ['headers/per-route-only', 'headers/no-hsts'],
  },
};

const withJinja = jinjaOrSkip('audit fixtures with the real Jinja parse');

describe.each(FIXTURE_NAMES)('fixture %s', (name) => {
  let copy: { dir: string; cleanup: () => void };
  let report: AuditReport;

  beforeAll(async () => {
    copy = copyFixture(name);
    report = await auditProject(copy.dir);
  });
  afterAll(() => copy.cleanup());

  it.skipIf(!withJinja)('matches its expected JSON report', () => {
    const file = join(EXPECTED, `${name}.json`);
    const actual = normaliseReport(report);
    expect(existsSync(file), `${file} is missing: write it with \`npm run fixtures:update\` and review it`).toBe(true);
    expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
  });

  it('follows the documented JSON schema', () => {
    expect(reportSchemaErrors(JSON.parse(JSON.stringify(report)))).toEqual([]);
  });

  it('has the expected status for each protection', () => {
    expect(report.protections.map((p) => p.status)).toEqual(EXPECTED_STATUS[name]);
  });

  it('reports the rules it must recognise', () => {
    for (const [id, rules] of Object.entries(EXPECTED_RULES[name])) {
      const found = report.protections.find((p) => p.id === id)!.missingImplementation.map((g) => g.rule);
      for (const rule of rules) expect(found, `${name}: ${id}`).toContain(rule);
    }
  });

  it('gives file:line evidence for every located gap and control', () => {
    for (const p of report.protections) {
      for (const l of [...p.currentlyImplemented.flatMap((c) => c.evidence), ...p.missingImplementation.flatMap((g) => g.locations)]) {
        expect(existsSync(join(copy.dir, l.file)), `${l.file} exists`).toBe(true);
        const lines = readFileSync(join(copy.dir, l.file), 'utf8').split('\n').length;
        expect(l.line).toBeGreaterThanOrEqual(1);
        expect(l.line).toBeLessThanOrEqual(lines);
      }
    }
  });

  it('renders SARIF that validates against the SARIF 2.1.0 schema', () => {
    const sarif = JSON.parse(renderSarif(report)) as { runs: { results: unknown[] }[] };
    expect(sarifSchemaErrors(sarif)).toEqual([]);
    const gaps = report.protections.reduce((n, p) => n + p.missingImplementation.length, 0);
    expect(sarif.runs[0]!.results).toHaveLength(gaps);
  });

  it('judges the same with the fallback template scanner (no jinja2)', async () => {
    const fallback = await auditProject(copy.dir, { env: { ...process.env, HARDENED_FLASK_AUDIT_NO_JINJA: '1' } });
    expect(fallback.analysis.templateParser).toBe('fallback');
    expect(fallback.protections).toEqual(report.protections);
  });
});
