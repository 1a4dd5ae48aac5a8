// Presets: an organisation's golden path (DESIGN §9). A preset is a JSON file, or an npm package
// whose package.json names one (`"hardenedFlaskPreset": "preset.json"`), with the organisation's
// answer defaults, its locked answers, an overlay of extra or replacing files and an audit policy.
// Validation and answer application are pure; finding and reading the preset is the only I/O.
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import semver from 'semver';
import { parsePolicy, type Policy } from '../audit/policy.js';
import { ANSWER_KEYS, type Answers, AnswerError, checkPartialAnswers, printable } from './answers.js';
import { destinationFor, type Owner, OWNERS, type PlannedFile } from './manifest.js';

/** The package.json field that names a package's preset file. */
export const PACKAGE_FIELD = 'hardenedFlaskPreset';
/** The environment variable `new` reads when no --preset is given. */
export const PRESET_ENV = 'HARDENED_FLASK_PRESET';
/** The overlay's owner file, at the root of the overlay folder. */
export const OVERLAY_OWNERS_FILE = 'files.json';
/** Preset and files.json are small documents; anything bigger is a mistake (or /dev/zero). */
export const MAX_PRESET_BYTES = 1024 * 1024;

/** What a preset file says, validated. */
export interface PresetSpec {
  name: string;
  version: string;
  /** The semver range of generator versions the preset supports. */
  generator: string;
  defaults: Partial<Answers>;
  locked: Partial<Answers>;
  /** The overlay folder, relative to the preset file (as written). */
  templates?: string;
  policy?: Policy;
}

/** A preset found and read: the spec plus where it came from. */
export interface Preset extends PresetSpec {
  /** The preset file, absolute. */
  file: string;
  /** The overlay folder, absolute, when the preset has one. */
  templatesDir?: string;
  /** How to find it again: the package name, or the path as resolved from where it was named. */
  source: string;
  /** `package` when it came from node_modules, `path` when from a file or folder. */
  kind: 'package' | 'path';
}

/** What a project records of its preset in `.yo-rc.json` (never a secret). */
export interface PresetRecord {
  name: string;
  version: string;
  /** A package name, or a path relative to the project (`./…`, `../…`) or absolute. */
  source: string;
  /** Answers taken from the preset's defaults that the user never chose: an update may move them. */
  fromDefaults: (keyof Answers)[];
}

/** A bad preset: exit 2, one line naming the preset (its name stays AnswerError, which the bundled CLI matches). */
export class PresetError extends AnswerError {}

const PRESET_KEYS = ['name', 'version', 'generator', 'defaults', 'locked', 'templates', 'policy'] as const;
/** Per project, never an organisation's: a preset that fixes them would make every project alike. */
const PER_PROJECT: readonly (keyof Answers)[] = ['projectName', 'packageName'];
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** True when `spec` names an npm package rather than a file or folder. */
export function isPackageName(spec: string): boolean {
  return spec.length <= 214 && PACKAGE_NAME.test(spec) && !spec.endsWith('.json') && !spec.startsWith('.');
}

function answersOf(raw: unknown, label: string, field: 'defaults' | 'locked'): Partial<Answers> {
  if (raw === undefined) return {};
  if (!isObject(raw)) throw new PresetError(`${label}: "${field}" must be an object of answers`);
  let answers: Partial<Answers>;
  try {
    answers = checkPartialAnswers(raw);
  } catch (error) {
    throw new PresetError(`${label}: ${field}: ${(error as Error).message}`);
  }
  for (const key of PER_PROJECT) {
    if (key in answers) throw new PresetError(`${label}: ${field}: ${key} is chosen per project, not by a preset`);
  }
  return answers;
}

/**
 * Validates a parsed preset file against the running generator's version. Throws PresetError
 * with one line on the first problem: the preset is used whole or not at all.
 */
