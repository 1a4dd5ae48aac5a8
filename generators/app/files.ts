// What a new project contains, as data: one row per template, with the answer that brings it.
// Templates live in templates/project/ and mirror the generated tree one-to-one.
import type { FileRow } from '../lib/manifest.js';

const api = (a: { includeApi: boolean }) => a.includeApi;
const github = (a: { ci: string }) => a.ci === 'github' || a.ci === 'both';
const gitlab = (a: { ci: string }) => a.ci === 'gitlab' || a.ci === 'both';

export const PROJECT_FILES: readonly FileRow[] = [
  // Packaging and entry points
  { template: 'pyproject.toml.ejs' },
  // What production and CI install: every package pinned with its hashes (npm run locks)
  { template: 'requirements.lock' },
  { template: 'requirements-dev.lock' },
  { template: 'scripts/lock.py' },
  { template: 'wsgi.py.ejs' },
  { template: 'gunicorn.conf.py.ejs' },
  // Environment: the dev key is random and private; production never reads .env
  { template: '.env.ejs', mode: 0o600 },
  { template: '.env.example' },
  { template: '.flaskenv.ejs' },
  { template: '_gitignore' },
  { template: '.dockerignore' },
  // Documentation
  { template: 'README.md.ejs' },
  { template: 'SECURITY.md.ejs' },
  // The application package
  { template: 'src/__pkg__/__init__.py.ejs' },
  { template: 'src/__pkg__/config.py.ejs' },
  { template: 'src/__pkg__/secrets.py' },
  { template: 'src/__pkg__/security.py' },
  // The header policy: security.py sends it, the nginx snippet is rendered from it
  { template: 'src/__pkg__/security-headers.json' },
  { template: 'src/__pkg__/errors.py' },
  { template: 'src/__pkg__/checks.py' },
  { template: 'src/__pkg__/cli.py' },
  { template: 'src/__pkg__/template_audit.py' },
  { template: 'src/__pkg__/template-audit-allowlist.toml' },
  // `flask security check` reads the deploy files; `flask security scan-secrets` what git tracks
  { template: 'src/__pkg__/deploy_scan.py' },
  { template: 'src/__pkg__/secret_scan.py' },
  { template: 'src/__pkg__/views.py' },
  { template: 'src/__pkg__/api.py', when: api },
  { template: 'src/__pkg__/templates/base.html' },
  { template: 'src/__pkg__/templates/index.html' },
  // index.html includes this partial when it exists
  { template: 'src/__pkg__/templates/partials/echo.html', when: api },
  { template: 'src/__pkg__/templates/error.html' },
  { template: 'src/__pkg__/static/style.css' },
  { template: 'src/__pkg__/static/favicon.svg' },
  { template: 'src/__pkg__/static/app.js', when: api },
  // The project's own proof that each protection is on
  { template: 'tests/conftest.py.ejs' },
  { template: 'tests/test_config.py.ejs' },
  { template: 'tests/test_secrets.py.ejs' },
  { template: 'tests/test_csrf.py.ejs' },
  { template: 'tests/test_templates.py.ejs' },
  { template: 'tests/test_headers.py.ejs' },
  { template: 'tests/test_errors.py' },
  { template: 'tests/test_views.py' },
  { template: 'tests/test_cli.py' },
  { template: 'tests/test_api.py', when: api },
  { template: 'tests/test_checks.py.ejs' },
  { template: 'tests/test_deploy_scan.py.ejs' },
  { template: 'tests/test_secret_scan.py.ejs' },
  // Deployment: nginx (TLS, limits, headers) in front of gunicorn, a sandboxed systemd unit,
  // and the runbook. Destinations carry the project name (deploy/nginx/<project>.conf).
  { template: 'deploy/nginx/__project__.conf.ejs' },
  { template: 'deploy/nginx/__project__-security-headers.conf.ejs' },
  { template: 'deploy/systemd/__project__.service.ejs', when: (a) => a.systemd },
  { template: 'deploy/README.md.ejs' },
  // CI: every job runs `python scripts/ci_checks.py <job>`, the same commands as a local run
  { template: 'scripts/ci_checks.py' },
  { template: '.github/workflows/ci.yml.ejs', when: github },
  { template: '.github/dependabot.yml', when: github },
  { template: '.gitlab-ci.yml.ejs', when: gitlab },
];
