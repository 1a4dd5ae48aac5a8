// Mutation suite: every guard must bite. Each mutation switches one protection off in a fresh
// copy of a generated project with a small text edit, then runs the project's own checks the
// way its CI does (`python scripts/ci_checks.py`, the single source the workflow calls). The
// run must fail, and its output must name the broken protection.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateProject, projectPython, type PythonEnv, runCommand, tempDir } from '../support/project.js';
import { commitAll } from '../support/ci.js';

const PACKAGE = 'mutant';

interface Mutation {
  name: string;
  /** Makes the edit in the project copy at `dir`; throws when the text to edit is not there. */
  apply: (dir: string) => Promise<void> | void;
  /** A line of the checks' output that names the broken protection. */
  names: RegExp;
}

/** Replaces `from` (which must occur) with `to` in one file of the project. */
function edit(dir: string, path: string, from: string | RegExp, to: string): void {
  const file = join(dir, path);
  const before = readFileSync(file, 'utf8');
  const after = before.replace(from, to);
  if (after === before) throw new Error(`mutation did not apply: ${String(from)} not found in ${path}`);
  writeFileSync(file, after);
}

function append(dir: string, path: string, text: string): void {
  const file = join(dir, path);
  writeFileSync(file, readFileSync(file, 'utf8') + text);
}

const pkg = (path: string) => `src/${PACKAGE}/${path}`;
const A_REAL_LOOKING_KEY = '3f7c9a0e5b1d4c2a8e6f0b9d7c5a3e1f2b4d6c8a0e9f7b5d3c1a2e4f6b8d0c9a';

