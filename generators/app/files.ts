// What a new project contains, as data: one row per template, with the answer that brings it.
// Templates live in templates/project/ and mirror the generated tree one-to-one.
// `owner` decides what `update` may do with a file (DESIGN §6): `generator` files are ours (replaced
// unless the user changed them), `user` files are theirs (merged, never overwritten), `once` files
// are written if absent and then never touched.
import type { FileRow } from '../lib/manifest.js';

const api = (a: { includeApi: boolean }) => a.includeApi;
const github = (a: { ci: string }) => a.ci === 'github' || a.ci === 'both';
const gitlab = (a: { ci: string }) => a.ci === 'gitlab' || a.ci === 'both';

export const PROJECT_FILES: readonly FileRow[] = [
  // Packaging and entry points
  { template: 'pyproject.toml.ejs', owner: 'user' },
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
  // The application package
  { template: 'src/__pkg__/__init__.py.ejs', owner: 'user' },
  { template: 'src/__pkg__/config.py.ejs', owner: 'user' },
  { template: 'src/__pkg__/secrets.py', owner: 'generator' },
  { template: 'src/__pkg__/security.py', owner: 'generator' },
  { template: 'src/__pkg__/errors.py', owner: 'generator' },
  { template: 'src/__pkg__/checks.py', owner: 'generator' },
  { template: 'src/__pkg__/cli.py', owner: 'generator' },
  { template: 'src/__pkg__/template_audit.py', owner: 'generator' },
  { template: 'src/__pkg__/template-audit-allowlist.toml', owner: 'user' },
  // `flask security check` reads the deploy files; `flask security scan-secrets` what git tracks
  { template: 'src/__pkg__/deploy_scan.py', owner: 'generator' },
  { template: 'src/__pkg__/secret_scan.py', owner: 'generator' },
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
  // The project's own proof that each protection is on
  { template: 'tests/conftest.py.ejs', owner: 'user' },
  { template: 'tests/test_config.py.ejs', owner: 'generator' },
  { template: 'tests/test_secrets.py.ejs', owner: 'generator' },
  { template: 'tests/test_csrf.py.ejs', owner: 'generator' },
  { template: 'tests/test_templates.py.ejs', owner: 'generator' },
  { template: 'tests/test_headers.py.ejs', owner: 'generator' },
  { template: 'tests/test_errors.py', owner: 'generator' },
  { template: 'tests/test_views.py', owner: 'user' },
  { template: 'tests/test_cli.py', owner: 'generator' },
  { template: 'tests/test_api.py', when: api, owner: 'user' },
  { template: 'tests/test_checks.py.ejs', owner: 'generator' },
  { template: 'tests/test_deploy_scan.py.ejs', owner: 'generator' },
  { template: 'tests/test_secret_scan.py.ejs', owner: 'generator' },
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
