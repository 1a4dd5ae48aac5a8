// The small parsers for deploy, dependency and environment files.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  classify,
  isExampleEnv,
  isIgnored,
  looksLikeNginx,
  parseComposeLike,
  parseDockerfile,
  parseEnvFile,
  parseGitignore,
  parseNginx,
  parsePipfile,
  parseProcfile,
  parsePyproject,
  parseRequirements,
  parseSetupCfg,
  parseSystemd,
  parseTemplateAllowList,
  parseWorkflow,
  pipInstalls,
  requirementName,
  scanJs,
  scanJsInstaller,
} from '../../generators/audit/deploy.js';
import { REPO_ROOT } from '../support/project.js';

describe('classify', () => {
  it.each([
    ['app.py', 'python'],
    ['src/pkg/templates/index.html', 'template'],
    ['src/pkg/templates/mail/welcome.txt', 'template'],
    ['emails/welcome.j2', 'template'],
    ['docs/index.html', null],
    ['Procfile', 'procfile'],
    ['Dockerfile', 'dockerfile'],
    ['docker/Dockerfile.prod', 'dockerfile'],
    ['web.dockerfile', 'dockerfile'],
    ['docker-compose.yml', 'compose'],
    ['compose.prod.yaml', 'compose'],
    ['app.yaml', 'platform-yaml'],
    ['deploy/systemd/app.service', 'systemd'],
    ['deploy/nginx/site.conf', 'nginx'],
    ['nginx.conf', 'nginx'],
    ['etc/sites-available/app', 'nginx'],
    ['other.conf', 'conf'],
    ['.env', 'env'],
    ['.env.production', 'env'],
    ['config/prod.env', 'env'],
    ['.flaskenv', 'env'],
    ['requirements.txt', 'requirements'],
    ['requirements/base.in', 'requirements'],
    ['requirements-dev.txt', 'requirements'],
    ['pyproject.toml', 'pyproject'],
    ['Pipfile', 'pipfile'],
    ['setup.cfg', 'setup-cfg'],
    ['uwsgi.ini', 'uwsgi'],
    ['.github/workflows/ci.yml', 'workflow'],
    ['.gitlab-ci.yml', 'workflow'],
    ['src/pkg/static/app.js', 'js'],
    ['src/pkg/static/vendor/jquery.js', null],
    ['src/pkg/static/app.min.js', null],
    ['.gitignore', 'gitignore'],
    ['sub/.gitignore', 'gitignore'],
    ['src/pkg/template-audit-allowlist.toml', 'template-allowlist'],
    ['entrypoint.sh', 'shell'],
    ['README.md', null],
  ])('%s is %s', (path, kind) => {
    expect(classify(path)).toBe(kind);
  });

  it('knows example env files', () => {
    expect(isExampleEnv('.env.example')).toBe(true);
    expect(isExampleEnv('.env.sample')).toBe(true);
    expect(isExampleEnv('config/.env.template')).toBe(true);
    expect(isExampleEnv('.env')).toBe(false);
    expect(isExampleEnv('.env.production')).toBe(false);
  });
});

describe('Procfile', () => {
  it('reads each process and leading variables', () => {
    const r = parseProcfile('Procfile', 'web: FLASK_DEBUG=1 flask run\n# comment\nworker: celery -A app worker\n');
    expect(r.commands).toEqual([
      { file: 'Procfile', line: 1, source: 'procfile:web', command: 'FLASK_DEBUG=1 flask run' },
      { file: 'Procfile', line: 3, source: 'procfile:worker', command: 'celery -A app worker' },
    ]);
    expect(r.env).toEqual([{ file: 'Procfile', line: 1, source: 'procfile', name: 'FLASK_DEBUG', value: '1' }]);
  });
});

