// The answers a generated project is built from: their shape, defaults and validation.
// Everything here is pure so that prompts, `--answers FILE`, `--yes` and the tests share one
// definition of what a valid answer is.
import { UsageError } from './errors.js';
import { PYTHON_KEYWORDS, STDLIB_MODULES } from './python-names.js';

export type PythonVersion = '3.11' | '3.12' | '3.13';
export type GunicornBind = 'unix' | 'tcp';
export type CiProvider = 'github' | 'gitlab' | 'both' | 'none';

export interface Answers {
  /** Folder and distribution name, e.g. `my-service`. */
  projectName: string;
  /** Importable Python package, e.g. `my_service`. */
  packageName: string;
  description: string;
  author: string;
  /** Public host name: feeds TRUSTED_HOSTS, nginx `server_name` and the certificate paths. */
  domain: string;
  /** Strict-Transport-Security max-age in seconds. */
  hstsMaxAge: number;
  /** Request body limit in bytes: Flask MAX_CONTENT_LENGTH and nginx client_max_body_size. */
  maxContentLength: number;
  /** Include the JSON endpoint called with fetch() and the X-CSRFToken header. */
  includeApi: boolean;
  /** Lowest Python the project supports. */
  pythonVersion: PythonVersion;
  /** gunicorn listens on a unix socket (default) or on 127.0.0.1:port. */
  gunicornBind: GunicornBind;
  port: number;
  /** Emit a hardened systemd unit under deploy/systemd/. */
  systemd: boolean;
  /** Which CI workflows the project gets. */
  ci: CiProvider;
}

export const HSTS_TWO_YEARS = 63_072_000;
/** A short max-age for the first deploy, while HTTPS is still being verified. */
export const HSTS_FIRST_DEPLOY = 300;
export const ONE_MIB = 1_048_576;

export const PYTHON_VERSIONS: readonly PythonVersion[] = ['3.11', '3.12', '3.13'];
export const GUNICORN_BINDS: readonly GunicornBind[] = ['unix', 'tcp'];
export const CI_PROVIDERS: readonly CiProvider[] = ['github', 'gitlab', 'both', 'none'];

export const DESCRIPTION_MAX = 200;
export const AUTHOR_MAX = 100;
export const NAME_MAX = 64;
export const MIN_BODY = 1024;
export const MAX_BODY = 100 * ONE_MIB;

/** Names that would shadow the framework, its tooling or the test runner when imported. */
const RESERVED_PACKAGES: ReadonlySet<string> = new Set([
  'flask', 'flask_wtf', 'flask_talisman', 'werkzeug', 'jinja2', 'markupsafe', 'itsdangerous',
  'click', 'blinker', 'gunicorn', 'wtforms', 'pytest', 'ruff', 'bandit', 'setuptools', 'pip',
  'hatchling', 'test', 'tests', 'conftest', 'wsgi', 'src', 'site', 'dotenv',
]);

/** A validation result: `true`, or the one-line reason the value is refused. */
export type Verdict = true | string;

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function validateProjectName(value: unknown): Verdict {
  if (typeof value !== 'string' || value.length === 0) return 'project name must not be empty';
  if (value.length > NAME_MAX) return `project name must be at most ${NAME_MAX} characters`;
  if (!/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/.test(value)) {
    return `project name "${printable(value)}" must be lowercase letters, digits and single hyphens, starting with a letter (e.g. my-service)`;
  }
  return true;
}

export function validatePackageName(value: unknown): Verdict {
  if (typeof value !== 'string' || value.length === 0) return 'package name must not be empty';
  if (value.length > NAME_MAX) return `package name must be at most ${NAME_MAX} characters`;
  if (!/^[a-z_][a-z0-9_]*$/.test(value)) {
    return `package name "${printable(value)}" must be a lowercase Python identifier (letters, digits, underscores)`;
  }
  if (PYTHON_KEYWORDS.has(value)) return `package name "${value}" is a Python keyword`;
  if (RESERVED_PACKAGES.has(value)) return `package name "${value}" would shadow a dependency or tool of the project`;
  if (STDLIB_MODULES.has(value)) return `package name "${value}" would shadow the standard library module of that name`;
  return true;
}

function validateFreeText(label: string, max: number, value: unknown): Verdict {
  if (typeof value !== 'string') return `${label} must be text`;
  if (value.length > max) return `${label} must be at most ${max} characters (got ${value.length})`;
  if (CONTROL_CHARS.test(value)) return `${label} must be a single line without control characters`;
  if (value !== value.trim()) return `${label} must not start or end with spaces`;
  return true;
}

export const validateDescription = (value: unknown): Verdict => validateFreeText('description', DESCRIPTION_MAX, value);
export const validateAuthor = (value: unknown): Verdict => validateFreeText('author', AUTHOR_MAX, value);

export function validateDomain(value: unknown): Verdict {
  if (typeof value !== 'string' || value.length === 0) return 'domain must not be empty';
  if (value.length > 253) return 'domain must be at most 253 characters';
  const labels = value.split('.');
  const labelOk = (label: string) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label);
  if (!labels.every(labelOk)) {
    return `domain "${printable(value)}" must be a lowercase host name such as example.com or localhost (no scheme, port, path or wildcard)`;
  }
  if (/^[0-9.]+$/.test(value)) return 'domain must be a host name, not an IP address';
  return true;
}

