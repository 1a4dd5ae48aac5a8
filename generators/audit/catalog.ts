// What the audit knows, as data: the six protections (DESIGN.md §1) with their threats, and
// every rule a gap can come from, with its default severity and its fix. The SARIF output lists
// these rules; the README documents them.
import type { ProtectionId, Severity, Threat } from './model.js';

export interface ProtectionInfo {
  id: ProtectionId;
  number: number;
  title: string;
  mitigationStrategy: string;
  threats: Threat[];
  /** What the protection achieves when implemented: the "Impact" of a security review. */
  impact: string;
}

export const PROTECTIONS: readonly ProtectionInfo[] = [
  {
    id: 'debug',
    number: 1,
    title: 'Debug off outside development; dev/test/prod configs split',
    mitigationStrategy:
      'Keep DEBUG and the Werkzeug debugger out of production: separate Development/Testing/Production ' +
      'configuration classes chosen by APP_ENV (production when unset), ProductionConfig.DEBUG = False, ' +
      'and no FLASK_DEBUG or debug=True in code or deploy files.',
    threats: [
      { name: 'Remote code execution through the interactive Werkzeug debugger console', severity: 'critical' },
      { name: 'Information disclosure through tracebacks, source and configuration in error pages', severity: 'high' },
    ],
    impact:
      'Removes a one-request path to remote code execution and stops stack traces reaching clients: ' +
      'risk lowered from critical to low.',
  },
  {
    id: 'wsgi-server',
    number: 2,
    title: 'Production WSGI server',
    mitigationStrategy:
      'Serve production traffic with gunicorn (or uWSGI/waitress) configured in gunicorn.conf.py, behind a ' +
      'buffering reverse proxy (nginx); the Flask development server only runs for `flask run` in development.',
    threats: [
      { name: 'Denial of service: the development server is not built for load or slow clients', severity: 'high' },
      { name: 'Exposure of development-only features (reloader, debugger) on a public port', severity: 'high' },
    ],
    impact:
      'Requests are served by a supervised pool of workers with request-size and time limits; slow clients ' +
      'are absorbed by the proxy: availability risk lowered from high to low.',
  },
  {
    id: 'secret-key',
    number: 3,
    title: 'Secret key from the environment, rotatable',
    mitigationStrategy:
      'Read SECRET_KEY (or SECRET_KEY_FILE / a systemd credential) from the environment, never from source; ' +
      'keep SECRET_KEY_FALLBACKS for rotation; refuse to start production with a missing, short or ' +
      'placeholder key.',
    threats: [
      { name: 'Session forgery and privilege escalation by anyone who knows the key', severity: 'critical' },
      { name: 'Forged CSRF tokens and signed values (itsdangerous)', severity: 'high' },
      { name: 'Long exposure after a leak when the key cannot be rotated without logging everyone out', severity: 'medium' },
    ],
    impact:
      'A leaked repository no longer leaks the key, and a leaked key can be replaced without downtime: ' +
      'session-forgery risk lowered from critical to low.',
  },
  {
    id: 'csrf',
    number: 4,
    title: 'CSRF on every state-changing request',
    mitigationStrategy:
      'Install CSRFProtect globally; every form renders csrf_token(), fetch/XHR send X-CSRFToken read from a ' +
      'meta tag; exemptions only through an explicit, commented allow-list.',
    threats: [
      { name: 'Cross-site request forgery: state changes made on behalf of a signed-in user', severity: 'high' },
    ],
    impact:
      'Every POST/PUT/PATCH/DELETE without a valid token is refused with 400: CSRF risk lowered from high to low.',
  },
  {
    id: 'templating',
    number: 5,
    title: 'Safe templating',
    mitigationStrategy:
      'Keep Jinja autoescaping on; no |safe, Markup(...) or {% autoescape false %} unless listed with a ' +
      'reason; never build templates from request data (render_template_string).',
    threats: [
      { name: 'Server-side template injection leading to remote code execution', severity: 'critical' },
      { name: 'Stored or reflected cross-site scripting', severity: 'high' },
    ],
    impact:
      'User data is always rendered as text, never as markup or template code: XSS/SSTI risk lowered from ' +
      'critical to low.',
  },
  {
    id: 'headers',
    number: 6,
    title: 'Security headers',
    mitigationStrategy:
      'Flask-Talisman on every response with a strict Content-Security-Policy (nonces, no unsafe-inline), ' +
      'HSTS, X-Frame-Options/frame-ancestors, nosniff, Referrer-Policy and Permissions-Policy; COOP/CORP beside it.',
    threats: [
      { name: 'Cross-site scripting made exploitable by a missing or weak Content-Security-Policy', severity: 'high' },
      { name: 'TLS stripping and cookie theft without Strict-Transport-Security', severity: 'high' },
      { name: 'Clickjacking through framing', severity: 'medium' },
      { name: 'MIME-type sniffing of user content', severity: 'low' },
    ],
    impact:
      'Browsers refuse injected scripts, framing and downgrades: the impact of an XSS bug and of network ' +
      'attackers lowered from high to low.',
  },
];