const MUTATIONS: Mutation[] = [
  {
    name: 'DEBUG = True in ProductionConfig',
    apply: (dir) => edit(dir, pkg('config.py'), 'class ProductionConfig(Config):\n', 'class ProductionConfig(Config):\n    DEBUG = True\n'),
    names: /^✗ debug off: DEBUG on in the production build/m,
  },
  {
    name: 'FLASK_DEBUG=1 in the systemd unit',
    apply: (dir) => edit(dir, `deploy/systemd/${PACKAGE}.service`, 'Environment=APP_ENV=production\n', 'Environment=APP_ENV=production\nEnvironment=FLASK_DEBUG=1\n'),
    names: /^✗ debug off in deploy files: deploy\/systemd\/mutant\.service:\d+: FLASK_DEBUG=1/m,
  },
  {
    // gunicorn serves wsgi:app as it is: a debugger wrapped around it answers every visitor.
    name: 'wsgi.py serves the app through Werkzeug\'s DebuggedApplication',
    apply: (dir) => append(dir, 'wsgi.py', '\nfrom werkzeug.debug import DebuggedApplication  # noqa: E402\n\napp.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)\n'),
    names: /^✗ debug off in deploy files: wsgi\.py:\d+: DebuggedApplication/m,
  },
  {
    name: 'reload = True in gunicorn.conf.py',
    apply: (dir) => append(dir, 'gunicorn.conf.py', 'reload = True\n'),
    names: /^✗ debug off in deploy files: gunicorn\.conf\.py:\d+: reload = True/m,
  },
  {
    name: 'CSRFProtect removed',
    apply: (dir) => edit(dir, pkg('hardening/security.py'), '    csrf.init_app(app)\n', ''),
    names: /^✗ CSRF protection: CSRFProtect is not installed/m,
  },
  {
    name: 'a view csrf.exempt-ed outside the allow-list',
    apply: (dir) => {
      edit(dir, pkg('views.py'), 'from flask.typing import ResponseReturnValue\n', 'from flask.typing import ResponseReturnValue\n\nfrom .hardening import csrf\n');
      edit(dir, pkg('views.py'), '@bp.post("/")\ndef greet(', '@bp.post("/")\n@csrf.exempt\ndef greet(');
    },
    names: /^✗ CSRF exemptions: mutant\.views\.greet is exempt but not in CSRF_EXEMPT/m,
  },
  {
    name: 'Talisman removed',
    // From the Talisman(...) call to the hook it installs: nothing of Talisman is left running.
    apply: (dir) =>
      edit(dir, pkg('hardening/security.py'), /\n {4}talisman = Talisman\([\s\S]*?\n {4}_relax_in_tests\(app, type\(talisman\)[^\n]*\n/, '\n'),
    names: /^✗ security headers \(Talisman\): Flask-Talisman is not active/m,
  },
  {
    name: "'unsafe-inline' added to the CSP",
    apply: (dir) => edit(dir, pkg('hardening/security-headers.json'), `"style-src": "'self'",`, `"style-src": "'self' 'unsafe-inline'",`),
    names: /^✗ content security policy: the policy allows 'unsafe-inline'/m,
  },
  {
    name: '|safe added to a template',
    apply: (dir) => edit(dir, pkg('templates/index.html'), '{{ message }}', '{{ message|safe }}'),
    names: /^FOUND +index\.html:\d+: safe-filter/m,
  },
  {
    name: 'Markup( on request data in a view',
    apply: (dir) => {
      edit(dir, pkg('views.py'), 'from flask.typing import ResponseReturnValue\n', 'from flask.typing import ResponseReturnValue\nfrom markupsafe import Markup\n');
      append(dir, pkg('views.py'), '\n\n@bp.get("/hello")\ndef hello() -> ResponseReturnValue:\n    return Markup(f"<p>Hello, {request.args.get(\'name\', \'\')}!</p>")\n');
    },
    names: /^✗ templates autoescaped \(Markup in code\): Markup\(\) on a value that is not a literal in views\.py:\d+/m,
  },
  {
    // In create_app itself, where it is the key production signs with (a literal in
    // ProductionConfig would be overwritten by the credential: a leak, not a protection off).
    name: 'create_app signs with a literal SECRET_KEY instead of the credential',
    // init_app keeps a key the app configured: a literal one in the factory really signs sessions.
    apply: (dir) => edit(dir, pkg('__init__.py'), '    hardening.init_app(app)\n', `    app.config.update(SECRET_KEY="${A_REAL_LOOKING_KEY}")\n    hardening.init_app(app)\n`),
    names: /^✗ secret key not in code: a literal SECRET_KEY in __init__\.py:\d+/m,
  },
  {
    name: '.env committed',
    apply: async (dir) => {
      for (const args of [['add', '--force', '.env'], ['commit', '--quiet', '--no-verify', '-m', 'add .env']]) {
        const result = await runCommand('git', ['-c', 'user.name=ci', '-c', 'user.email=ci@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: dir });
        if (result.exitCode !== 0) throw new Error(`git ${args[0]} failed: ${result.stderr}`);
      }
    },
    names: /^✗ secret key not in git: \.env: an environment file with secrets is tracked by git/m,
  },
  {
    name: 'TRUSTED_HOSTS emptied',
    apply: (dir) => edit(dir, pkg('config.py'), /(class ProductionConfig\(Config\):[\s\S]*?TRUSTED_HOSTS[^=\n]*= )\[[^\]]*\]/, '$1[]'),
    names: /^✗ trusted hosts: TRUSTED_HOSTS is empty/m,
  },
  // What really protects production: the deploy files, and the gaps a review found in them.
  {
    name: 'gunicorn binds 0.0.0.0:8000',
    apply: (dir) => edit(dir, 'gunicorn.conf.py', /^bind = .*$/m, 'bind = "0.0.0.0:8000"'),
    names: /^✗ production WSGI server \(gunicorn\.conf\.py\): gunicorn\.conf\.py:\d+: bind '0\.0\.0\.0:8000' is reachable/m,
  },
  {
    name: 'gunicorn trusts X-Forwarded-* from anyone (forwarded_allow_ips = "*")',
    apply: (dir) => edit(dir, 'gunicorn.conf.py', /^forwarded_allow_ips = .*$/m, 'forwarded_allow_ips = "*"'),
    names: /^✗ production WSGI server \(gunicorn\.conf\.py\): gunicorn\.conf\.py:\d+: forwarded_allow_ips '\*'/m,
  },
  {
    name: 'gunicorn reports ready before the app loads (preload_app off)',
    apply: (dir) => edit(dir, 'gunicorn.conf.py', 'preload_app = True', 'preload_app = False'),
    names: /^✗ production WSGI server \(gunicorn\.conf\.py\): gunicorn\.conf\.py:\d+: preload_app is off/m,
  },
  {
    name: "CSP script-src * 'unsafe-inline' in the nginx snippet",
    apply: (dir) => edit(dir, `deploy/nginx/${PACKAGE}-security-headers.conf`, /Content-Security-Policy \$\w+/, `Content-Security-Policy "script-src * 'unsafe-inline'"`),
    names: /^✗ security headers \(nginx\): deploy\/nginx\/mutant-security-headers\.conf:\d+: Content-Security-Policy: script-src allows \* 'unsafe-inline'/m,
  },
  {
    name: 'the headers snippet dropped from the /static/ location',
    apply: (dir) => edit(dir, `deploy/nginx/${PACKAGE}.conf`, /(gzip_types [^\n]*\n) *include snippets\/[^\n]*\n/, '$1'),
    names: /^✗ security headers \(nginx\): deploy\/nginx\/mutant\.conf:\d+: location \/static\/ sends none of the security headers/m,
  },
  {
    name: 'HSTS_MAX_AGE changed in config.py only (nginx sends its own)',
    apply: (dir) => edit(dir, pkg('config.py'), /HSTS_MAX_AGE = \d+/, 'HSTS_MAX_AGE = 300'),
    names: /^✗ security headers \(nginx\): .*nginx sends max-age=63072000, the app max-age=300 \(HSTS_MAX_AGE\)/m,
  },
  {
    name: 'TLS curves only in the named server (nginx reads the default server)',
    apply: (dir) => {
      edit(dir, `deploy/nginx/${PACKAGE}.conf`, /^ *ssl_ecdh_curve .*\n/m, '');
      edit(dir, `deploy/nginx/${PACKAGE}.conf`, /(ssl_prefer_server_ciphers on;\n)/, '$1    ssl_ecdh_curve X25519:prime256v1:secp384r1;\n');
    },
    names: /^✗ TLS \(nginx\): deploy\/nginx\/mutant\.conf:\d+: the default TLS server's ssl_ecdh_curve allows every curve/m,
  },
  {
    name: 'TLS session cache only in the named server',
    apply: (dir) => {
      edit(dir, `deploy/nginx/${PACKAGE}.conf`, /^ *ssl_session_cache .*\n/m, '');
      edit(dir, `deploy/nginx/${PACKAGE}.conf`, /(ssl_prefer_server_ciphers on;\n)/, '$1    ssl_session_cache shared:TLS:10m;\n');
    },
    names: /^✗ TLS \(nginx\): deploy\/nginx\/mutant\.conf:\d+: the default TLS server has no shared ssl_session_cache/m,
  },
  {
    name: 'no per-address connection limit (one client takes the site offline)',
    apply: (dir) => edit(dir, `deploy/nginx/${PACKAGE}.conf`, /^ *limit_conn \w+ 20;\n/m, ''),
    names: /^✗ request limits \(nginx\): deploy\/nginx\/mutant\.conf:\d+: location \/ has no per-address connection limit/m,
  },
  {
    name: 'the general rate limit removed',
    apply: (dir) => edit(dir, `deploy/nginx/${PACKAGE}.conf`, /^ *limit_req zone=\w+_general.*\n/m, ''),
    names: /^✗ request limits \(nginx\): deploy\/nginx\/mutant\.conf:\d+: location \/ is not rate-limited by zone mutant_general/m,
  },
  {
    name: 'client_body_timeout raised to 60s',
    apply: (dir) => edit(dir, `deploy/nginx/${PACKAGE}.conf`, 'client_body_timeout 10s', 'client_body_timeout 60s'),
    names: /^✗ request limits \(nginx\): deploy\/nginx\/mutant\.conf:\d+: client_body_timeout 60s/m,
  },
  {
    name: '429s written to the access log',
    apply: (dir) => edit(dir, `deploy/nginx/${PACKAGE}.conf`, / combined if=\$\w+/, ''),
    names: /^✗ request limits \(nginx\): deploy\/nginx\/mutant\.conf:\d+: 429 responses are written to the access log/m,
  },
  {
    name: 'dotfiles and backup files served under /static/',
    apply: (dir) => edit(dir, `deploy/nginx/${PACKAGE}.conf`, /^ *location ~ .*\n.*\n *}\n/m, ''),
    names: /^✗ static files \(nginx\): deploy\/nginx\/mutant\.conf:\d+: location \/static\/ serves dotfiles and backup files/m,
  },
  {
    name: 'systemd unit without IPAddressDeny',
    apply: (dir) => edit(dir, `deploy/systemd/${PACKAGE}.service`, /^IPAddressDeny=any\n/m, ''),
    names: /^✗ sandbox \(systemd\): deploy\/systemd\/mutant\.service:\d+: IPAddressDeny=any is missing/m,
  },
  {
    name: 'systemd unit with NoNewPrivileges=no',
    apply: (dir) => edit(dir, `deploy/systemd/${PACKAGE}.service`, 'NoNewPrivileges=yes', 'NoNewPrivileges=no'),
    names: /^✗ sandbox \(systemd\): deploy\/systemd\/mutant\.service:\d+: NoNewPrivileges=no/m,
  },
  {
    name: 'no Cache-Control: no-store on pages with a token and a cookie',
    apply: (dir) => edit(dir, pkg('hardening/security.py'), 'response.headers["Cache-Control"] = "no-store"', 'response.headers["Cache-Control"] = "private"'),
    names: /^✗ no-store on private pages: the start page is sent with Cache-Control: private/m,
  },
  {
    name: '`flask run --debugger` accepted in production',
    apply: (dir) => edit(dir, pkg('hardening/__init__.py'), /(if context\.info_name == "run" and context\.params\.get\("debugger"\):\n\s+)return True/, '$1return False'),
    names: /^FAILED tests\/test_hardening\.py::test_flask_run_with_the_debugger_is_refused_in_production\[--debugger\]/m,
  },
  {
    name: "patterned keys accepted ('a1b2c3d4' * 8 and the like)",
    apply: (dir) => edit(dir, pkg('hardening/secrets.py'), 'MIN_DISTINCT_NGRAM_SHARE = 0.75', 'MIN_DISTINCT_NGRAM_SHARE = 0.0'),
    names: /^FAILED tests\/test_hardening\.py::test_patterned_keys_are_refused\[a1b2c3d4/m,
  },
  {
    name: 'a SECRET_KEY variable silently wins over the systemd credential',
    apply: (dir) => edit(dir, pkg('hardening/secrets.py'), 'if len(sources) > 1:', 'if len(sources) > len(sources):'),
    names: /^FAILED tests\/test_hardening\.py::test_key_and_systemd_credential_together_are_refused/m,
  },
  {
    name: 'a two-line key file accepted as one key',
    apply: (dir) => edit(dir, pkg('hardening/secrets.py'), 're.search(r"\\s", text)', 're.search(r"\\s\\s", text)'),
    names: /^FAILED tests\/test_hardening\.py::test_a_two_line_key_file_is_refused/m,
  },
  {
    name: 'requirements.lock deleted (dependencies resolved at deploy time)',
    apply: (dir) => rmSync(join(dir, 'requirements.lock')),
    names: /^✗ dependencies locked: requirements\.lock is missing/m,
  },
];

interface Outcome {
  name: string;
  caught: boolean;
  failedSteps: string[];
  says: string;
}

describe('mutation suite: each protection switched off makes the generated checks fail', () => {
  const tmp = tempDir('hf-e2e-mutation-');
  let pristine: string;
  let python: PythonEnv;
  const outcomes: Outcome[] = [];
  let copies = 0;

  /** A fresh copy of the generated (and committed) project. */
  function freshCopy(): string {
    const dir = join(tmp.dir, `copy-${++copies}`);
    cpSync(pristine, dir, { recursive: true });
    return dir;
  }

  /**
   * The project's checks, as its CI runs them (all jobs). pip-audit is skipped: it audits the
   * dependencies, which no mutation touches, and needs a service this machine may not reach.
   */
  async function runChecks(dir: string) {
    const env = { ...python.env, PYTHONPATH: join(dir, 'src') };
    const result = await runCommand('python', ['scripts/ci_checks.py', '--skip', 'pip-audit'], { cwd: dir, env, timeout: 600_000 });
    const output = result.stdout + result.stderr;
    const failedSteps = [...output.matchAll(/^FAIL {2}(.+) \(exit \d+\)$/gm)].map((match) => match[1]!);
    return { exitCode: result.exitCode, output, failedSteps };
  }

  beforeAll(async () => {
    pristine = await generateProject(PACKAGE, {}, tmp.dir);
    python = await projectPython(pristine);
    await commitAll(pristine);
  });

  afterAll(() => {
    if (outcomes.length > 0) {
      const caught = outcomes.filter((outcome) => outcome.caught).length;
      const rows = outcomes.map((o, i) => `${String(i + 1).padStart(2)}  ${o.caught ? 'caught' : 'MISSED'}  ${o.name.padEnd(62)}  ${o.failedSteps.join(', ')}\n      says: ${o.says}`);
      console.log(`\nmutation suite: ${caught}/${outcomes.length} caught\n${rows.join('\n')}\n`);
    }
    tmp.cleanup();
  });

  it('the unmutated project passes its own checks', async () => {
    const { exitCode, output, failedSteps } = await runChecks(freshCopy());
    expect(exitCode, `failed: ${failedSteps.join(', ')}\n${output.slice(-4000)}`).toBe(0);
  });

  it.each(MUTATIONS.map((mutation) => [mutation.name, mutation] as const))('%s', async (_name, mutation) => {
    const dir = freshCopy();
    await mutation.apply(dir);
    const { exitCode, output, failedSteps } = await runChecks(dir);
    const says = mutation.names.exec(output)?.[0] ?? '(nothing names the protection)';
    outcomes.push({ name: mutation.name, caught: exitCode !== 0 && mutation.names.test(output), failedSteps, says: says.slice(0, 160) });
    expect(exitCode, 'the checks must fail').not.toBe(0);
    expect(output, 'the output must name the broken protection').toMatch(mutation.names);
  });
});