describe('Dockerfile', () => {
  const text = [
    'FROM python:3.12',
    'ARG SECRET_KEY=abc',
    'ENV FLASK_APP=app.py \\',
    '    FLASK_DEBUG=1',
    'ENV LEGACY value with spaces',
    'RUN pip install --no-cache-dir -r requirements.txt gunicorn==23.0 && \\',
    '    pip install "waitress>=3"',
    'ENTRYPOINT ["./entrypoint.sh"]',
    'CMD gunicorn -b 0.0.0.0:8000 wsgi:app',
  ].join('\n');
  const r = parseDockerfile('Dockerfile', text);

  it('reads ENV (both forms), ARG defaults and continuation lines', () => {
    expect(r.env.map((e) => [e.name, e.value, e.line])).toEqual([
      ['SECRET_KEY', 'abc', 2],
      ['FLASK_APP', 'app.py', 3],
      ['FLASK_DEBUG', '1', 3],
      ['LEGACY', 'value with spaces', 5],
    ]);
  });

  it('reads CMD and ENTRYPOINT in exec and shell form', () => {
    expect(r.commands.map((c) => [c.source, c.command, c.line])).toEqual([
      ['dockerfile:entrypoint', './entrypoint.sh', 8],
      ['dockerfile:cmd', 'gunicorn -b 0.0.0.0:8000 wsgi:app', 9],
    ]);
  });

  it('reads packages installed with pip', () => {
    expect(r.dependencies.map((d) => d.name)).toEqual(['gunicorn', 'waitress']);
    expect(pipInstalls('pip3 install -e . flask-wtf')).toEqual(['flask-wtf']);
  });
});

describe('compose and platform YAML', () => {
  it('reads command, entrypoint and both environment styles', () => {
    const text = [
      'services:',
      '  web:',
      '    command: ["gunicorn", "app:app"]',
      '    environment:',
      '      - FLASK_DEBUG=1',
      '      - SECRET_KEY',
      '  worker:',
      '    entrypoint:',
      '      - python',
      '      - worker.py',
      '    environment:',
      '      SECRET_KEY: "literal-value"  # oops',
      '      OTHER: ${OTHER}',
    ].join('\n');
    const r = parseComposeLike('docker-compose.yml', text, 'compose');
    expect(r.commands.map((c) => [c.line, c.command])).toEqual([
      [3, 'gunicorn app:app'],
      [8, 'python worker.py'],
    ]);
    expect(r.env.map((e) => [e.line, e.name, e.value])).toEqual([
      [5, 'FLASK_DEBUG', '1'],
      [6, 'SECRET_KEY', ''],
      [12, 'SECRET_KEY', 'literal-value'],
      [13, 'OTHER', '${OTHER}'],
    ]);
  });

  it('reads App Engine entrypoints and env_variables', () => {
    const r = parseComposeLike('app.yaml', 'runtime: python312\nentrypoint: gunicorn -b :$PORT main:app\nenv_variables:\n  FLASK_DEBUG: "0"\n', 'yaml');
    expect(r.commands[0]!.command).toBe('gunicorn -b :$PORT main:app');
    expect(r.env[0]).toMatchObject({ name: 'FLASK_DEBUG', value: '0', line: 4 });
  });
});

describe('systemd', () => {
  it('reads ExecStart, quoted Environment= and credentials', () => {
    const text = '[Service]\nEnvironment="FLASK_DEBUG=true" "A=b c"\nEnvironment=APP_ENV=production\nLoadCredential=secret_key:/etc/app/key\nExecStart=-/srv/.venv/bin/gunicorn \\\n  wsgi:app\n';
    const r = parseSystemd('app.service', text);
    expect(r.commands).toEqual([{ file: 'app.service', line: 5, source: 'systemd', command: '/srv/.venv/bin/gunicorn wsgi:app' }]);
    expect(r.env.map((e) => [e.name, e.value])).toEqual([
      ['FLASK_DEBUG', 'true'],
      ['A', 'b c'],
      ['APP_ENV', 'production'],
      ['LoadCredential', 'secret_key:/etc/app/key'],
    ]);
  });
});