export function parsePreset(raw: unknown, where: string, generatorVersion: string): PresetSpec {
  if (!isObject(raw)) throw new PresetError(`preset ${where} must be a JSON object`);
  const unknown = Object.keys(raw).filter((key) => !(PRESET_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new PresetError(`preset ${where}: unknown key "${printable(unknown[0]!)}"; a preset has ${PRESET_KEYS.join(', ')}`);
  }
  const { name, version, generator } = raw;
  if (typeof name !== 'string' || !PACKAGE_NAME.test(name) || name.length > 214) {
    throw new PresetError(`preset ${where}: "name" must be a lowercase package-style name such as acme-web`);
  }
  const label = `preset "${name}"`;
  if (typeof version !== 'string' || semver.valid(version) !== version) {
    throw new PresetError(`${label}: "version" must be a semver version such as 1.4.0`);
  }
  if (typeof generator !== 'string' || semver.validRange(generator) === null) {
    throw new PresetError(`${label}: "generator" must be a semver range of generator versions such as ^0.2.0`);
  }
  if (!semver.satisfies(generatorVersion, generator, { includePrerelease: true })) {
    throw new PresetError(
      `${label} ${version} supports generator-hardened-flask ${generator}, not ${generatorVersion}: use a matching generator or preset version`,
    );
  }
  const defaults = answersOf(raw.defaults, label, 'defaults');
  const locked = answersOf(raw.locked, label, 'locked');
  const both = ANSWER_KEYS.filter((key) => key in defaults && key in locked);
  if (both.length > 0) throw new PresetError(`${label}: ${both[0]} is both a default and locked; keep one`);
  const spec: PresetSpec = { name, version, generator, defaults, locked };
  if (raw.templates !== undefined) spec.templates = overlayPath(raw.templates, label);
  if (raw.policy !== undefined) {
    try {
      spec.policy = parsePolicy(raw.policy);
    } catch (error) {
      throw new PresetError(`${label}: policy: ${(error as Error).message}`);
    }
  }
  return spec;
}

function overlayPath(value: unknown, label: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new PresetError(`${label}: "templates" must name a folder beside the preset`);
  const parts = value.split(/[\\/]+/).filter((part) => part !== '' && part !== '.');
  if (isAbsolute(value) || parts.includes('..')) {
    throw new PresetError(`${label}: "templates" must be a folder inside the preset (got "${printable(value)}")`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Answers: locks and defaults (pure)

/** Throws when `answers` (from `origin`, e.g. "--answers") contradicts one of the preset's locks. */
export function refuseLockedOverrides(preset: Pick<Preset, 'name' | 'locked'>, answers: Partial<Answers>, origin: string): void {
  for (const key of ANSWER_KEYS) {
    if (key in preset.locked && key in answers && answers[key] !== preset.locked[key]) {
      throw new PresetError(
        `preset "${preset.name}" locks ${key} to ${JSON.stringify(preset.locked[key])}; ${origin} gives ${JSON.stringify(answers[key])}`,
      );
    }
  }
}

/** The answers the user has given, with the preset's locks on top (locks are never asked). */
export function withLocks(preset: Pick<Preset, 'locked'> | undefined, given: Partial<Answers>): Partial<Answers> {
  return preset ? { ...given, ...preset.locked } : given;
}

export interface GivenSources {
  /** Answers stored in the project's `.yo-rc.json` by an earlier run. */
  stored: Partial<Answers>;
  /** The preset that earlier run recorded. */
  record?: PresetRecord | undefined;
  /** Answers from `--answers FILE`. */
  fromFile: Partial<Answers>;
}

/**
 * What the user has said, under a preset: a stored answer that only followed the same preset's
 * default is dropped (so it follows the preset's current default), any answer that contradicts a
 * lock is refused, and the locks are added.
 */
export function presetGiven(preset: Preset, sources: GivenSources): Partial<Answers> {
  const followed = sources.record?.name === preset.name ? new Set(sources.record.fromDefaults) : new Set<string>();
  const stored = Object.fromEntries(Object.entries(sources.stored).filter(([key]) => !followed.has(key) && !(key in preset.locked))) as Partial<Answers>;
  refuseLockedOverrides(preset, sources.fromFile, '--answers');
  return withLocks(preset, { ...stored, ...sources.fromFile });
}

/** The preset's defaults the final answers still follow because the user never chose otherwise. */
export function followedDefaults(preset: Pick<Preset, 'defaults'>, chosen: Partial<Answers>, final: Answers): (keyof Answers)[] {
  return ANSWER_KEYS.filter((key) => key in preset.defaults && !(key in chosen) && final[key] === preset.defaults[key]);
}

export function presetRecord(preset: Preset, fromDefaults: (keyof Answers)[], projectDir: string): PresetRecord {
  return { name: preset.name, version: preset.version, source: recordedSource(preset, projectDir), fromDefaults };
}

/** A package is found again by name; a path inside the project stays relative, others absolute. */
export function recordedSource(preset: Pick<Preset, 'kind' | 'source' | 'file'>, projectDir: string): string {
  if (preset.kind === 'package') return preset.source;
  const rel = relative(projectDir, preset.file).split(sep).join('/');
  return isAbsolute(rel) || rel === '..' || rel.startsWith('../') ? preset.file : `./${rel}`;
}

/** Reads a `preset` record stored in `.yo-rc.json`; throws PresetError when it is malformed. */
export function parsePresetRecord(raw: unknown, where: string): PresetRecord {
  const bad = (why: string) => new PresetError(`${where}: the recorded preset ${why}`);
  if (!isObject(raw)) throw bad('must be an object');
  const keys = ['name', 'version', 'source', 'fromDefaults'];
  const extra = Object.keys(raw).find((key) => !keys.includes(key));
  if (extra) throw bad(`has an unknown key "${printable(extra)}"`);
  const { name, version, source, fromDefaults = [] } = raw;
  if (typeof name !== 'string' || !PACKAGE_NAME.test(name)) throw bad('has no valid name');
  if (typeof version !== 'string' || semver.valid(version) !== version) throw bad('has no valid version');
  if (typeof source !== 'string' || source === '') throw bad('has no source');
  if (!Array.isArray(fromDefaults) || !fromDefaults.every((key) => (ANSWER_KEYS as unknown[]).includes(key))) {
    throw bad('has a bad "fromDefaults" list');
  }
  return { name, version, source, fromDefaults: fromDefaults as (keyof Answers)[] };
}

// ---------------------------------------------------------------------------------------------
// Finding and reading a preset (I/O)

function readBoundedJson(file: string, what: string): unknown {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    throw new PresetError(`${what} ${file} does not exist`);
  }
  if (!stat.isFile()) throw new PresetError(`${what} ${file} is not a regular file`);
  if (stat.size > MAX_PRESET_BYTES) throw new PresetError(`${what} ${file} is larger than ${MAX_PRESET_BYTES} bytes`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PresetError(`${what} ${file} is not valid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** `<dir>/node_modules/<name>` in `dir` or any folder above it. */
function findInstalledPackage(name: string, from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', ...name.split('/'));
    try {
      if (statSync(join(candidate, 'package.json')).isFile()) return candidate;
    } catch {
      // not installed here; look one folder up
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** The preset file a package folder names in its package.json. */
function presetFileOfPackage(packageDir: string, label: string): string {
  const pkg = readBoundedJson(join(packageDir, 'package.json'), `${label}: package.json`);
  const field = isObject(pkg) ? pkg[PACKAGE_FIELD] : undefined;
  if (typeof field !== 'string' || field === '') {
    throw new PresetError(`${label} has no "${PACKAGE_FIELD}" field in its package.json naming its preset file`);
  }
  const file = resolve(packageDir, field);
  if (relative(packageDir, file).startsWith('..') || isAbsolute(field)) {
    throw new PresetError(`${label}: "${PACKAGE_FIELD}" must name a file inside the package`);
  }
  return file;
}

/**
 * Finds the preset `spec` names: an installed package (looked up in node_modules from each of
 * `bases` in turn: the project, then the current folder), or a path relative to the first base
 * (a preset file, a package folder, or a folder holding preset.json).
 */
export function locatePreset(spec: string, bases: readonly string[]): { file: string; source: string; kind: Preset['kind'] } {
  if (spec.trim() === '') throw new PresetError('--preset needs a file, folder or package name');
  if (isPackageName(spec)) {
    for (const base of bases) {
      const dir = findInstalledPackage(spec, base);
      if (dir) return { file: presetFileOfPackage(dir, `preset package ${spec}`), source: spec, kind: 'package' };
    }
    throw new PresetError(`preset package ${spec} is not installed: npm install it in the project or the current folder, or give a path (./preset.json)`);
  }
  const path = resolve(bases[0] ?? '.', spec);
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new PresetError(`preset ${path} does not exist`);
  }
  if (!stat.isDirectory()) return { file: path, source: path, kind: 'path' };
  let hasPackage = false;
  try {
    hasPackage = statSync(join(path, 'package.json')).isFile();
  } catch {
    // a plain folder: preset.json inside it
  }
  const file = hasPackage ? presetFileOfPackage(path, `preset ${path}`) : join(path, 'preset.json');
  return { file, source: path, kind: 'path' };
}

/** Locates, reads and validates a preset, and checks its overlay folder. */
export function loadPreset(spec: string, bases: readonly string[], generatorVersion: string): Preset {
  const found = locatePreset(spec, bases);
  const parsed = parsePreset(readBoundedJson(found.file, 'preset'), found.file, generatorVersion);
  const preset: Preset = { ...parsed, ...found };
  if (parsed.templates !== undefined) {
    const dir = resolve(dirname(found.file), parsed.templates);
    let ok = false;
    try {
      ok = statSync(dir).isDirectory();
    } catch {
      // reported below
    }
    if (!ok) throw new PresetError(`preset "${parsed.name}": its templates folder ${dir} does not exist`);
    preset.templatesDir = dir;
    readOverlay(preset); // refuse a bad overlay now, before anything is written
  }
  return preset;
}

/** The preset to use: the flag, else HARDENED_FLASK_PRESET, else none. */
export function presetSpecFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag !== undefined) return flag;
  const fromEnv = env[PRESET_ENV];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

// ---------------------------------------------------------------------------------------------
// The overlay: files laid out like templates/project/

export interface OverlayFile {
  /** Path inside the overlay folder, `/`-separated, e.g. `src/__pkg__/views.py.ejs`. */
  template: string;
  /** Absolute path of the file to render or copy. */
  from: string;
  owner: Owner;
}

/** Files a preset may not write: the generator's own records, and git's. */
const RESERVED = [/^\.yo-rc\.json$/, /^\.hardened-flask(\/|$)/, /^\.git(\/|$)/];

/** The overlay's files (regular files only; no links) with their owners from files.json. */
export function readOverlay(preset: Pick<Preset, 'name' | 'templatesDir'>): OverlayFile[] {
  const root = preset.templatesDir;
  if (!root) return [];
  const label = `preset "${preset.name}"`;
  const found: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      const rel = prefix ? `${prefix}/${entry}` : entry;
      const stat = lstatSync(path);
      if (stat.isDirectory()) walk(path, rel);
      else if (stat.isFile()) found.push(rel);
      else throw new PresetError(`${label}: overlay ${rel} is not a regular file (links are not followed)`);
    }
  };
  walk(root, '');
  const files = found.filter((rel) => rel !== OVERLAY_OWNERS_FILE);
  const owners = found.includes(OVERLAY_OWNERS_FILE)
    ? parseOverlayOwners(readBoundedJson(join(root, OVERLAY_OWNERS_FILE), `${label}: overlay`), files, label)
    : {};
  const keys = new Set<string>();
  for (const rel of files) {
    const key = rel.replace(/\.ejs$/, '');
    if (RESERVED.some((pattern) => pattern.test(key))) throw new PresetError(`${label}: the overlay may not write ${key}`);
    if (keys.has(key)) throw new PresetError(`${label}: the overlay has both ${key} and ${key}.ejs; keep one`);
    keys.add(key);
  }
  return files.map((template) => ({ template, from: join(root, template), owner: owners[template] ?? 'user' }));
}

/**
 * files.json: `{ "<overlay path>": { "owner": "generator" | "user" | "once" } }`. Every key must
 * be a file of the overlay, so a typo cannot silently leave a file with the wrong owner.
 */
export function parseOverlayOwners(raw: unknown, files: readonly string[], label: string): Record<string, Owner> {
  if (!isObject(raw)) throw new PresetError(`${label}: ${OVERLAY_OWNERS_FILE} must map overlay files to {"owner": ...}`);
  const owners: Record<string, Owner> = {};
  for (const [file, entry] of Object.entries(raw)) {
    if (!files.includes(file)) throw new PresetError(`${label}: ${OVERLAY_OWNERS_FILE} names ${printable(file)}, which is not in the overlay`);
    if (!isObject(entry) || Object.keys(entry).some((key) => key !== 'owner') || !(OWNERS as unknown[]).includes(entry.owner)) {
      throw new PresetError(`${label}: ${OVERLAY_OWNERS_FILE}: ${printable(file)} must be {"owner": "${OWNERS.join('" | "')}"}`);
    }
    owners[file] = entry.owner as Owner;
  }
  return owners;
}

/** A planned file and, for a preset's file, where it comes from (its owner is the preset's). */
export interface OverlaidFile extends PlannedFile {
  /** Absolute source for an overlay file (render/copy from here instead of templates/project). */
  from?: string;
}

/**
 * The generator's planned files with the overlay laid on top: an overlay file at the place of a
 * generator template (any in `generatorTemplates`, planned or not) replaces it, and so is written
 * only when that template is; any other overlay file is added. Pure: the overlay comes from
 * readOverlay, and any version's plan can be overlaid (update renders old and new ones).
 */
export function overlayPlan(
  planned: readonly PlannedFile[],
  generatorTemplates: readonly string[],
  overlay: readonly OverlayFile[],
  answers: Answers,
): OverlaidFile[] {
  const key = (template: string) => template.replace(/\.ejs$/, '');
  const byKey = new Map(overlay.map((file) => [key(file.template), file]));
  const generated = new Set(generatorTemplates.map(key));
  const out: OverlaidFile[] = planned.map((file) => {
    const over = byKey.get(key(file.template));
    if (!over) return file;
    // A replacement keeps the generator file's mode and secret flag: a replaced `.env` is still
    // private, and still holds a fresh key on every run.
    return { ...file, template: over.template, render: over.template.endsWith('.ejs'), from: over.from, owner: over.owner };
  });
  for (const file of overlay) {
    if (generated.has(key(file.template))) continue;
    out.push({ template: file.template, to: destinationFor(file.template, answers), render: file.template.endsWith('.ejs'), from: file.from, owner: file.owner });
  }
  return out;
}
