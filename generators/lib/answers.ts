// The answers a generated project is built from: their shape, defaults and validation.
// Everything here is pure so that prompts, `--answers FILE`, `--yes` and the tests share one
// definition of what a valid answer is.
import { UsageError } from './errors.js';
import { INSTALLED_MODULES, PYTHON_KEYWORDS, STDLIB_MODULES } from './python-names.js';

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

export const DESCRIPTION_MAX = 300;
export const AUTHOR_MAX = 100;
export const NAME_MAX = 64;
export const MIN_BODY = 1024;
export const MAX_BODY = 100 * ONE_MIB;

/**
 * Top-level modules of the project itself: its tests (and pytest's conftest) and the production
 * entry point. A unit test checks these against the files the project is given.
 */
export const PROJECT_MODULES: ReadonlySet<string> = new Set(['tests', 'conftest', 'wsgi', 'src', 'scripts', 'test']);

/** A validation result: `true`, or the one-line reason the value is refused. */
export type Verdict = true | string;

/**
 * Characters no answer may hold: controls (Cc), invisible format characters (Cf: bidi
 * overrides and isolates, zero-width space/joiners, the BOM, tag characters: "Trojan Source"),
 * lone surrogates (Cs), private use (Co) and the line/paragraph separators (Zl, Zp).
 */
const FORBIDDEN_CHARS = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]/u;

const codePoint = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Refuses text holding a character that is invisible, reorders text or is not a character at all. */
export function validateCharacters(label: string, value: string): Verdict {
  if (/[\r\n\u2028\u2029]/.test(value)) return `${label} must be a single line`;
  const found = FORBIDDEN_CHARS.exec(value);
  if (!found) return true;
  const ch = found[0];
  const kind = /[\p{Cc}\p{Zl}\p{Zp}]/u.test(ch)
    ? 'a control character or line break'
    : /\p{Cs}/u.test(ch)
      ? 'a lone surrogate (not a character)'
      : 'an invisible or text-reordering character';
  return `${label} holds ${kind} (${codePoint(ch)}); retype it as plain text`;
}

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
  if (/^__.*__$/.test(value)) return `package name "${value}" is a dunder name, which Python reserves (e.g. __main__)`;
  if (value === 'flask' || INSTALLED_MODULES.has(value)) {
    return `package name "${value}" would shadow a dependency or tool of the project (the module ${value})`;
  }
  if (STDLIB_MODULES.has(value)) return `package name "${value}" would shadow the standard library module of that name`;
  if (PROJECT_MODULES.has(value)) return `package name "${value}" would shadow the project's own ${value} module`;
  return true;
}

function validateFreeText(label: string, max: number, value: unknown): Verdict {
  if (typeof value !== 'string') return `${label} must be text`;
  const length = [...value].length;
  if (length > max) return `${label} must be at most ${max} characters (got ${length})`;
  const characters = validateCharacters(label, value);
  if (characters !== true) return characters;
  if (value !== value.trim()) return `${label} must not start or end with spaces`;
  return true;
}

export const validateDescription = (value: unknown): Verdict => validateFreeText('description', DESCRIPTION_MAX, value);

/** An author as pyproject.toml's `authors` holds it: a name, an email, or both. */
export interface Author {
  name?: string;
  email?: string;
}

const EMAIL = /^[^\s@<>,"]+@[^\s@<>,"]+$/;

/**
 * `Jane Doe <jane@example.com>` → name and email (the last `<...>`, at the end, is the email);
 * `jane@example.com` → email; anything else is a name. Returns the one-line reason when the text cannot be one author.
 */
export function parseAuthor(text: string): Author | string {
  if (text === '') return {};
  // PEP 621: a name must not hold a comma, since core metadata lists authors comma-separated.
  if (text.includes(',')) return 'author must be one person or team without a comma (pyproject.toml cannot hold one)';
  const withEmail = /^(.*?)\s*<([^<>]*@[^<>]*)>$/.exec(text);
  if (withEmail) {
    const [, name, email] = withEmail as unknown as [string, string, string];
    if (!EMAIL.test(email)) return `author's email "${printable(email)}" is not an address such as jane@example.com`;
    return name ? { name, email } : { email };
  }
  if (/^[^\s<>]*@/.test(text)) {
    return EMAIL.test(text) ? { email: text } : `author "${printable(text)}" looks like an email but is not one such as jane@example.com`;
  }
  return { name: text };
}

