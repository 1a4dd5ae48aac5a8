// The readers table, the one scope predicate, and the new rules that need no fixture project:
// keys from config-file interpolation and secret managers, Flask pins, custom token helpers in
// templates, recognised controls (the extension point for hardening.init_app(app)).
import { afterEach, describe, expect, it } from 'vitest';
import { branchMatches, classify, dockerignoreExcludesEnv, parseConfigData, parseDockerfile, parseShellCommands, isShellScript, type FileKind } from '../../generators/audit/deploy.js';
import type { DeployFacts, ProjectFacts, ProtectionId, PyFact, TemplateFile } from '../../generators/audit/model.js';
import { READERS, readFile } from '../../generators/audit/readers.js';
import { evaluate, flaskBelow31, RECOGNISED_CONTROLS } from '../../generators/audit/rules.js';
import { excludedAs, looksMinified } from '../../generators/audit/scope.js';
import { projectFacts } from '../fixtures/audit/support.js';

describe('readers table', () => {
  it('has one reader per file kind it lists, each returning facts for its own file', () => {
    const samples: Partial<Record<FileKind, [string, string]>> = {
      procfile: ['Procfile', 'web: gunicorn wsgi:app\n'],
      dockerfile: ['Dockerfile', 'FROM python:3.12\nCMD ["gunicorn", "wsgi:app"]\n'],
      compose: ['compose.yaml', 'services:\n  web:\n    command: gunicorn wsgi:app\n'],
      systemd: ['deploy/app.service', '[Service]\nExecStart=/srv/venv/bin/gunicorn wsgi:app\n'],
      nginx: ['deploy/nginx.conf', 'server { location / { proxy_pass http://127.0.0.1:8000; } }\n'],
      requirements: ['requirements.txt', 'flask==3.1.0\n'],
      env: ['.env', 'SECRET_KEY=x\n'],
      dockerignore: ['.dockerignore', '.env\n'],
      'config-data': ['config/settings.yaml', 'secret_key: ${SECRET_KEY}\n'],
      'header-policy': ['src/app/security-headers.json', '{\n  "content_security_policy": { "script-src": "\'self\'" }\n}\n'],
    };
    for (const [kind, [file, text]] of Object.entries(samples) as [FileKind, [string, string]][]) {
      expect(classify(file), file).toBe(kind);
      expect(READERS[kind], kind).toBeTypeOf('function');
      const facts = readFile(kind, file, text);
      const lists = Object.values(facts).flat() as { file: string }[];
      expect(lists.length, kind).toBeGreaterThan(0);
      for (const fact of lists) expect(fact.file).toBe(file);
    }
    expect(readFile('python', 'app.py', 'x = 1')).toEqual({});
  });
});

describe('scope: one predicate for test code and vendored assets', () => {
  it('leaves out tests, vendored and minified assets, and keeps the app', () => {
    expect(excludedAs('tests/unit/views/test_forms.py')).toBe('test code');
    expect(excludedAs('app/conftest.py')).toBe('test code');
    expect(excludedAs('app/static/vendor/jquery.js')).toBe('vendored or minified asset');
    expect(excludedAs('app/static/app.min.js')).toBe('vendored or minified asset');
    expect(excludedAs('app/static/dist/main.3f9a8c1d.js')).toBe('vendored or minified asset');
    expect(excludedAs('app/lib/helpers.py')).toBeNull();
    expect(excludedAs('app/static/js/editor.js')).toBeNull();
    expect(excludedAs('app/contest.py')).toBeNull();
  });

  it('recognises a minified bundle by its lines, whatever its name', () => {
    expect(looksMinified(`!function(){${'var a=1;'.repeat(400)}}();`)).toBe(true);
    expect(looksMinified('const a = 1;\n'.repeat(400))).toBe(false);
  });
});

