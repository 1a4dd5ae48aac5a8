// The paths a new project gets, for the checks that run before anything is written (the CLI
// runs them without loading Yeoman, the generator again under the target's lock).
import type { Answers } from '../lib/answers.js';
import { planFiles } from '../lib/manifest.js';
import { PROJECT_FILES } from './files.js';

/** The files a project gets, relative to its folder: the manifest's plus the stored answers. */
export const plannedPaths = (answers: Answers): string[] => [...planFiles(PROJECT_FILES, answers).map((file) => file.to), '.yo-rc.json'];

/** The user's own development key: --force keeps an existing one (delete it to get a fresh key). */
export const KEEP_ON_FORCE: readonly string[] = ['.env'];
