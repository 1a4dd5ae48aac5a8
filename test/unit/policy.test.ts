// The policy rules on hand-built facts: the CSP and HSTS sources a generated project does not
// use (Talisman keywords and defaults, headers set in Python) and the rules' edges.
import { describe, expect, it } from 'vitest';
import type { AuditReport, ProjectFacts, PyFact } from '../../generators/audit/model.js';
import { checkPolicy, parsePolicy, sentCsps, sentMaxAges } from '../../generators/audit/policy.js';

const c = (v: string | number | boolean) => ({ t: 'const' as const, v });

function facts(python: Record<string, PyFact[]>, nginx: ProjectFacts['deploy']['nginx'] = []): ProjectFacts {
  return {
    python: Object.entries(python).map(([path, list]) => ({ path, facts: list })),
    templates: [],
    deploy: { commands: [], env: [], dependencies: [], nginx, envFiles: [], js: [], templateAllowList: [], workflows: [] },
  };
}

const talisman = (kwargs: Record<string, unknown>, line = 9): PyFact => ({ kind: 'extension', ext: 'Talisman', line, bound: true, kwargs });
const report = { protections: [] } as unknown as AuditReport;
const none = () => false;

describe('what the project sends', () => {
  it("counts Talisman's defaults when no keyword is given", () => {
    const f = facts({ 'app/__init__.py': [talisman({})] });
    expect(sentCsps(f).map((s) => [...s.csp])).toEqual([[['default-src', ["'self'"]]]]);
    expect(sentMaxAges(f)).toEqual([{ seconds: 31536000, at: { file: 'app/__init__.py', line: 9 }, via: "Talisman's default max-age" }]);
  });

  it('reads Talisman keywords, headers set in Python and nginx, but not test code or dev classes', () => {
    const f = facts(
      {
        'app/__init__.py': [
          talisman({ content_security_policy: { t: 'dict', items: { 'script-src': c("'self' 'unsafe-eval'") } }, strict_transport_security_max_age: c(600) }),
          { kind: 'header-set', line: 20, header: 'Content-Security-Policy', value: c("default-src *") },
          { kind: 'header-set', line: 21, header: 'Strict-Transport-Security', value: c('max-age=120') },
        ],
        'app/config.py': [
          { kind: 'config-set', line: 5, key: 'HSTS_MAX_AGE', value: c(900), cls: 'ProductionConfig' },
          { kind: 'config-set', line: 9, key: 'HSTS_MAX_AGE', value: c(1), cls: 'DevelopmentConfig' },
        ],
        'tests/test_headers.py': [{ kind: 'header-set', line: 3, header: 'Content-Security-Policy', value: c("script-src 'unsafe-inline'") }],
      },
      [{ file: 'deploy/site.conf', line: 4, directive: 'add_header', args: ['Strict-Transport-Security', 'max-age=60'], context: ['server'] }],
    );
    const violations = checkPolicy({ cspForbid: ["'unsafe-eval'", '*', "'unsafe-inline'"], minHstsMaxAge: 1000 }, report, f, none);
    expect(violations.map((v) => `${v.rule} ${v.locations.map((l) => `${l.file}:${l.line}`).join()}`)).toEqual([
      'policy/csp-forbid app/__init__.py:9',
      'policy/csp-forbid app/__init__.py:20',
      'policy/min-hsts-max-age app/__init__.py:9',
      'policy/min-hsts-max-age app/__init__.py:21',
      'policy/min-hsts-max-age app/config.py:5',
      'policy/min-hsts-max-age deploy/site.conf:4',
    ]);
  });

  it('matches CSP keywords case-insensitively and only whole source expressions', () => {
    const f = facts({}, [{ file: 'n.conf', line: 1, directive: 'add_header', args: ['Content-Security-Policy', "script-src 'UNSAFE-INLINE' https://*.example.com"], context: [] }]);
    const found = checkPolicy({ cspForbid: ["'unsafe-inline'", '*'] }, report, f, none);
    expect(found).toHaveLength(1);
    expect(found[0]!.description).toMatch(/allows 'UNSAFE-INLINE' in script-src/);
  });

  it('says so when no HSTS max-age can be read at all', () => {
    const [violation] = checkPolicy({ minHstsMaxAge: 1 }, report, facts({}), none);
    expect(violation!.description).toMatch(/no Strict-Transport-Security max-age is set/);
  });

  it('asks about required files, folders included', () => {
    const asked: string[] = [];
    const exists = (path: string) => (asked.push(path), path === 'docs');
    expect(checkPolicy({ requireFiles: ['docs/', 'CODEOWNERS'] }, report, facts({}), exists).map((v) => v.description)).toEqual([
      'CODEOWNERS is required by the policy and does not exist',
    ]);
    expect(asked).toEqual(['docs', 'CODEOWNERS']);
  });

  it('requires a status at least as good: partial accepts implemented', () => {
    const r = { protections: [{ id: 'csrf', title: 'CSRF', status: 'partial', missingImplementation: [{ description: 'x', locations: [{ file: 'a.py', line: 3 }] }], currentlyImplemented: [] }] } as unknown as AuditReport;
    expect(checkPolicy({ require: { csrf: 'partial' } }, r, facts({}), none)).toEqual([]);
    expect(checkPolicy({ require: { csrf: 'implemented' } }, r, facts({}), none)[0]!.locations).toEqual([{ file: 'a.py', line: 3 }]);
  });
});

describe('parsePolicy', () => {
  it('accepts an empty policy and refuses empty lists', () => {
    expect(parsePolicy({})).toEqual({});
    expect(() => parsePolicy({ cspForbid: [] })).toThrow(/non-empty list/);
    expect(() => parsePolicy({ requireFiles: ['/etc/passwd'] })).toThrow(/inside the project/);
    expect(() => parsePolicy({ minHstsMaxAge: 1.5 })).toThrow(/whole number/);
  });
});