describe('env files and workflows', () => {
  it('reads KEY=VALUE lines with export, quotes and comments', () => {
    const env = parseEnvFile('.env', '# c\nexport A=1\nB="two # words"\nC=three # comment\nnot a line\n');
    expect(env.map((e) => [e.line, e.name, e.value])).toEqual([
      [2, 'A', '1'],
      [3, 'B', 'two # words'],
      [4, 'C', 'three'],
    ]);
  });

  it('only keeps secret and debug variables from workflows', () => {
    const env = parseWorkflow('ci.yml', 'env:\n  SECRET_KEY: test-key\n  PYTHON: "3.12"\n  FLASK_DEBUG: 1\n');
    expect(env.map((e) => e.name)).toEqual(['SECRET_KEY', 'FLASK_DEBUG']);
  });
});

describe('dependencies', () => {
  it('normalises requirement names', () => {
    expect(requirementName('Flask_WTF[email]>=1.2 ; python_version>"3.8"')).toBe('flask-wtf');
    expect(requirementName('git+https://example.invalid/x.git#egg=gunicorn')).toBe('gunicorn');
    expect(requirementName('./local/path')).toBeNull();
  });

  it('reads requirements files, dev ones as dev', () => {
    expect(parseRequirements('requirements.txt', 'flask>=3\n# comment\n-r base.txt\ngunicorn==23.0  # server\n')).toEqual([
      { file: 'requirements.txt', line: 1, name: 'flask', group: 'main', spec: '>=3' },
      { file: 'requirements.txt', line: 4, name: 'gunicorn', group: 'main', spec: '==23.0' },
    ]);
    expect(parseRequirements('requirements-dev.txt', 'gunicorn\n')[0]!.group).toBe('dev');
  });

  it('reads pyproject arrays, optional groups, dependency groups and Poetry tables', () => {
    const text = [
      '[project]',
      'name = "x"',
      'dependencies = ["flask>=3", \'flask-wtf\']',
      '[project.optional-dependencies]',
      'prod = [',
      '  "gunicorn>=23", # comment',
      ']',
      'dev = ["pytest"]',
      '[dependency-groups]',
      'lint = ["ruff"]',
      '[tool.poetry.dependencies]',
      'python = "^3.11"',
      'waitress = "^3"',
      '[tool.poetry.group.dev.dependencies]',
      'black = "*"',
    ].join('\n');
    expect(parsePyproject('pyproject.toml', text).map((d) => [d.line, d.name, d.group])).toEqual([
      [3, 'flask', 'main'],
      [3, 'flask-wtf', 'main'],
      [6, 'gunicorn', 'optional:prod'],
      [8, 'pytest', 'optional:dev'],
      [10, 'ruff', 'group:lint'],
      [13, 'waitress', 'main'],
      [15, 'black', 'dev'],
    ]);
  });

  it('reads Pipfile and setup.cfg', () => {
    expect(parsePipfile('Pipfile', '[packages]\nflask = "*"\n"gunicorn" = "*"\n[dev-packages]\npytest = "*"\n').map((d) => [d.name, d.group])).toEqual([
      ['flask', 'main'],
      ['gunicorn', 'main'],
      ['pytest', 'dev'],
    ]);
    expect(parseSetupCfg('setup.cfg', '[metadata]\nname = x\n[options]\ninstall_requires =\n    flask\n    gunicorn>=23\n[options.extras_require]\n').map((d) => d.name)).toEqual(['flask', 'gunicorn']);
  });
});

describe('nginx', () => {
  const text = [
    'map $uri $csp { default "default-src \'none\'"; }',
    'server {',
    '    listen 443 ssl; # comment ; {',
    '    add_header Content-Security-Policy "default-src \'self\'; script-src \'self\'" always;',
    '    location / {',
    "        proxy_pass http://unix:/run/app.sock;",
    '    }',
    '}',
  ].join('\n');
  const facts = parseNginx('site.conf', text);

  it('reads directives with quoted arguments, lines and context', () => {
    const header = facts.find((f) => f.directive === 'add_header')!;
    expect(header).toEqual({
      file: 'site.conf',
      line: 4,
      directive: 'add_header',
      args: ['Content-Security-Policy', "default-src 'self'; script-src 'self'", 'always'],
      context: ['server'],
    });
    expect(facts.find((f) => f.directive === 'proxy_pass')).toMatchObject({ line: 6, context: ['server', 'location'] });
    expect(facts.find((f) => f.directive === 'listen')!.args).toEqual(['443', 'ssl']);
  });

  it('recognises nginx configuration by its content', () => {
    expect(looksLikeNginx(text)).toBe(true);
    expect(looksLikeNginx('[section]\nkey = value\n')).toBe(false);
  });
});