export function validateAuthor(value: unknown): Verdict {
  const verdict = validateFreeText('author', AUTHOR_MAX, value);
  if (verdict !== true) return verdict;
  const author = parseAuthor(value as string);
  return typeof author === 'string' ? author : true;
}

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
 * What a user may type that means a valid answer: a size in `512k` form, a domain in capitals
 * (host names are case-insensitive). Anything else passes through unchanged.
 */
export function normalizeAnswer(key: keyof Answers, value: unknown): unknown {
  if (key === 'maxContentLength' && (typeof value === 'string' || typeof value === 'number')) return parseSize(value) ?? value;
  if (key === 'domain' && typeof value === 'string' && value.length <= 253) return value.toLowerCase();
  return value;
}

/** The one verdict for a raw answer, normalised first: what prompts and answer files both use. */
export function verdictFor(key: keyof Answers, raw: unknown): Verdict {
  if (typeof raw === 'string') {
    const characters = validateCharacters(key, raw);
    if (characters !== true) return characters;
  }
  return VALIDATORS[key](normalizeAnswer(key, raw));
}

/**
 * Accepts a partial answers object (from `--answers FILE` or a stored `.yo-rc.json`), checks
 * its keys and values, and returns the given answers normalised (sizes in bytes, domain lowercase).
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
    const verdict = verdictFor(key as keyof Answers, original);
    if (verdict !== true) throw new AnswerError(verdict);
    result[key] = normalizeAnswer(key as keyof Answers, original);
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
  const clean = [...value].map((ch) => (FORBIDDEN_CHARS.test(ch) ? '?' : ch));
  return clean.length > 40 ? `${clean.slice(0, 37).join('')}...` : clean.join('');
}

/** What each answer may be, for `new --help` (defaults are added from defaultAnswers). */
const ANSWER_DOCS: { readonly [K in keyof Answers]: string } = {
  projectName: `folder and distribution name: lowercase letters, digits, single hyphens, at most ${NAME_MAX}`,
  packageName: 'Python package: a lowercase identifier that is not a keyword and shadows no module the project uses',
  description: `one line, at most ${DESCRIPTION_MAX} characters`,
  author: `"Name", "Name <email>" or "email"; no comma; at most ${AUTHOR_MAX} characters`,
  domain: 'host name for TRUSTED_HOSTS, nginx server_name and the certificate, e.g. example.com',
  hstsMaxAge: `HSTS max-age in seconds, ${HSTS_FIRST_DEPLOY} (a first deploy) to ${HSTS_TWO_YEARS} (two years)`,
  maxContentLength: `request body limit: bytes, or 512k, 2m; ${MIN_BODY} to ${MAX_BODY / ONE_MIB}m`,
  includeApi: 'true | false: the JSON endpoint called from static/app.js with X-CSRFToken',
  pythonVersion: PYTHON_VERSIONS.join(' | '),
  gunicornBind: `${GUNICORN_BINDS.join(' | ')}: a unix socket, or 127.0.0.1:<port>`,
  port: '1024 to 65535, used with gunicornBind tcp',
  systemd: 'true | false: a hardened systemd unit under deploy/systemd/',
  ci: CI_PROVIDERS.join(' | '),
};

/** The answers section of `new --help`: each answer, what it may be, and its default. */
export function answersHelp(): string {
  const defaults = defaultAnswers('my-service');
  const shown: { readonly [K in keyof Answers]?: string } = {
    projectName: 'the folder name',
    packageName: 'the project name with _ for -',
    author: 'none',
  };
  const width = Math.max(...ANSWER_KEYS.map((key) => key.length));
  return ANSWER_KEYS.map((key) => {
    const fallback = shown[key] ?? JSON.stringify(defaults[key]);
    return `  ${key.padEnd(width)}  ${ANSWER_DOCS[key]} (default: ${fallback})`;
  }).join('\n');
}
