// The paths a new project gets, for the checks that run before anything is written (the CLI
// runs them without loading Yeoman, the generator again under the target's lock).
import type { Answers } from '../lib/answers.js';
import { planFiles } from '../lib/manifest.js';
import { MANIFEST_PATH } from '../lib/ownership.js';
import { type OverlaidFile, overlayPlan, type Preset, readOverlay } from '../lib/presets.js';
import { PROJECT_FILES } from './files.js';

/** The files a project gets: the manifest's, with a preset's overlay laid on top. */
export function plannedFiles(answers: Answers, preset?: Preset): OverlaidFile[] {
  const planned = planFiles(PROJECT_FILES, answers);
  return preset ? overlayPlan(planned, PROJECT_FILES.map((row) => row.template), readOverlay(preset), answers) : planned;
}

/** The files a project gets, relative to its folder: the plan's, the stored answers and the ownership record. */
export const plannedPaths = (answers: Answers, preset?: Preset): string[] => [
  ...plannedFiles(answers, preset).map((file) => file.to),
  '.yo-rc.json',
  MANIFEST_PATH,
];

/** The user's own development key: --force keeps an existing one (delete it to get a fresh key). */
export const KEEP_ON_FORCE: readonly string[] = ['.env'];
