// The decisions, from hand-written facts: statuses, roles, commands, CSPs and the six evaluations.
import { describe, expect, it } from 'vitest';
import type { Control, Gap, ProjectFacts, ProtectionId, PyFact, TemplateFile } from '../../generators/audit/model.js';
import {
  classifyCommand,
  classRole,
  cspFromVal,
  cspProblems,
  decideStatus,
  deployRole,
  evaluate,
  fileRole,
  isFalsy,
  isTruthy,
  parseCspString,
} from '../../generators/audit/rules.js';
import { projectFacts } from '../fixtures/audit/support.js';

const gap = (severity: Gap['severity']): Gap => ({ rule: 'x/y', severity, description: '', fix: '', locations: [] });
const control: Control = { description: 'something', evidence: [] };

describe('decideStatus', () => {
  it('is missing with a critical gap, whatever else is there', () => {
    expect(decideStatus([control], [gap('critical')])).toBe('missing');
  });
  it('is implemented with no gap of medium or more (low gaps are notes)', () => {
    expect(decideStatus([control], [])).toBe('implemented');
    expect(decideStatus([control], [gap('low')])).toBe('implemented');
  });
  it('is partial with gaps and something in place, missing with nothing in place', () => {
    expect(decideStatus([control], [gap('high')])).toBe('partial');
    expect(decideStatus([], [gap('medium')])).toBe('missing');
  });
});

describe('values and roles', () => {
  it('reads truthy and falsy literals through names', () => {
    expect(isTruthy({ t: 'const', v: true })).toBe(true);
    expect(isTruthy({ t: 'const', v: 'on' })).toBe(true);
    expect(isTruthy({ t: 'name', name: 'DEBUG', value: { t: 'const', v: 1 } })).toBe(true);
    expect(isTruthy({ t: 'env', name: 'DEBUG', required: false, via: 'os.getenv' })).toBe(false);
    expect(isFalsy({ t: 'const', v: null })).toBe(true);
    expect(isFalsy({ t: 'const', v: 'false' })).toBe(true);
    expect(isFalsy({ t: 'expr' })).toBe(false);
  });

  it('tells test, development and production files apart', () => {
    expect(fileRole('tests/test_app.py')).toBe('test');
    expect(fileRole('app/conftest.py')).toBe('test');
    expect(fileRole('config/development.py')).toBe('dev');
    expect(fileRole('run_dev.py')).toBe('dev');
    expect(fileRole('app/devices.py')).toBe('prod');
    expect(fileRole('app/config.py')).toBe('prod');
  });

  it('tells configuration classes apart by name', () => {
    expect(classRole('TestingConfig')).toBe('test');
    expect(classRole('DevelopmentConfig')).toBe('dev');
    expect(classRole('LocalSettings')).toBe('dev');
    expect(classRole('ProductionConfig')).toBe('prod');
    expect(classRole('StagingConfig')).toBe('prod');
    expect(classRole('Config')).toBe('base');
  });
});

describe('classifyCommand', () => {
  it.each([
    ['gunicorn -c gunicorn.conf.py wsgi:app', { kind: 'server', server: 'gunicorn', reload: false, publicBind: false }],
    ['/srv/.venv/bin/gunicorn --reload wsgi:app', { kind: 'server', server: 'gunicorn', reload: true, publicBind: false }],
    ['gunicorn -b 0.0.0.0:8000 app:app', { kind: 'server', server: 'gunicorn', reload: false, publicBind: true }],
    ['gunicorn --bind=:$PORT app:app', { kind: 'server', server: 'gunicorn', reload: false, publicBind: true }],
    ['python -m gunicorn app:app', { kind: 'server', server: 'gunicorn', reload: false, publicBind: false }],
    ['waitress-serve --listen=127.0.0.1:8080 app:app', { kind: 'server', server: 'waitress', reload: false, publicBind: false }],
    ['uwsgi --ini uwsgi.ini', { kind: 'server', server: 'uwsgi', reload: false, publicBind: false }],
    ['flask run --host=0.0.0.0', { kind: 'dev-server', debug: false }],
    ['flask --app app run --debug', { kind: 'dev-server', debug: true }],
    ['python -m flask run', { kind: 'dev-server', debug: false }],
    ['FLASK_DEBUG=1 exec flask run', { kind: 'dev-server', debug: false }],
    ['poetry run flask run', { kind: 'dev-server', debug: false }],
    ['sh -c "flask db upgrade && gunicorn app:app"', { kind: 'server', server: 'gunicorn', reload: false, publicBind: false }],
    ['python3 -u ./app.py', { kind: 'python-script', script: 'app.py', module: false }],
    ['python -m myapp.server', { kind: 'python-script', script: 'myapp.server', module: true }],
    ['newrelic-admin run-program gunicorn app:app', { kind: 'server', server: 'gunicorn', reload: false, publicBind: false }],
  ])('%s', (command, expected) => {
    expect(classifyCommand(command)).toEqual([expected]);
  });

  it('ignores commands that start no server', () => {
    expect(classifyCommand('flask db upgrade')).toEqual([]);
    expect(classifyCommand('celery -A app worker')).toEqual([]);
  });
});

