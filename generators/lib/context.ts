// The values templates see: the answers plus what follows from them. Deriving here (not in
// EJS) keeps templates reading like the files they produce.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Answers, parseAuthor } from './answers.js';
import { escapeHelpers, type EscapeHelpers } from './escape.js';
import { templatesRoot } from './paths.js';

/**
 * The security header policy, one file read by both sides: the generated app sends it
 * (security.py) and the nginx snippet is rendered from it here; `flask security check`
 * compares the two.
 */
export const HEADER_POLICY_TEMPLATE = 'hardening/security-headers.json';

export interface HeaderPolicy {
  content_security_policy: Record<string, string>;
  permissions_policy: Record<string, string>;
  headers: Record<string, string>;
}

let headerPolicy: HeaderPolicy | undefined;
export function readHeaderPolicy(): HeaderPolicy {
  headerPolicy ??= JSON.parse(readFileSync(join(templatesRoot(), HEADER_POLICY_TEMPLATE), 'utf8')) as HeaderPolicy;
  return headerPolicy;
}

/** `a=(), b=()` and `default-src 'none'; ...`: the header forms of the policy's maps. */
export const permissionsPolicyValue = (policy: HeaderPolicy): string =>
  Object.entries(policy.permissions_policy).map(([feature, allow]) => `${feature}=${allow}`).join(', ');
/** The CSP nginx sends on its own responses: the app's, without a nonce, over HTTPS. */
export const staticCspValue = (policy: HeaderPolicy): string =>
  [...Object.entries(policy.content_security_policy).map(([name, value]) => `${name} ${value}`), 'upgrade-insecure-requests'].join('; ');

export interface TemplateContext extends Answers {
  /** Escaping helpers: h.pyStr, h.tomlStr, h.yamlStr, h.mdText, h.commentText, h.nginxStr. */
  h: EscapeHelpers;
  /** ruff's target-version, e.g. `py311`. */
  pythonTarget: string;
  /** The systemd unit, nginx site and runtime directory name. */
  serviceName: string;
  /** The service name as an nginx identifier (zone and variable names): `my_service`. */
  nginxName: string;
  /** Where deploy/README.md installs the code. */
  installDir: string;
  /** The unix socket gunicorn listens on when gunicornBind is `unix`. */
  socketPath: string;
  /** gunicorn's `bind` value: `unix:/run/<svc>/gunicorn.sock` or `127.0.0.1:<port>`. */
  gunicornBindValue: string;
  /** nginx `upstream` server address for the same listener. */
  upstreamServer: string;
  /** The Strict-Transport-Security header value. */
  hstsHeaderValue: string;
  /** Let's Encrypt's certificate folder for the domain. */
  certDir: string;
  /** pyproject.toml's `authors` entry (`{ name = "…", email = "…" }`), '' without an author. */
  authorToml: string;
  /** Only the `.env` template reads this; it is never stored in .yo-rc.json. */
  devSecretKey: string;
  /** The fixed security headers for the nginx snippet (name, value), from security-headers.json. */
  nginxHeaders: [string, string][];
  /** The Content-Security-Policy nginx sends on responses it makes itself. */
  staticCsp: string;
  /**
   * The CSP header nginx sends and passes on: Content-Security-Policy, or
   * Content-Security-Policy-Report-Only for a retrofitted app that still reports only.
   */
  cspHeader: string;
  /** The nginx variable holding the application's copy of that header. */
  cspUpstream: string;
  /** A retrofitted project (SECURITY.md leaves out what only new projects have). */
  retrofitted: boolean;
  /** The hardening package's folder in the project. */
  hardeningDir: string;
  /** What the GitHub workflow runs (a retrofit's differ: no ci_checks.py, its own installs). */
  ci_: CiCommands;
}

export interface CiCommands {
  lint: boolean;
  /** The file whose hash keys pip's cache. */
  cacheFile: string;
  installComment: string;
  install: string[];
  test: string[];
  security: string[];
}

const NEW_PROJECT_CI: CiCommands = {
  lint: true,
  cacheFile: 'requirements-dev.lock',
  installComment: 'Every package pinned with its hashes (requirements-dev.lock), then the project itself.',
  install: ['python -m pip install --require-hashes --no-deps -r requirements-dev.lock', 'python -m pip install --no-deps --no-build-isolation -e .'],
  test: ['python scripts/ci_checks.py test'],
  security: ['python scripts/ci_checks.py security'],
};

/** Where the hardening package receives browsers' reports (security.py's REPORT_URI_PATH). */
export const CSP_REPORT_PATH = '/csp-report';

/**
 * The context for an app whose CSP is still report-only (CSP_REPORT_ONLY, retrofit): nginx sends
 * Content-Security-Policy-Report-Only with the same policy, reporting where the app does, so
 * `flask security check` compares it with the app's report-only header.
 */
export function reportOnlyCsp<T extends TemplateContext>(context: T): T {
  const staticCsp = `${staticCspValue(readHeaderPolicy())}; report-uri ${CSP_REPORT_PATH}`;
  return { ...context, cspHeader: 'Content-Security-Policy-Report-Only', cspUpstream: '$upstream_http_content_security_policy_report_only', staticCsp };
}

/** The author split into PEP 621's name and email, as a TOML inline table. */
function authorToml(author: string): string {
  const parsed = parseAuthor(author);
  if (typeof parsed === 'string') throw new Error(parsed); // answers are validated before rendering
  const fields = Object.entries(parsed).map(([key, value]) => `${key} = ${escapeHelpers.tomlStr(value as string)}`);
  return fields.length > 0 ? `{ ${fields.join(', ')} }` : '';
}

export function templateContext(answers: Answers, devSecretKey = ''): TemplateContext {
  const serviceName = answers.projectName;
  const socketPath = `/run/${serviceName}/gunicorn.sock`;
  const tcp = `127.0.0.1:${answers.port}`;
  const policy = readHeaderPolicy();
  return {
    ...answers,
    h: escapeHelpers,
    pythonTarget: `py${answers.pythonVersion.replace('.', '')}`,
    serviceName,
    nginxName: serviceName.replace(/-/g, '_'),
    installDir: `/srv/${serviceName}`,
    socketPath,
    gunicornBindValue: answers.gunicornBind === 'unix' ? `unix:${socketPath}` : tcp,
    upstreamServer: answers.gunicornBind === 'unix' ? `unix:${socketPath}` : tcp,
    hstsHeaderValue: `max-age=${answers.hstsMaxAge}; includeSubDomains`,
    certDir: `/etc/letsencrypt/live/${answers.domain}`,
    authorToml: authorToml(answers.author),
    devSecretKey,
    nginxHeaders: [...Object.entries(policy.headers), ['Permissions-Policy', permissionsPolicyValue(policy)]],
    staticCsp: staticCspValue(policy),
    cspHeader: 'Content-Security-Policy',
    cspUpstream: '$upstream_http_content_security_policy',
    retrofitted: false,
    hardeningDir: `src/${answers.packageName}/hardening`,
    ci_: NEW_PROJECT_CI,
  };
}
