// Checks that decide whether `new` may start at all. The CLI runs them before loading Yeoman
// (fast, one clean line on failure) and the generator runs them again for `yo` users.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Answers, checkPartialAnswers, completeAnswers, deriveProjectName } from './answers.js';
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

/** Answers stored by an earlier run in `<target>/.yo-rc.json`, so a re-run asks nothing. */
export function readStoredAnswers(target: string): Partial<Answers> {
  const file = join(target, '.yo-rc.json');
  if (!existsSync(file)) return {};
  const stored = (readJson(file) as Record<string, unknown>)[STORE_KEY];
  return stored === undefined ? {} : checkPartialAnswers(stored);
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