function validateInteger(label: string, min: number, max: number, value: unknown): Verdict {
  if (typeof value !== 'number' || !Number.isInteger(value)) return `${label} must be a whole number`;
  if (value < min || value > max) return `${label} must be between ${min} and ${max} (got ${value})`;
  return true;
}

export const validateHstsMaxAge = (value: unknown): Verdict =>
  validateInteger('HSTS max-age', HSTS_FIRST_DEPLOY, HSTS_TWO_YEARS, value);
export const validatePort = (value: unknown): Verdict => validateInteger('port', 1024, 65535, value);
export const validateMaxContentLength = (value: unknown): Verdict =>
  validateInteger('request body limit', MIN_BODY, MAX_BODY, value);

function validateChoice<T extends string>(label: string, choices: readonly T[], value: unknown): Verdict {
  return typeof value === 'string' && (choices as readonly string[]).includes(value)
    ? true
    : `${label} must be one of ${choices.join(', ')}`;
}

function validateBoolean(label: string, value: unknown): Verdict {
  return typeof value === 'boolean' ? true : `${label} must be true or false`;
}

/**
 * Parses a size such as `1048576`, `512k`, `1m`, `2MiB` or `1 MB` into bytes (binary units).
 * Returns undefined when the text is not a size.
 */
export function parseSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isInteger(text) ? text : undefined;
  const match = /^\s*(\d+)\s*(b|k|kb|kib|m|mb|mib)?\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? 'b').toLowerCase();
  const factor = unit.startsWith('m') ? ONE_MIB : unit.startsWith('k') ? 1024 : 1;
  return Number(match[1]) * factor;
}

/** `my-service` → `my_service`; a leading digit gets an underscore so the result stays an identifier. */
export function derivePackageName(projectName: string): string {
  const name = projectName.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** A folder's base name made into a project name, as the default for the first prompt. */
export function deriveProjectName(folderName: string): string {
  const slug = folderName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // combining accents left by NFKD: é → e
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '');
  return slug.slice(0, NAME_MAX).replace(/-+$/, '') || 'flask-service';
}

export function defaultAnswers(projectName: string): Answers {
  return {
    projectName,
    packageName: derivePackageName(projectName),
    description: 'A hardened Flask service.',
    author: '',
    domain: 'localhost',
    hstsMaxAge: HSTS_TWO_YEARS,
    maxContentLength: ONE_MIB,
    includeApi: true,
    pythonVersion: '3.11',
    gunicornBind: 'unix',
    port: 8000,
    systemd: true,
    ci: 'github',
  };
}

/** One validator per answer: the single place that decides what is acceptable. */
export const VALIDATORS: { readonly [K in keyof Answers]: (value: unknown) => Verdict } = {
  projectName: validateProjectName,
  packageName: validatePackageName,
  description: validateDescription,
  author: validateAuthor,
  domain: validateDomain,
  hstsMaxAge: validateHstsMaxAge,
  maxContentLength: validateMaxContentLength,
  includeApi: (v) => validateBoolean('includeApi', v),
  pythonVersion: (v) => validateChoice('pythonVersion', PYTHON_VERSIONS, v),
  gunicornBind: (v) => validateChoice('gunicornBind', GUNICORN_BINDS, v),
  port: validatePort,
  systemd: (v) => validateBoolean('systemd', v),
  ci: (v) => validateChoice('ci', CI_PROVIDERS, v),
};

export const ANSWER_KEYS = Object.keys(VALIDATORS) as (keyof Answers)[];

/** Raised for any answer that cannot be used; the CLI turns it into exit code 2. */
export class AnswerError extends UsageError {
  override name = 'AnswerError';
}

/**
 * Accepts a partial answers object (from `--answers FILE` or a stored `.yo-rc.json`), checks
 * its keys and values, and returns the given answers with sizes normalised to bytes.
 * Throws AnswerError with a one-line message on the first problem.
 */
export function checkPartialAnswers(raw: unknown): Partial<Answers> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AnswerError('answers must be a JSON object such as {"domain": "example.com"}');
  }
  const result: Record<string, unknown> = {};
  for (const [key, original] of Object.entries(raw)) {
    if (!(ANSWER_KEYS as string[]).includes(key)) {
      throw new AnswerError(`unknown answer "${printable(key)}"; known answers: ${ANSWER_KEYS.join(', ')}`);
    }
    let value = original;
    if (key === 'maxContentLength' && (typeof value === 'string' || typeof value === 'number')) {
      value = parseSize(value) ?? value;
    }
    const verdict = VALIDATORS[key as keyof Answers](value);
    if (verdict !== true) throw new AnswerError(verdict);
    result[key] = value;
  }
  return result as Partial<Answers>;
}

/**
 * Merges given answers over the defaults (the package name follows the project name unless
 * given); `presetDefaults` (a preset's) sit between the generator's defaults and the given answers.
 */
export function completeAnswers(given: Partial<Answers>, fallbackProjectName: string, presetDefaults: Partial<Answers> = {}): Answers {
  const projectName = given.projectName ?? fallbackProjectName;
  const merged: Answers = { ...defaultAnswers(projectName), ...presetDefaults, ...given };
  return checkAnswers(merged);
}

/** Validates a full answers object; throws AnswerError on the first bad value. */
export function checkAnswers(answers: Answers): Answers {
  for (const key of ANSWER_KEYS) {
    const verdict = VALIDATORS[key](answers[key]);
    if (verdict !== true) throw new AnswerError(verdict);
  }
  return answers;
}

/** Shortens and de-controls a value for echoing back in an error message. */
export function printable(value: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 37)}...` : clean;
}
