// What a new project contains, as data: one row per template, with the answer that brings it.
// Templates live in templates/project/ and mirror the generated tree one-to-one.
// `owner` decides what `update` may do with a file (DESIGN §6): `generator` files are ours (replaced
// unless the user changed them), `user` files are theirs (merged, never overwritten), `once` files
// are written if absent and then never touched.
import type { FileRow } from '../lib/manifest.js';

const api = (a: { includeApi: boolean }) => a.includeApi;
const github = (a: { ci: string }) => a.ci === 'github' || a.ci === 'both';
const gitlab = (a: { ci: string }) => a.ci === 'gitlab' || a.ci === 'both';

/**
 * templates/hardening/: the generator-owned package that installs and proves every protection
 * (DESIGN §6), copied unrendered to src/<pkg>/hardening/ in new projects (and by retrofit into
 * others). A unit test keeps this list equal to the folder's contents.
 */
export const HARDENING_PATHS: readonly string[] = [
  '__init__.py',
  'security.py',
  'secrets.py',
  'errors.py',
  'cli.py',
  'checks.py',
  'deploy_scan.py',
  'secret_scan.py',
  'template_audit.py',
  // The header policy: security.py sends it, the nginx snippet is rendered from it
  'security-headers.json',
  'templates/hardening/error.html',
  'testing.py',
  'tests/__init__.py',
  'tests/config_split.py',
  'tests/secret_keys.py',
  'tests/secrets_in_git.py',
  'tests/csrf.py',
  'tests/template_safety.py',
  'tests/headers.py',
  'tests/error_pages.py',
  'tests/checks.py',
  'tests/checks_units.py',
  'tests/deploy_files.py',
  'tests/deploy_scan_nginx.py',
  'tests/deploy_scan_units.py',
  'tests/security_cli.py',
];
/** The allow-list ships in the package but holds the project's own reasons: it is the user's. */
const HARDENING_ALLOWLIST = 'template-audit-allowlist.toml';

/** Where the hardening package lands in a project, for a path inside it. */
export const hardeningDestination = (answers: { packageName: string }, path: string): string => `src/${answers.packageName}/hardening/${path}`;

const HARDENING_FILES: readonly FileRow[] = [...HARDENING_PATHS, HARDENING_ALLOWLIST].map((path) => ({
  // Relative to templates/project/, the generator's source root.
  template: `../hardening/${path}`,
  to: (answers) => hardeningDestination(answers, path),
  owner: path === HARDENING_ALLOWLIST ? 'user' : 'generator',
}));

export const PROJECT_FILES: readonly FileRow[] = [
  // Packaging and entry points
  { template: 'pyproject.toml.ejs', owner: 'user' },
  // What production and CI install: every package pinned with its hashes (npm run locks). The
  // locks follow the project's own dependencies once it has some, so they are the user's.
  { template: 'requirements.lock', owner: 'user' },
  { template: 'requirements-dev.lock', owner: 'user' },
  { template: 'scripts/lock.py', owner: 'generator' },
  { template: 'wsgi.py.ejs', owner: 'user' },
  { template: 'gunicorn.conf.py.ejs', owner: 'generator' },
  // Environment: the dev key is random and private; production never reads .env
  { template: '.env.ejs', mode: 0o600, owner: 'once', secret: true },
  { template: '.env.example', owner: 'once' },
  { template: '.flaskenv.ejs', owner: 'once' },
  { template: '_gitignore', owner: 'once' },
  { template: '.dockerignore', owner: 'once' },
  // Documentation
  { template: 'README.md.ejs', owner: 'user' },
  { template: 'SECURITY.md.ejs', owner: 'generator' },
  // The application package: the user's code; every protection comes from hardening/ (below)
  { template: 'src/__pkg__/__init__.py.ejs', owner: 'user' },
  { template: 'src/__pkg__/config.py.ejs', owner: 'user' },
  { template: 'src/__pkg__/views.py', owner: 'user' },
  { template: 'src/__pkg__/api.py', when: api, owner: 'user' },
  { template: 'src/__pkg__/templates/base.html', owner: 'user' },
  { template: 'src/__pkg__/templates/index.html', owner: 'user' },
  // index.html includes this partial when it exists
  { template: 'src/__pkg__/templates/partials/echo.html', when: api, owner: 'user' },
  { template: 'src/__pkg__/templates/error.html', owner: 'user' },
  { template: 'src/__pkg__/static/style.css', owner: 'user' },
  { template: 'src/__pkg__/static/favicon.svg', owner: 'user' },
  { template: 'src/__pkg__/static/app.js', when: api, owner: 'user' },
  // The project's own proof that each protection is on: the protection tests of hardening/testing.py
  // run through one short file of the project's, beside the project's own tests.
  { template: 'tests/conftest.py.ejs', owner: 'user' },
  { template: 'tests/test_hardening.py.ejs', owner: 'user' },
  { template: 'tests/test_config.py.ejs', owner: 'user' },
  { template: 'tests/test_views.py.ejs', owner: 'user' },
  { template: 'tests/test_api.py', when: api, owner: 'user' },
  // The hardening package, byte for byte the same in every project
  ...HARDENING_FILES,
  // Deployment: nginx (TLS, limits, headers) in front of gunicorn, a sandboxed systemd unit,
  // and the runbook. Destinations carry the project name (deploy/nginx/<project>.conf).
  { template: 'deploy/nginx/__project__.conf.ejs', owner: 'generator' },
  { template: 'deploy/nginx/__project__-security-headers.conf.ejs', owner: 'generator' },
  { template: 'deploy/systemd/__project__.service.ejs', when: (a) => a.systemd, owner: 'generator' },
  { template: 'deploy/README.md.ejs', owner: 'generator' },
  // CI: every job runs `python scripts/ci_checks.py <job>`, the same commands as a local run
  { template: 'scripts/ci_checks.py', owner: 'generator' },
  { template: '.github/workflows/ci.yml.ejs', when: github, owner: 'generator' },
  { template: '.github/dependabot.yml', when: github, owner: 'generator' },
  { template: '.gitlab-ci.yml.ejs', when: gitlab, owner: 'generator' },
];