describe('Content-Security-Policy', () => {
  it('reads policies from strings, dicts, lists and names', () => {
    expect(parseCspString("default-src 'self'; script-src 'self' 'nonce-x'")).toEqual(
      new Map([
        ['default-src', ["'self'"]],
        ['script-src', ["'self'", "'nonce-x'"]],
      ]),
    );
    const dict = cspFromVal({ t: 'name', name: 'CSP', value: { t: 'dict', items: { 'script-src': { t: 'list', items: [{ t: 'const', v: "'self'" }] } } } });
    expect(dict).toEqual(new Map([['script-src', ["'self'"]]]));
    expect(cspFromVal({ t: 'const', v: null })).toBe('disabled');
    expect(cspFromVal({ t: 'dict', items: {} })).toBe('disabled');
    expect(cspFromVal({ t: 'call', func: 'build_csp' })).toBe('unknown');
  });

  it('flags unsafe script sources as high and inline styles as low', () => {
    expect(cspProblems(parseCspString("default-src 'self'; script-src 'self' 'unsafe-inline'"))).toEqual([
      { rule: 'headers/csp-unsafe', severity: 'high', detail: "script-src allows 'unsafe-inline'" },
    ]);
    expect(cspProblems(parseCspString("default-src * 'unsafe-eval'"))[0]!.detail).toBe("default-src allows * 'unsafe-eval'");
    expect(cspProblems(parseCspString("script-src 'self'; style-src 'self' 'unsafe-inline'"))).toEqual([
      { rule: 'headers/csp-unsafe-style', severity: 'low', detail: "style-src allows 'unsafe-inline'" },
    ]);
    expect(cspProblems(parseCspString("img-src 'self'"))[0]!.rule).toBe('headers/csp-unsafe');
    expect(cspProblems(parseCspString("default-src 'none'; script-src 'self'; style-src 'self'"))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// evaluate() on small fact sets

const facts = projectFacts;

function protection(f: ProjectFacts, id: ProtectionId) {
  return evaluate(f).find((p) => p.id === id)!;
}
const rules = (f: ProjectFacts, id: ProtectionId) => protection(f, id).missingImplementation.map((g) => `${g.rule}:${g.severity}`);

describe('1. debug', () => {
  const split: PyFact[] = [
    { kind: 'class', line: 1, name: 'Config', bases: [] },
    { kind: 'config-set', line: 2, key: 'DEBUG', where: 'class', cls: 'Config', value: { t: 'const', v: true } },
    { kind: 'class', line: 3, name: 'ProductionConfig', bases: ['Config'] },
    { kind: 'class', line: 5, name: 'DevelopmentConfig', bases: ['Config'] },
    { kind: 'config-set', line: 6, key: 'DEBUG', where: 'class', cls: 'DevelopmentConfig', value: { t: 'const', v: true } },
  ];

  it('flags DEBUG = True in a base class that production inherits', () => {
    const report = protection(facts({ 'config.py': split }), 'debug');
    const g = report.missingImplementation.find((x) => x.rule === 'debug/config-debug')!;
    expect(g.description).toContain('inherited by ProductionConfig');
    expect(g.locations).toEqual([{ file: 'config.py', line: 2 }]);
  });

  it('accepts it when production overrides DEBUG', () => {
    const overridden = [...split, { kind: 'config-set', line: 4, key: 'DEBUG', where: 'class', cls: 'ProductionConfig', value: { t: 'const', v: false } }];
    const report = protection(facts({ 'config.py': overridden }), 'debug');
    expect(report.status).toBe('implemented');
  });

  it('treats app.run(debug=True) at import time as critical, under __main__ as high, in a dev script as a note', () => {
    const run = (extra: Partial<PyFact>): PyFact => ({ kind: 'app-run', line: 9, debug: { t: 'const', v: true }, ...extra });
    expect(rules(facts({ 'app.py': [run({ moduleLevel: true })] }), 'debug')).toContain('debug/run-debug:critical');
    expect(rules(facts({ 'app.py': [run({ moduleLevel: true, mainGuard: true })] }), 'debug')).toContain('debug/run-debug:high');
    expect(rules(facts({ 'run_dev.py': [run({ mainGuard: true })] }), 'debug')).toContain('debug/run-debug:low');
  });

  it('flags FLASK_DEBUG in deploy files but not in .flaskenv', () => {
    const f = facts(
      {},
      {
        deploy: {
          env: [
            { file: 'Dockerfile', line: 3, source: 'dockerfile', name: 'FLASK_DEBUG', value: '1' },
            { file: '.flaskenv', line: 1, source: 'envfile', name: 'FLASK_DEBUG', value: '1' },
          ],
          envFiles: [{ file: '.flaskenv', tracked: true, ignored: false, example: false }],
        },
      },
    );
    const g = protection(f, 'debug').missingImplementation.filter((x) => x.rule === 'debug/deploy-flask-debug');
    expect(g.map((x) => x.locations[0]!.file)).toEqual(['Dockerfile']);
  });

  it('ignores deploy files named for development', () => {
    expect(deployRole('docker-compose.dev.yml')).toBe('dev');
    expect(deployRole('compose.override.yaml')).toBe('dev');
    expect(deployRole('docker/Dockerfile.local')).toBe('dev');
    expect(deployRole('Dockerfile')).toBe('prod');
    expect(deployRole('deploy/devices.service')).toBe('prod');
    const f = facts({}, {
      deploy: {
        env: [{ file: 'docker-compose.dev.yml', line: 5, source: 'compose', name: 'FLASK_DEBUG', value: '1' }],
        commands: [{ file: 'docker-compose.dev.yml', line: 3, source: 'compose:command', command: 'flask run --debug' }],
      },
    });
    expect(rules(f, 'debug').filter((r) => r.startsWith('debug/deploy'))).toEqual([]);
    expect(rules(f, 'wsgi-server').filter((r) => r.startsWith('wsgi-server/dev-server'))).toEqual([]);
  });

  it('flags an app that always loads the development configuration', () => {
    const f = facts({ 'app.py': [{ kind: 'config-load', line: 6, method: 'from_object', arg: { t: 'const', v: 'config.DevelopmentConfig' }, moduleLevel: true }] });
    expect(rules(f, 'debug')).toContain('debug/dev-config-loaded:high');
    const guarded = facts({ 'app.py': [{ kind: 'config-load', line: 6, method: 'from_object', arg: { t: 'name', name: 'DevelopmentConfig' }, devGuard: true }] });
    expect(rules(guarded, 'debug')).not.toContain('debug/dev-config-loaded:high');
  });

  it('flags a configuration that defaults to development', () => {
    const f = facts({ 'app.py': [{ kind: 'env-lookup', line: 4, name: 'APP_ENV', required: false, via: 'os.environ.get', fallback: { t: 'const', v: 'development' } }] });
    expect(rules(f, 'debug')).toContain('debug/defaults-to-development:medium');
  });
});

describe('2. WSGI server', () => {
  it('is implemented with gunicorn in the dependencies and a start command', () => {
    const f = facts(
      {},
      {
        deploy: {
          dependencies: [{ file: 'requirements.txt', line: 2, name: 'gunicorn', group: 'main' }],
          commands: [{ file: 'Procfile', line: 1, source: 'procfile:web', command: 'gunicorn app:app' }],
          nginx: [{ file: 'nginx.conf', line: 5, directive: 'proxy_pass', args: ['http://x'], context: ['server'] }],
        },
      },
    );
    expect(protection(f, 'wsgi-server').status).toBe('implemented');
  });

  it('is missing when `python app.py` starts app.run in production', () => {
    const f = facts(
      { 'app.py': [{ kind: 'app-run', line: 20, mainGuard: true, moduleLevel: true }] },
      {
        deploy: {
          dependencies: [{ file: 'requirements.txt', line: 2, name: 'gunicorn', group: 'main' }],
          commands: [{ file: 'Procfile', line: 1, source: 'procfile:web', command: 'python app.py' }],
        },
      },
    );
    const report = protection(f, 'wsgi-server');
    expect(report.status).toBe('missing');
    expect(report.missingImplementation[0]!.locations).toEqual([
      { file: 'Procfile', line: 1 },
      { file: 'app.py', line: 20 },
    ]);
  });

  it('accepts a script that serves with waitress', () => {
    const f = facts(
      { 'serve.py': [{ kind: 'prod-serve', line: 5, server: 'waitress', mainGuard: true }] },
      {
        deploy: {
          dependencies: [{ file: 'requirements.txt', line: 1, name: 'waitress', group: 'main' }],
          commands: [{ file: 'Procfile', line: 1, source: 'procfile:web', command: 'python serve.py' }],
        },
      },
    );
    expect(rules(f, 'wsgi-server')).toEqual(['wsgi-server/no-reverse-proxy:low']);
  });
});

describe('3. secret key', () => {
  it('flags a literal key as critical and a literal fallback as high', () => {
    expect(rules(facts({ 'app.py': [{ kind: 'config-set', line: 3, key: 'SECRET_KEY', where: 'attribute', value: { t: 'const', v: 'dev' } }] }), 'secret-key')).toContain(
      'secret-key/literal-key:critical',
    );
    const fallback = facts({ 'app.py': [{ kind: 'env-or-fallback', line: 3, name: 'SECRET_KEY', fallback: { t: 'const', v: 'dev' } }] });
    expect(rules(fallback, 'secret-key')).toContain('secret-key/literal-fallback:high');
  });

  it('only notes a literal key in a TestingConfig', () => {
    const f = facts({
      'config.py': [
        { kind: 'class', line: 1, name: 'TestingConfig', bases: [] },
        { kind: 'config-set', line: 2, key: 'SECRET_KEY', where: 'class', cls: 'TestingConfig', value: { t: 'const', v: 'test' } },
      ],
    });
    expect(rules(f, 'secret-key')).toContain('secret-key/test-literal:low');
  });

  it('is implemented with an env lookup, fallbacks and a refusing loader', () => {
    const f = facts({
      'keys.py': [
        { kind: 'env-lookup', line: 5, name: 'SECRET_KEY', required: true, via: 'os.environ[]' },
        { kind: 'env-lookup', line: 6, name: 'SECRET_KEY_FALLBACKS', required: false, via: 'os.environ.get', fallback: { t: 'const', v: '' } },
        { kind: 'secret-function', line: 4, function: 'load_keys', readsEnv: true, raises: true, lengthCheck: true },
      ],
    });
    expect(protection(f, 'secret-key').status).toBe('implemented');
  });

  it('tells a tracked .env from an ignored one', () => {
    const env = (tracked: boolean | null, ignored: boolean) =>
      facts({}, {
        deploy: {
          env: [{ file: '.env', line: 1, source: 'envfile', name: 'SECRET_KEY', value: 'f'.repeat(64) }],
          envFiles: [{ file: '.env', tracked, ignored, example: false }],
        },
      });
    expect(rules(env(true, true), 'secret-key')).toContain('secret-key/key-in-repo:high');
    expect(rules(env(null, false), 'secret-key')).toContain('secret-key/env-not-ignored:medium');
    expect(rules(env(false, true), 'secret-key').some((r) => r.startsWith('secret-key/key-in-repo') || r.startsWith('secret-key/env-not'))).toBe(false);
  });
});

describe('4. CSRF', () => {
  const bound: PyFact[] = [
    { kind: 'extension', line: 3, ext: 'CSRFProtect', var: 'csrf', bound: false, kwargs: {}, star: [] },
    { kind: 'init-app', line: 9, receiver: 'csrf', receiverQual: '.extensions.csrf', receiverExt: null, kwargs: {}, star: [] },
  ];

  it('binds init_app across modules by the instance name', () => {
    expect(protection(facts({ 'ext.py': [bound[0]!], 'factory.py': [bound[1]!] }), 'csrf').status).toBe('implemented');
  });

  it('flags an instance that is never bound', () => {
    expect(rules(facts({ 'ext.py': [bound[0]!] }), 'csrf')).toContain('csrf/unbound:high');
  });

  it('grades exemptions: commented low, bare medium, blueprint high, empty allow-list none', () => {
    const exempt = (extra: Partial<PyFact>): PyFact => ({ kind: 'csrf-exempt', line: 12, receiver: 'csrf', target: 'hook', form: 'decorator', commented: false, ...extra });
    const of = (e: PyFact) => rules(facts({ 'app.py': [...bound, e] }), 'csrf');
    expect(of(exempt({}))).toContain('csrf/exempt:medium');
    expect(of(exempt({ commented: true }))).toContain('csrf/exempt:low');
    expect(of(exempt({ target: 'api_bp', form: 'call' }))).toContain('csrf/exempt-blueprint:high');
    expect(of(exempt({ form: 'call', target: '?', allowList: { name: 'CSRF_EXEMPT', line: 5, entries: 0, withReasons: 0 } }))).toEqual([]);
    expect(of(exempt({ form: 'call', target: '?', allowList: { name: 'CSRF_EXEMPT', line: 5, entries: 1, withReasons: 1 } }))).toEqual(['csrf/exempt:low']);
  });

  it('is critical when production turns CSRF off, a note when tests do', () => {
    const off = (cls: string): PyFact[] => [
      { kind: 'class', line: 1, name: cls, bases: [] },
      { kind: 'config-set', line: 2, key: 'WTF_CSRF_ENABLED', where: 'class', cls, value: { t: 'const', v: false } },
    ];
    expect(rules(facts({ 'app.py': bound, 'config.py': off('ProductionConfig') }), 'csrf')).toContain('csrf/disabled:critical');
    expect(rules(facts({ 'app.py': bound, 'config.py': off('TestingConfig') }), 'csrf')).toEqual(['csrf/disabled-in-tests:low']);
  });

  it('flags forms without a token, not forms that delegate to a macro', () => {
    const templates: TemplateFile[] = [
      { path: 'templates/a.html', facts: [{ kind: 'form', line: 3, token: false }, { kind: 'form', line: 9, token: null }] },
    ];
    expect(rules(facts({ 'app.py': bound }, { templates }), 'csrf')).toEqual(['csrf/form-without-token:high']);
  });
});

describe('5. templating', () => {
  it('grades template sources and Markup by taint', () => {
    const src = (func: string, arg: string, tainted: boolean): PyFact => ({ kind: 'template-source', line: 4, func, arg, tainted, function: 'view' });
    expect(rules(facts({ 'app.py': [src('render_template_string', 'dynamic', true)] }), 'templating')).toEqual(['templating/ssti:critical']);
    expect(rules(facts({ 'app.py': [src('render_template_string', 'dynamic', false)] }), 'templating')).toEqual(['templating/dynamic-template:medium']);
    expect(rules(facts({ 'app.py': [src('render_template_string', 'literal', false)] }), 'templating')).toEqual([]);
    expect(rules(facts({ 'app.py': [src('Markup', 'dynamic', true)] }), 'templating')).toEqual(['templating/markup:high']);
    expect(rules(facts({ 'app.py': [src('Markup', 'literal', false)] }), 'templating')).toEqual(['templating/markup:low']);
  });

  it('accepts |safe listed in template-audit-allowlist.toml', () => {
    const templates: TemplateFile[] = [{ path: 'src/pkg/templates/page.html', facts: [{ kind: 'safe-filter', line: 2, literal: false, block: false, allowed: false }] }];
    const listed = facts({}, { templates, deploy: { templateAllowList: [{ file: 'src/pkg/template-audit-allowlist.toml', line: 1, template: 'page.html', rule: 'safe-filter', reason: 'trusted' }] } });
    expect(rules(listed, 'templating')).toEqual(['templating/safe-filter:low']);
    expect(rules(facts({}, { templates }), 'templating')).toEqual(['templating/safe-filter:medium']);
  });

  it('flags HTML in a file type Flask does not autoescape', () => {
    const templates: TemplateFile[] = [{ path: 'templates/page.j2', facts: [], html: true }];
    expect(rules(facts({}, { templates }), 'templating')).toEqual(['templating/not-autoescaped:medium']);
  });
});

describe('6. headers', () => {
  it('is implemented with a bound Talisman and its defaults', () => {
    const f = facts({ 'app.py': [{ kind: 'extension', line: 5, ext: 'Talisman', var: null, bound: true, kwargs: {}, star: [] }] });
    expect(protection(f, 'headers').status).toBe('implemented');
  });

  it('flags a disabled CSP and HSTS', () => {
    const f = facts({
      'app.py': [
        {
          kind: 'extension', line: 5, ext: 'Talisman', var: null, bound: true, star: [],
          kwargs: { content_security_policy: { t: 'const', v: null }, strict_transport_security: { t: 'const', v: false } },
        },
      ],
    });
    expect(rules(f, 'headers').sort()).toEqual(['headers/no-csp:high', 'headers/no-hsts:high']);
  });

  it('resolves a computed CSP through a CSP-like dict of the same module', () => {
    const f = facts({
      'security.py': [
        { kind: 'csp-candidate', line: 3, name: 'CSP', value: { t: 'dict', items: { 'script-src': { t: 'const', v: "'self' 'unsafe-inline'" } } } },
        { kind: 'extension', line: 9, ext: 'Talisman', var: null, bound: true, star: [], kwargs: { content_security_policy: { t: 'call', func: '_csp' } } },
      ],
    });
    const g = protection(f, 'headers').missingImplementation[0]!;
    expect(g.rule).toBe('headers/csp-unsafe');
    expect(g.locations).toEqual([{ file: 'security.py', line: 3 }]);
  });

  it('is partial when headers are set by hand in some views only', () => {
    const f = facts({
      'app.py': [
        { kind: 'route', line: 5, function: 'index', methods: ['GET'], owner: 'app' },
        { kind: 'header-set', line: 8, header: 'X-Frame-Options', value: { t: 'const', v: 'DENY' }, function: 'index' },
      ],
    });
    const report = protection(f, 'headers');
    expect(report.status).toBe('partial');
    expect(report.missingImplementation.map((g) => g.rule)).toEqual(['headers/no-csp', 'headers/no-hsts', 'headers/per-route-only']);
  });

  it('counts an app-wide after_request hook registered from another module', () => {
    const f = facts({
      'factory.py': [{ kind: 'after-request', line: 10, function: 'secure_headers', via: 'call', owner: 'app', global: true, ownerKind: 'app' }],
      'headers.py': [
        { kind: 'header-set', line: 3, header: 'Content-Security-Policy', value: { t: 'const', v: "default-src 'self'" }, function: 'secure_headers' },
        { kind: 'header-set', line: 4, header: 'Strict-Transport-Security', value: { t: 'const', v: 'max-age=63072000' }, function: 'secure_headers' },
        { kind: 'header-set', line: 5, header: 'X-Frame-Options', value: { t: 'const', v: 'DENY' }, function: 'secure_headers' },
        { kind: 'header-set', line: 6, header: 'X-Content-Type-Options', value: { t: 'const', v: 'nosniff' }, function: 'secure_headers' },
      ],
    });
    expect(protection(f, 'headers').status).toBe('implemented');
  });
});

describe('documentation', () => {
  it('README.md lists every rule the audit can report', async () => {
    const { readFileSync } = await import('node:fs');
    const { RULES } = await import('../../generators/audit/catalog.js');
    const { REPO } = await import('../fixtures/audit/support.js');
    const readme = readFileSync(`${REPO}/generators/audit/README.md`, 'utf8');
    for (const rule of RULES) expect(readme, rule.id).toContain(`| \`${rule.id}\` | ${rule.severity} |`);
  });
});