describe('JavaScript', () => {
  it('finds state-changing requests and whether the file sends a CSRF header', () => {
    const withToken = scanJs('a.js', "fetch(url, {\n  method: 'POST',\n  headers: { 'X-CSRFToken': token },\n});\n");
    expect(withToken).toEqual([{ file: 'a.js', line: 1, token: true, via: 'fetch', absolute: false }]);
    const without = scanJs('b.js', "axios.post('/api', data);\nfetch('/read');\n");
    expect(without).toEqual([{ file: 'b.js', line: 1, token: false, via: 'axios', absolute: false }]);
    const elsewhere = scanJs('c.js', "$.post('https://api.example.com/x', data);\nconst r = new XMLHttpRequest();\nr.open('DELETE', '/items/1');\n");
    expect(elsewhere.map((j) => [j.line, j.via, j.absolute])).toEqual([[1, 'jquery', true], [2, 'xhr', false]]);
  });

  it('recognises a token installer by what it wraps, and only one that reads the meta tag', () => {
    const shim = readFileSync(join(REPO_ROOT, 'templates', 'retrofit', 'hardening-csrf.js'), 'utf8');
    expect(scanJsInstaller('static/hardening-csrf.js', shim)).toEqual([
      { file: 'static/hardening-csrf.js', line: shim.split('\n').findIndex((l) => l.includes('"X-CSRFToken"')) + 1, covers: ['fetch', 'xhr', 'jquery', 'axios'], header: 'X-CSRFToken' },
    ]);
    const ajaxSetup = "$.ajaxSetup({ headers: { 'X-CSRFToken': $('meta[name=csrf-token]').attr('content') } });\n";
    expect(scanJsInstaller('setup.js', ajaxSetup).map((i) => i.covers)).toEqual([['jquery']]);
    // Sends a token itself, wraps nothing: its own calls carry it, no one else's.
    expect(scanJsInstaller('own.js', "fetch('/x', { method: 'POST', headers: { 'X-CSRFToken': document.querySelector('meta[name=\"csrf-token\"]').content } });\n")).toEqual([]);
    // Wraps fetch, but the token comes from somewhere the audit cannot see on the page.
    expect(scanJsInstaller('cookie.js', "const f = window.fetch;\nwindow.fetch = (u, o) => f(u, { ...o, headers: { 'X-CSRFToken': readCookie('csrf') } });\n")).toEqual([]);
  });
});

describe('.gitignore', () => {
  it('matches names anywhere, anchored paths, globs and negations', () => {
    const rules = parseGitignore('.env\n.env.*\n!.env.example\n/build/\n*.pyc\ndocs/**/secret.txt\n');
    expect(isIgnored('.env', rules)).toBe(true);
    expect(isIgnored('sub/.env', rules)).toBe(true);
    expect(isIgnored('.env.production', rules)).toBe(true);
    expect(isIgnored('.env.example', rules)).toBe(false);
    expect(isIgnored('build/x.py', rules)).toBe(true);
    expect(isIgnored('src/build', rules)).toBe(false);
    expect(isIgnored('a/b.pyc', rules)).toBe(true);
    expect(isIgnored('docs/a/b/secret.txt', rules)).toBe(true);
    expect(isIgnored('app.py', rules)).toBe(false);
  });
});

describe('template-audit allow-list', () => {
  it('keeps entries with a template, a rule and a reason', () => {
    const text = '# header\n[[allow]]\ntemplate = "emails/a.txt"\nrule = "not-autoescaped"\nreason = "Plain text."\n\n[[allow]]\ntemplate = "b.html"\nrule = "safe-filter"\nreason = ""\n';
    expect(parseTemplateAllowList('list.toml', text)).toEqual([
      { file: 'list.toml', line: 2, template: 'emails/a.txt', rule: 'not-autoescaped', reason: 'Plain text.' },
    ]);
  });
});
