// Checks that decide whether `new` may start at all. The CLI runs them before loading Yeoman
// (fast, one clean line on failure) and the generator runs them again for `yo` users.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ANSWER_KEYS, type Answers, checkPartialAnswers, completeAnswers, deriveProjectName } from './answers.js';
import { UsageError } from './errors.js';
import { parsePresetRecord, type Preset, presetGiven, type PresetRecord } from './presets.js';
import { isEmptyOrMissing, pathKind, refuseForceConflicts, resolveTarget } from './staging.js';
import { STORE_KEY } from './store-key.js';

export { STORE_KEY };

/** An answers file is a few hundred bytes; anything near this is not one. */
export const ANSWERS_FILE_MAX = 1024 * 1024;

export function refuseNonEmptyTarget(target: string, force: boolean): void {
  const real = resolveTarget(target);
  if (!force && !isEmptyOrMissing(real)) {
    throw new UsageError(`${target} exists and is not empty: choose another folder or pass --force`);
  }
}

function kindName(stat: ReturnType<typeof fstatSync>): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a pipe';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a small JSON file once, safely: never blocks on a pipe (opened non-blocking, refused
 * unless it is a regular file), never reads more than ANSWERS_FILE_MAX (a device such as
 * /dev/zero), and refuses bytes that are not UTF-8 rather than reading them as U+FFFD.
 */
export function readJsonFile(file: string, label: string): unknown {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${label} ${file} does not exist`);
    // Linux refuses to open a socket through /proc/self/fd (e.g. /dev/stdin fed by a socket).
    if (code === 'ENXIO') throw new UsageError(`${label} ${file} is a socket, not a regular file: give a JSON file`);
    throw new UsageError(`${label} ${file} cannot be read (${code ?? 'error'})`);
  }
  let bytes: Buffer;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`${label} ${file} is ${kindName(stat)}, not a regular file: give a JSON file`);
    if (stat.size > ANSWERS_FILE_MAX) throw new UsageError(`${label} ${file} is larger than 1 MiB: give a small JSON file`);
    // The size may change while reading: read at most one byte more than allowed, and check.
    const buffer = Buffer.alloc(ANSWERS_FILE_MAX + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > ANSWERS_FILE_MAX) throw new UsageError(`${label} ${file} is larger than 1 MiB: give a small JSON file`);
    bytes = buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${label} ${file} is not valid UTF-8: save it as UTF-8 JSON`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${label} ${file} is not valid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
}

export function readAnswersFile(file: string): Partial<Answers> {
  return checkPartialAnswers(readJsonFile(file, 'answers file'));
}

/** The key beside the answers naming the generator version that stored them (not an answer). */
export const VERSION_KEY = 'version';
/** The key beside the answers recording the preset the project follows (not an answer). */
export const PRESET_KEY = 'preset';
/** A retrofitted project says so (`"kind": "retrofit"`) and keeps the retrofit's rendering context. */
export const KIND_KEY = 'kind';
export const RETROFIT_KEY = 'retrofit';

/** What `.yo-rc.json` holds: the answers (never a secret), the version that wrote them and the preset. */
export function storedConfig(answers: Answers, version: string, preset?: PresetRecord, retrofit?: object): Record<string, Record<string, unknown>> {
  const stored: Record<string, unknown> = { ...Object.fromEntries(ANSWER_KEYS.map((key) => [key, answers[key]])), [VERSION_KEY]: version };
  if (preset) stored[PRESET_KEY] = preset;
  if (retrofit) Object.assign(stored, { [KIND_KEY]: 'retrofit', [RETROFIT_KEY]: retrofit });
  return { [STORE_KEY]: stored };
}

/** The stored answers, version and preset of `<target>/.yo-rc.json` (version undefined before 0.2.0). */
export function readStoredConfig(target: string): { answers: Partial<Answers>; version?: string; preset?: PresetRecord; retrofit?: unknown } {
  const file = join(target, '.yo-rc.json');
  if (pathKind(file) === 'missing') return { answers: {} };
  const stored = (readJsonFile(file, 'stored answers') as Record<string, unknown> | null)?.[STORE_KEY];
  if (stored === undefined) return { answers: {} };
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) {
    throw new UsageError(`${file}: "${STORE_KEY}" must be an object of answers`);
  }
  const { [VERSION_KEY]: version, [PRESET_KEY]: preset, [KIND_KEY]: kind, [RETROFIT_KEY]: retrofit, ...answers } = stored as Record<string, unknown>;
  if (kind !== undefined && kind !== 'retrofit') throw new UsageError(`${file}: "${KIND_KEY}" must be "retrofit" when present`);
  if (kind === 'retrofit' && retrofit === undefined) throw new UsageError(`${file}: a retrofitted project needs its "${RETROFIT_KEY}" record`);
  return {
    answers: checkPartialAnswers(answers),
    ...(kind === 'retrofit' ? { retrofit } : {}),
    ...(typeof version === 'string' ? { version } : {}),
    ...(preset === undefined ? {} : { preset: parsePresetRecord(preset, file) }),
  };
}

/** Answers stored by an earlier run in `<target>/.yo-rc.json`, so a re-run asks nothing. */
export function readStoredAnswers(target: string): Partial<Answers> {
  return readStoredConfig(target).answers;
}

/** The preset an earlier run recorded in `<target>/.yo-rc.json`, if any. */
export function readStoredPreset(target: string): PresetRecord | undefined {
  return readStoredConfig(resolveTarget(target)).preset;
}

/**
 * Stored answers, overridden by the answers file (or its already-read content): what the user has
 * said. With a preset, an answer that contradicts a lock is refused and the locks are added.
 */
export function givenAnswers(target: string | undefined, answersFile: string | undefined, fromFile?: Partial<Answers>, preset?: Preset): Partial<Answers> {
  const stored = target ? readStoredAnswers(resolveTarget(target)) : {};
  const file = fromFile ?? (answersFile ? readAnswersFile(answersFile) : {});
  if (!preset) return { ...stored, ...file };
  const record = target ? readStoredPreset(target) : undefined;
  return presetGiven(preset, { stored, record, fromFile: file });
}

/** The project name a folder suggests, used when no answer names the project. */
export const fallbackProjectName = (folder: string): string => deriveProjectName(basename(folder));

/** The paths `new` writes, relative to the project: the manifest's plus the stored answers. */
export type PlannedPaths = (answers: Answers) => string[];

/** Everything `new --yes` would decide, checked without writing anything. */
export function preflightNew(target: string, fromFile: Partial<Answers>, force: boolean, planned: PlannedPaths, preset?: Preset): Answers {
  refuseNonEmptyTarget(target, force);
  const answers = completeAnswers(givenAnswers(target, undefined, fromFile, preset), fallbackProjectName(target), preset?.defaults);
  if (force) refuseForceConflicts(resolveTarget(target), planned(answers));
  return answers;
}
