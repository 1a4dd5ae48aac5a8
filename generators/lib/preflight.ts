// Checks that decide whether `new` may start at all. The CLI runs them before loading Yeoman
// (fast, one clean line on failure) and the generator runs them again for `yo` users.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Answers, checkPartialAnswers, completeAnswers, deriveProjectName } from './answers.js';
import { UsageError } from './errors.js';
import { parsePresetRecord, type Preset, presetGiven, type PresetRecord } from './presets.js';
import { isEmptyOrMissing } from './staging.js';

/** The key this generator's answers are stored under in `.yo-rc.json`. */
export const STORE_KEY = 'generator-hardened-flask';

export function refuseNonEmptyTarget(target: string, force: boolean): void {
  if (!force && !isEmptyOrMissing(target)) {
    throw new UsageError(`${target} exists and is not empty: choose another folder or pass --force`);
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

export function readAnswersFile(file: string): Partial<Answers> {
  if (!existsSync(file)) throw new UsageError(`answers file ${file} does not exist`);
  return checkPartialAnswers(readJson(file));
}

/** Keys stored beside the answers in `.yo-rc.json` that are not answers. */
const STORED_META = ['version', 'preset'];

function readStored(target: string): Record<string, unknown> | undefined {
  const file = join(target, '.yo-rc.json');
  if (!existsSync(file)) return undefined;
  const stored = (readJson(file) as Record<string, unknown>)[STORE_KEY];
  return stored !== null && typeof stored === 'object' ? (stored as Record<string, unknown>) : undefined;
}

/** Answers stored by an earlier run in `<target>/.yo-rc.json`, so a re-run asks nothing. */
export function readStoredAnswers(target: string): Partial<Answers> {
  const stored = readStored(target);
  if (stored === undefined) return {};
  return checkPartialAnswers(Object.fromEntries(Object.entries(stored).filter(([key]) => !STORED_META.includes(key))));
}

/** The preset an earlier run recorded in `<target>/.yo-rc.json`, if any. */
export function readStoredPreset(target: string): PresetRecord | undefined {
  const raw = readStored(target)?.['preset'];
  return raw === undefined ? undefined : parsePresetRecord(raw, join(target, '.yo-rc.json'));
}

/**
 * Stored answers, overridden by the answers file: what the user has already said. With a preset,
 * an answer that contradicts a lock is refused and locked answers are added (never asked).
 */
export function givenAnswers(target: string | undefined, answersFile: string | undefined, preset?: Preset): Partial<Answers> {
  const stored = target ? readStoredAnswers(target) : {};
  const fromFile = answersFile ? readAnswersFile(answersFile) : {};
  if (!preset) return { ...stored, ...fromFile };
  const record = target ? readStoredPreset(target) : undefined;
  return presetGiven(preset, { stored, record, fromFile, storedFile: target ? join(target, '.yo-rc.json') : '.yo-rc.json' });
}

/** The project name a folder suggests, used when no answer names the project. */
export const fallbackProjectName = (folder: string): string => deriveProjectName(basename(folder));

/** Everything `new --yes` would decide, checked without writing anything. */
export function preflightNew(target: string, answersFile: string | undefined, force: boolean, preset?: Preset): Answers {
  refuseNonEmptyTarget(target, force);
  return completeAnswers(givenAnswers(target, answersFile, preset), fallbackProjectName(target), preset?.defaults);
}