export interface RuleInfo {
  id: string;
  protection: ProtectionId;
  severity: Severity;
  title: string;
  fix: string;
}

const rule = (protection: ProtectionId, id: string, severity: Severity, title: string, fix: string): RuleInfo => ({
  id: `${protection}/${id}`,
  protection,
  severity,
  title,
  fix,
});

export const RULES: readonly RuleInfo[] = [
  // 1. debug
  rule('debug', 'run-debug', 'high', 'app.run() turns the debugger on',
    'Remove debug=True; use `flask --app <module> run --debug` in development only and gunicorn in production.'),
  rule('debug', 'debugger-flag', 'high', 'The Werkzeug debugger is enabled explicitly',
    'Remove use_debugger/use_evalex/DebuggedApplication from anything that can run in production.'),
  rule('debug', 'config-debug', 'high', 'DEBUG is on in a configuration used in production',
    'Set DEBUG = True only in DevelopmentConfig; keep DEBUG = False in the base and production configuration.'),
  rule('debug', 'dev-config-loaded', 'high', 'The app always loads a development or testing configuration',
    'Choose the configuration class from APP_ENV (production when unset) instead of naming one in the code.'),
  rule('debug', 'debug-default-on', 'medium', 'Debug is on unless a variable turns it off',
    'Default to off: read the flag with a false default, or better, let APP_ENV pick a config class.'),
  rule('debug', 'deploy-flask-debug', 'high', 'FLASK_DEBUG is on in a deploy file',
    'Remove FLASK_DEBUG (and --debug) from Dockerfiles, compose files, systemd units, Procfiles and production .env files.'),
  rule('debug', 'flask-env', 'low', 'FLASK_ENV=development in a deploy file',
    'Remove FLASK_ENV (ignored since Flask 2.3); select the configuration with APP_ENV.'),
  rule('debug', 'no-config-split', 'medium', 'No separate development, testing and production configuration',
    'Create Config, DevelopmentConfig, TestingConfig and ProductionConfig classes and pick one with APP_ENV, production when unset.'),
  rule('debug', 'defaults-to-development', 'medium', 'The configuration defaults to development when the variable is unset',
    'Make production the default: os.environ.get("APP_ENV") or "production".'),
  // 2. wsgi-server
  rule('wsgi-server', 'dev-server-command', 'critical', 'A deploy file runs the Flask development server',
    'Start the app with gunicorn: `gunicorn -c gunicorn.conf.py wsgi:app` (Procfile: `web: gunicorn -c gunicorn.conf.py wsgi:app`).'),
  rule('wsgi-server', 'no-production-server', 'high', 'No production WSGI server in the dependencies',
    'Add gunicorn (e.g. "gunicorn>=23.0.0") to the runtime dependencies in pyproject.toml or requirements.txt.'),
  rule('wsgi-server', 'server-dev-only', 'medium', 'The WSGI server is only a development/optional dependency',
    'Move gunicorn to the runtime dependencies that production installs.'),
  rule('wsgi-server', 'no-production-command', 'medium', 'Nothing starts the production server',
    'Add gunicorn.conf.py and a deploy entry (systemd unit, Procfile or Dockerfile CMD) that runs gunicorn with it.'),
  rule('wsgi-server', 'reload', 'medium', 'The production server auto-reloads code',
    'Remove --reload / reload = True; restart the service on deploy instead.'),
  rule('wsgi-server', 'public-bind', 'low', 'The WSGI server listens on all interfaces',
    'Bind gunicorn to a unix socket or 127.0.0.1 and let the reverse proxy face the network (in a container, publish only the proxy).'),
  rule('wsgi-server', 'module-level-run', 'high', 'app.run() runs at import time',
    'Put app.run() under `if __name__ == "__main__":` (or remove it) so importing the module never starts a server.'),
  rule('wsgi-server', 'no-reverse-proxy', 'low', 'No reverse proxy configuration in the repository',
    'Put nginx (or another buffering proxy) in front of gunicorn\'s sync workers; keep its config in deploy/nginx/.'),
  // 3. secret-key
  rule('secret-key', 'literal-key', 'critical', 'SECRET_KEY is a literal in the source',
    'Read the key from the environment (SECRET_KEY or SECRET_KEY_FILE), rotate the leaked key, and keep it out of the repository.'),
  rule('secret-key', 'literal-fallback', 'high', 'SECRET_KEY falls back to a literal when the variable is unset',
    'Drop the fallback and refuse to start without a key: os.environ["SECRET_KEY"], with a clear error.'),
  rule('secret-key', 'key-in-repo', 'high', 'A secret key is committed to the repository',
    'Remove the key from version control (and from history), rotate it, and gitignore .env; deploy files should reference the key, not contain it.'),
  rule('secret-key', 'env-not-ignored', 'medium', 'A .env file with a secret key is not gitignored',
    'Add .env and .env.* (but !.env.example) to .gitignore.'),
  rule('secret-key', 'example-real-key', 'medium', 'An example env file holds what looks like a real key',
    'Put a placeholder in .env.example (e.g. SECRET_KEY=change-me) and rotate the key if it was used anywhere.'),
  rule('secret-key', 'random-per-process', 'medium', 'SECRET_KEY is random per process',
    'Use one stable key from the environment: per-process keys break sessions across workers and restarts and cannot be rotated.'),
  rule('secret-key', 'not-from-env', 'high', 'SECRET_KEY is not read from the environment',
    'Load SECRET_KEY (or SECRET_KEY_FILE, or $CREDENTIALS_DIRECTORY/secret_key) from the environment at startup.'),
  rule('secret-key', 'no-rotation', 'medium', 'No SECRET_KEY_FALLBACKS for rotation',
    'Read SECRET_KEY_FALLBACKS (comma-separated) so a new key can be deployed while old sessions stay valid (Flask >= 3.1).'),
  rule('secret-key', 'no-validation', 'medium', 'Production does not refuse a missing, short or placeholder key',
    'At startup, raise a clear exception when SECRET_KEY is missing, shorter than 32 random bytes (64 hex characters) or a known placeholder.'),
  rule('secret-key', 'test-literal', 'low', 'A literal key in test or development configuration',
    'Generate test keys at run time (secrets.token_hex(32)) so no literal key exists to be copied into production.'),
  rule('secret-key', 'env-in-image', 'high', 'The production image copies a .env file with a key',
    'Add a .dockerignore that excludes .env* (keep !.env.example), or COPY only the folders the app needs.'),
  rule('secret-key', 'rotation-needs-upgrade', 'low', 'The pinned Flask has no SECRET_KEY_FALLBACKS',
    'Upgrade to Flask 3.1 or newer, then list the previous key in SECRET_KEY_FALLBACKS when rotating.'),
  // 4. csrf
  rule('csrf', 'no-global-protection', 'high', 'CSRFProtect is not installed on the app',
    'Create `csrf = CSRFProtect()` and call `csrf.init_app(app)` in the application factory (or CSRFProtect(app)).'),
  rule('csrf', 'unbound', 'high', 'CSRFProtect is created but never bound to the app',
    'Call csrf.init_app(app) in the application factory.'),
  rule('csrf', 'disabled', 'critical', 'WTF_CSRF_ENABLED = False in a configuration used in production',
    'Remove WTF_CSRF_ENABLED = False (keep it on in tests too, and send the token in test requests).'),
  rule('csrf', 'disabled-in-tests', 'low', 'CSRF is turned off in test or development configuration',
    'Keep CSRF on in tests so a route that forgets the token fails there first.'),
  rule('csrf', 'check-default-off', 'high', 'WTF_CSRF_CHECK_DEFAULT = False: only decorated views are checked',
    'Remove WTF_CSRF_CHECK_DEFAULT = False so every state-changing request is checked.'),
  rule('csrf', 'exempt', 'medium', 'A view is exempt from CSRF protection',
    'Remove the exemption, or move it to an explicit allow-list with the reason the request cannot carry the user\'s cookies.'),
  rule('csrf', 'exempt-blueprint', 'high', 'A whole blueprint is exempt from CSRF protection',
    'Exempt nothing wholesale: protect the blueprint, and allow-list single endpoints with a reason if they must be exempt.'),
  rule('csrf', 'form-without-token', 'high', 'A form that changes state has no CSRF token',
    'Add <input type="hidden" name="csrf_token" value="{{ csrf_token() }}"> (or {{ form.hidden_tag() }}) inside the form.'),
  rule('csrf', 'form-meta-off', 'high', 'A FlaskForm turns its CSRF check off',
    'Remove `csrf = False` from the form\'s Meta (or meta={"csrf": False}).'),
  rule('csrf', 'xhr-without-token', 'medium', 'A state-changing fetch/XHR sends no CSRF token',
    'Read the token from <meta name="csrf-token" content="{{ csrf_token() }}"> and send it as the X-CSRFToken header.'),
  rule('csrf', 'state-changing-get', 'medium', 'A GET route changes state',
    'Make the route POST (or DELETE) and send it from a form or fetch with the CSRF token; GET must be safe.'),
  // 5. templating
  rule('templating', 'ssti', 'critical', 'A template is built from request data',
    'Never pass request data as template source: render a template file with render_template() and pass the data as variables.'),
  rule('templating', 'dynamic-template', 'medium', 'A template is built from a non-literal string',
    'Use template files (render_template) so template code cannot be mixed with data.'),
  rule('templating', 'autoescape-disabled', 'critical', 'Jinja autoescaping is turned off for the app',
    'Remove the autoescape=False setting; Flask autoescapes .html, .htm, .xml, .xhtml and .svg templates by default.'),
  rule('templating', 'autoescape-off', 'high', '{% autoescape false %} in a template',
    'Remove the block, or allow-list it with a reason if the content is trusted markup.'),
  rule('templating', 'safe-filter', 'medium', 'Output marked |safe is not escaped',
    'Drop |safe, or allow-list it with a reason (template-audit-allowlist.toml or {# audit: allow <reason> #}).'),
  rule('templating', 'markup', 'medium', 'Markup() marks text as safe HTML without escaping it',
    'Build HTML in templates; if Markup is needed, escape every interpolated value with markupsafe.escape first.'),
  rule('templating', 'not-autoescaped', 'medium', 'An HTML template has a file type Flask does not autoescape',
    'Rename it to .html, or enable autoescaping for its extension (jinja2.select_autoescape).'),
  rule('templating', 'unescaped-environment', 'medium', 'A jinja2.Environment without autoescaping',
    'Create it with autoescape=select_autoescape() (or True).'),
  // 6. headers
  rule('headers', 'no-headers', 'high', 'No security headers on responses',
    'Install Flask-Talisman in the application factory: Talisman(app, content_security_policy=..., content_security_policy_nonce_in=["script-src"]).'),
  rule('headers', 'talisman-unbound', 'high', 'Talisman is created but never bound to the app',
    'Call talisman.init_app(app, ...) in the application factory.'),
  rule('headers', 'per-route-only', 'medium', 'Security headers are set by hand on some routes only',
    'Set them for every response: Flask-Talisman, or an app.after_request hook.'),
  rule('headers', 'blueprint-only', 'medium', 'Security headers are set for one blueprint only',
    'Use app.after_request (or Blueprint.after_app_request) or Flask-Talisman so every response gets them.'),
  rule('headers', 'csp-unsafe', 'high', 'The Content-Security-Policy allows inline or injected scripts',
    "Remove 'unsafe-inline'/'unsafe-eval'/wildcards from script-src; move inline scripts to static files and use nonces (content_security_policy_nonce_in=['script-src'])."),
  rule('headers', 'csp-unsafe-style', 'low', "The Content-Security-Policy allows inline styles",
    "Move inline styles to static CSS and drop 'unsafe-inline' from style-src."),
  rule('headers', 'no-csp', 'high', 'No Content-Security-Policy',
    "Send a strict CSP (default-src 'none'; script-src 'self' plus a nonce; ...), e.g. through Flask-Talisman."),
  rule('headers', 'no-hsts', 'high', 'No Strict-Transport-Security',
    'Send Strict-Transport-Security: max-age=63072000; includeSubDomains (Talisman does by default).'),
  rule('headers', 'short-hsts', 'low', 'HSTS max-age under one year',
    'Raise max-age to 63072000 (two years) once HTTPS works everywhere.'),
  rule('headers', 'missing-header', 'medium', 'A baseline security header is missing',
    'Send X-Frame-Options: DENY (or frame-ancestors), X-Content-Type-Options: nosniff and a CSP on every response.'),
  rule('headers', 'csp-report-only', 'medium', 'The Content-Security-Policy is report-only',
    'Fix what the reports show (inline event handlers, style attributes, inline scripts without a nonce), then enforce the policy: drop CSP_REPORT_ONLY / content_security_policy_report_only and send Content-Security-Policy from the app and nginx.'),
  rule('headers', 'hsts-default-off', 'medium', 'HSTS is off unless a setting turns it on',
    'Default the setting to on (max-age of at least one year) and let development turn it off.'),
];

export const RULES_BY_ID: ReadonlyMap<string, RuleInfo> = new Map(RULES.map((r) => [r.id, r]));

export function ruleInfo(id: string): RuleInfo {
  const info = RULES_BY_ID.get(id);
  if (!info) throw new Error(`unknown audit rule ${id}`);
  return info;
}