describe('deploy readers for issue 11', () => {
  it('reads Docker stages and what the final one copies', () => {
    const { dockerCopies } = parseDockerfile('Dockerfile', 'FROM python AS build\nCOPY . /src\nFROM python:slim AS production\nCOPY --from=build /w /w\nCOPY . .\n');
    expect(dockerCopies.map((c) => [c.line, c.stage, c.finalStage, c.sources])).toEqual([
      [2, 'build', false, ['.']],
      [5, 'production', true, ['.']],
    ]);
  });

  it('tags the commands of an entrypoint script with their case branch', () => {
    const script = '#!/bin/sh\nset -e\ncase "$1" in\n  server)\n    exec gunicorn wsgi:app\n    ;;\n  dev) exec flask run --debug ;;\n  *)\n    exec "$@"\n    ;;\nesac\n';
    expect(isShellScript(script)).toBe(true);
    expect(parseShellCommands('docker/entrypoint', script, 'script:Dockerfile').map((c) => [c.command, c.branch])).toEqual([
      ['gunicorn wsgi:app', 'server'],
      ['flask run --debug', 'dev'],
      ['"$@"', '*'],
    ]);
    expect(branchMatches('server', 'server')).toBe(true);
    expect(branchMatches('dev|debug', 'server')).toBe(false);
    expect(branchMatches('*', 'server')).toBe(true);
  });

  it('knows whether a .dockerignore keeps .env out', () => {
    expect(dockerignoreExcludesEnv('.git\n.env\n')).toBe(true);
    expect(dockerignoreExcludesEnv('**/.env*\n!.env.example\n')).toBe(true);
    expect(dockerignoreExcludesEnv('node_modules\n')).toBe(false);
  });

  it('reads secret keys from configuration files, value as written', () => {
    expect(parseConfigData('config/app.yaml', '# comment\nsecret_key: ${SECRET_KEY}\ndebug: false\n')).toEqual([
      { file: 'config/app.yaml', line: 2, name: 'secret_key', value: '${SECRET_KEY}' },
    ]);
  });

  it('tells Flask pins without SECRET_KEY_FALLBACKS (before 3.1)', () => {
    for (const spec of ['==1.1.4', '<3', '~=2.3.0', '<=3.0.3', '>=2,<3.1']) expect(flaskBelow31(spec), spec).toBe(true);
    for (const spec of ['==3.1.0', '>=3.1', '>=2', undefined, '~=3.1']) expect(flaskBelow31(spec), String(spec)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------

const facts = (python: Record<string, PyFact[]>, deploy: Partial<DeployFacts> = {}, templates: TemplateFile[] = []): ProjectFacts =>
  projectFacts(python, { deploy, templates });
const protection = (f: ProjectFacts, id: ProtectionId) => evaluate(f).find((p) => p.id === id)!;
const rules = (f: ProjectFacts, id: ProtectionId) => protection(f, id).missingImplementation.map((g) => g.rule);
const controls = (f: ProjectFacts, id: ProtectionId) => protection(f, id).currentlyImplemented.map((c) => c.description).join('\n');

describe('secret key sources', () => {
  const setKey = (value: PyFact['value']): PyFact => ({ kind: 'config-set', line: 4, key: 'SECRET_KEY', where: 'app.config', value });

  it('accepts a key from a configuration file that interpolates the environment', () => {
    const f = facts(
      { 'app.py': [{ kind: 'config-load', line: 3, method: 'from_file', arg: { t: 'const', v: 'config/app.yaml' } }] },
      { configData: [{ file: 'config/app.yaml', line: 2, name: 'secret_key', value: '${SECRET_KEY}' }] },
    );
    expect(controls(f, 'secret-key')).toContain('interpolates the environment');
    expect(rules(f, 'secret-key')).not.toContain('secret-key/not-from-env');
  });

  it('accepts a key from a secret manager or a file', () => {
    const manager = facts({ 'app.py': [setKey({ t: 'call', func: 'boto3.client().get_secret_value' })] });
    expect(controls(manager, 'secret-key')).toContain('secret manager');
    const file = facts({ 'app.py': [setKey({ t: 'call', func: 'pathlib.Path().read_text' })] });
    expect(controls(file, 'secret-key')).toContain('read from a file');
    expect(rules(file, 'secret-key')).not.toContain('secret-key/not-from-env');
  });

  it('still reports a key that is random per process', () => {
    expect(rules(facts({ 'app.py': [setKey({ t: 'call', func: 'os.urandom' })] }), 'secret-key')).toContain('secret-key/random-per-process');
  });

  it('ignores look-alike names: JWT_SECRET_KEY is not the session key', () => {
    const f = facts({ 'config.py': [{ kind: 'env-lookup', line: 3, name: 'JWT_SECRET_KEY', required: false, via: 'os.environ.get', fallback: { t: 'const', v: 'jwt-dev' } }] });
    expect(rules(f, 'secret-key')).not.toContain('secret-key/literal-fallback');
    expect(rules(f, 'secret-key')).toContain('secret-key/not-from-env');
  });
});

describe('CSRF: token helpers other than csrf_token()', () => {
  const hook: PyFact = { kind: 'before-request', line: 20, function: 'check_nonce', def: true, global: true, owner: 'app', reads: ['form:nonce', 'headers:X-Nonce'], session: true, compares: true, refuses: true };
  const form = (fields: string[]): TemplateFile => ({ path: 'templates/edit.html', facts: [{ kind: 'form', line: 3, token: false, fields }] });

  it('counts a form sending the hook\'s field as protected, and one without it as not', () => {
    const ok = facts({ 'app/csrf.py': [hook] }, {}, [form(['nonce', 'title'])]);
    expect(rules(ok, 'csrf')).toEqual([]);
    expect(controls(ok, 'csrf')).toContain('field nonce, header X-Nonce');
    expect(rules(facts({ 'app/csrf.py': [hook] }, {}, [form(['title'])]), 'csrf')).toContain('csrf/form-without-token');
  });

  it('does not take a hook that never refuses for a CSRF check', () => {
    const weak = facts({ 'app/csrf.py': [{ ...hook, refuses: false }] }, {}, [form(['nonce'])]);
    expect(rules(weak, 'csrf')).toContain('csrf/no-global-protection');
  });
});

describe('CSRF without a global protection: what is really open', () => {
  it('lists only views that neither validate a FlaskForm nor authenticate by token', () => {
    const route = (line: number, fn: string, extra: Partial<PyFact>): PyFact => ({ kind: 'route', line, function: fn, methods: ['POST'], owner: 'bp', decorators: [], ...extra });
    const f = facts({
      'app/forms.py': [{ kind: 'class', line: 5, name: 'ProfileForm', bases: ['flask_wtf.FlaskForm'] }],
      'app/views.py': [
        route(10, 'profile', { validatesForm: true }),
        route(20, 'add_vehicle', { decorators: ['bp.route', 'token_auth.login_required'] }),
        route(30, 'import_csv', { authHeader: true }),
        route(40, 'rename', {}),
      ],
    });
    const gap = protection(f, 'csrf').missingImplementation.find((g) => g.rule === 'csrf/no-global-protection')!;
    expect(gap.description).toContain('1 state-changing route accepts requests from any site');
    expect(gap.locations).toEqual([{ file: 'app/views.py', line: 40 }]);
    expect(controls(f, 'csrf')).toContain('1 view validates a FlaskForm');
    expect(controls(f, 'csrf')).toContain('2 API routes authenticate by token or basic auth');
  });

  it('reports a GET route that writes, and not one that only reads', () => {
    const get = (fn: string, writes: boolean): PyFact => ({ kind: 'route', line: 3, function: fn, rule: `/${fn}`, methods: ['GET'], owner: 'bp', decorators: [], writes });
    expect(rules(facts({ 'app/views.py': [get('dismiss', true)] }), 'csrf')).toContain('csrf/state-changing-get');
    expect(rules(facts({ 'app/views.py': [get('show', false)] }), 'csrf')).not.toContain('csrf/state-changing-get');
  });
});

describe('recognised controls (the extension point for a hardening package)', () => {
  afterEach(() => {
    RECOGNISED_CONTROLS.length = 0;
  });

  it('turns a recognised call into the control of its protections and drops their absence gaps', () => {
    const call: PyFact = { kind: 'init-app', line: 7, receiver: 'hardening', receiverQual: 'hardening', receiverExt: null, kwargs: {} };
    const f = facts({ 'app/__init__.py': [call] });
    expect(rules(f, 'csrf')).toContain('csrf/no-global-protection');
    RECOGNISED_CONTROLS.push({
      id: 'test-hardening',
      protections: ['csrf', 'headers'],
      description: 'hardening.init_app(app) installs the protection',
      matches: (fact) => fact.kind === 'init-app' && fact.receiverQual === 'hardening',
    });
    expect(rules(f, 'csrf')).not.toContain('csrf/no-global-protection');
    expect(rules(f, 'headers')).not.toContain('headers/no-headers');
    expect(protection(f, 'csrf').currentlyImplemented).toEqual([{ description: 'hardening.init_app(app) installs the protection', evidence: [{ file: 'app/__init__.py', line: 7 }] }]);
    expect(rules(f, 'secret-key')).toContain('secret-key/not-from-env');
  });
});
