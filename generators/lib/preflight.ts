// Checks that decide whether `new` may start at all. The CLI runs them before loading Yeoman
// (fast, one clean line on failure) and the generator runs them again for `yo` users.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ANSWER_KEYS, type Answers, checkPartialAnswers, completeAnswers, deriveProjectName } from './answers.js';
import { UsageError } from './errors.js';
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

/** The key beside the answers naming the generator version that stored them (not an answer). */
export const VERSION_KEY = 'version';

/** What `.yo-rc.json` holds: the answers (never a secret) and the version that wrote them. */
export function storedConfig(answers: Answers, version: string): Record<string, Record<string, unknown>> {
  return { [STORE_KEY]: { ...Object.fromEntries(ANSWER_KEYS.map((key) => [key, answers[key]])), [VERSION_KEY]: version } };
}

/** The stored answers and version of `<target>/.yo-rc.json` (version undefined before 0.2.0). */
export function readStoredConfig(target: string): { answers: Partial<Answers>; version?: string } {
  const file = join(target, '.yo-rc.json');
  if (!existsSync(file)) return { answers: {} };
  const stored = (readJson(file) as Record<string, unknown>)[STORE_KEY];
  if (stored === undefined) return { answers: {} };
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) {
    throw new UsageError(`${file}: "${STORE_KEY}" must be an object of answers`);
  }
  const { [VERSION_KEY]: version, ...answers } = stored as Record<string, unknown>;
  return { answers: checkPartialAnswers(answers), ...(typeof version === 'string' ? { version } : {}) };
}

/** Answers stored by an earlier run in `<target>/.yo-rc.json`, so a re-run asks nothing. */
export function readStoredAnswers(target: string): Partial<Answers> {
  return readStoredConfig(target).answers;
}

/** Stored answers, overridden by the answers file: what the user has already said. */
export function givenAnswers(target: string | undefined, answersFile: string | undefined): Partial<Answers> {
  return { ...(target ? readStoredAnswers(target) : {}), ...(answersFile ? readAnswersFile(answersFile) : {}) };
}

/** The project name a folder suggests, used when no answer names the project. */
export const fallbackProjectName = (folder: string): string => deriveProjectName(basename(folder));

/** Everything `new --yes` would decide, checked without writing anything. */
export function preflightNew(target: string, answersFile: string | undefined, force: boolean): Answers {
  refuseNonEmptyTarget(target, force);
  return completeAnswers(givenAnswers(target, answersFile), fallbackProjectName(target));
}
