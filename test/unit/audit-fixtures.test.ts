// Fixture projects, each with its expected JSON report (test/fixtures/audit/expected/). The test
// never writes an expected file: a missing one fails. After a deliberate change, rewrite them with
// `npm run fixtures:update` and review the diff like code.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditProject } from '../../generators/audit/audit.js';
import type { AuditReport, ProtectionId, Status } from '../../generators/audit/model.js';
import { renderSarif, renderTable } from '../../generators/audit/render.js';
import { worstFindings } from '../../generators/audit/report.js';
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
  'newsroom-cms': [I, I, I, I, P, I],
  'fleet-portal': [P, I, P, P, I, P],
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
  // Issue 11, cases 1-7: what a reviewer finds in a large app, each recognised.
  'newsroom-cms': {
    // __main__ block in wsgi.py and a dev script: notes, since gunicorn runs wsgi:app from an
    // ENTRYPOINT script without .sh whose `server` branch the CMD selects
    debug: ['debug/run-debug:low'],
    // a template read from a file chosen after an allow-list test: a review note, not SSTI
    templating: ['templating/dynamic-template:medium'],
  },
  'fleet-portal': {
    debug: ['debug/defaults-to-development:high'],
    'secret-key': ['secret-key/env-in-image:high', 'secret-key/rotation-needs-upgrade:low'],
    csrf: ['csrf/state-changing-get:medium', 'csrf/exempt-blueprint'],
    headers: ['headers/csp-unsafe:high', 'headers/hsts-default-off:medium'],
  },
};

/** Rules a fixture must NOT report: the false findings a reviewer would reject. */
const ABSENT_RULES: Partial<Record<FixtureName, Partial<Record<ProtectionId, string[]>>>> = {
  'newsroom-cms': {
    debug: ['debug/run-debug:critical', 'debug/run-debug:high', 'debug/config-debug'],
    'wsgi-server': ['wsgi-server/dev-server-command', 'wsgi-server/module-level-run'],
    'secret-key': ['secret-key/not-from-env', 'secret-key/random-per-process', 'secret-key/no-rotation', 'secret-key/test-literal'],
    csrf: ['csrf/no-global-protection', 'csrf/form-without-token', 'csrf/xhr-without-token', 'csrf/form-meta-off', 'csrf/disabled-in-tests'],
    templating: ['templating/ssti'],
  },
  'fleet-portal': {
    'secret-key': ['secret-key/no-rotation', 'secret-key/literal-fallback', 'secret-key/test-literal', 'secret-key/literal-key'],
    csrf: ['csrf/no-global-protection', 'csrf/disabled-in-tests'],
  },
};

/** Text a fixture's report must (or must not) contain: evidence that names the right thing. */
const EVIDENCE: Partial<Record<FixtureName, { has: string[]; hasNot: string[] }>> = {
  'newsroom-cms': {
    has: ['check_nonce', 'header CSRF-Token', 'generated once and kept in a private file', 'production starts gunicorn'],
    hasNot: ['tests/', 'static/vendor', 'static/dist'],
  },
  'fleet-portal': {
    has: ['config["default"] selects DevelopmentConfig', 'The blueprint api_bp', 'The blueprint webhooks_bp', 'Flask is pinned to ==1.1.4'],
    hasNot: ['blueprint blueprint', 'JWT_SECRET_KEY', 'OrganizationSettings', 'TestConfig', 'tests/', 'The local key lives in .env'],
  },
};

const ruleKeys = (report: AuditReport, id: string) =>
  report.protections.find((p) => p.id === id)!.missingImplementation.flatMap((g) => [g.rule, `${g.rule}:${g.severity}`]);

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
      const found = ruleKeys(report, id);
      for (const rule of rules) expect(found, `${name}: ${id}`).toContain(rule);
    }
  });

  it('reports none of the false findings a reviewer would reject', () => {
    for (const [id, rules] of Object.entries(ABSENT_RULES[name] ?? {})) {
      const found = ruleKeys(report, id);
      for (const rule of rules) expect(found, `${name}: ${id}`).not.toContain(rule);
    }
  });

  it('names the right things in its evidence', () => {
    const text = report.protections
      .flatMap((p) => [...p.currentlyImplemented.map((c) => c.description), ...p.missingImplementation.map((g) => g.description)])
      .join('\n');
    for (const wanted of EVIDENCE[name]?.has ?? []) expect(text, `${name} mentions ${wanted}`).toContain(wanted);
    for (const unwanted of EVIDENCE[name]?.hasNot ?? []) expect(text, `${name} never mentions ${unwanted}`).not.toContain(unwanted);
  });

  it('puts the worst finding first, and never cites test code or vendored assets', () => {
    const rank = { critical: 4, high: 3, medium: 2, low: 1 } as const;
    const all = report.protections.flatMap((p) => p.missingImplementation).filter((g) => g.severity !== 'low');
    const worst = worstFindings(report);
    if (all.length > 0) {
      expect(rank[worst[0]!.severity]).toBe(Math.max(...all.map((g) => rank[g.severity])));
      const table = renderTable(report);
      expect(table.indexOf('Worst findings')).toBeLessThan(table.indexOf('Missing implementation'));
      expect(table.indexOf(worst[0]!.description)).toBeLessThan(table.indexOf('Missing implementation'));
    } else {
      expect(worst).toEqual([]);
    }
    for (const p of report.protections) {
      const severities = p.missingImplementation.map((g) => rank[g.severity]);
      expect(severities, p.id).toEqual([...severities].sort((a, b) => b - a));
      for (const l of [...p.currentlyImplemented.flatMap((c) => c.evidence), ...p.missingImplementation.flatMap((g) => g.locations)]) {
        expect(l.file, `${name}: ${p.id}`).not.toMatch(/(^|\/)(tests?)\/|(^|\/)test_[^/]*\.py$|conftest\.py$|\/(vendor|dist)\//);
      }
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
