// Update and check-update follow the project's preset too (DESIGN §9): a newer preset version is
// an update. Its defaults move the answers the user never chose, its locks are re-applied, and its
// overlay is part of both renders, so overlay files are merged by owner like the generator's.
import semver from 'semver';
import { type Answers, completeAnswers } from '../lib/answers.js';
import { followedDefaults, loadPreset, overlayPlan, type Preset, presetGiven, type PresetRecord, presetRecord, readOverlay } from '../lib/presets.js';
import type { TemplateSet } from './templates.js';

export interface ProjectPreset {
  /** The preset to update to: `--preset`, else the one the project records (found again). */
  preset?: Preset;
  /** The preset the base is rendered with: `--preset-from`, or the same preset at the recorded version. */
  basePreset?: Preset;
  record?: PresetRecord;
  /** The base preset is the newest one standing in for the recorded version. */
  standIn?: boolean;
  warnings: string[];
}

/**
 * Finds the presets an update needs. `spec` (from --preset) adopts or switches a preset; without
 * it the recorded one is looked up again (from the project, then the current folder).
 */
export function presetsForUpdate(
  dir: string,
  cwd: string,
  record: PresetRecord | undefined,
  versions: { from: string; to: string },
  options: { preset?: string; presetFrom?: string } = {},
): ProjectPreset {
  const warnings: string[] = [];
  const spec = options.preset ?? record?.source;
  if (spec === undefined) return { warnings };
  const bases = options.preset !== undefined ? [cwd, dir] : [dir, cwd];
  const preset = loadPreset(spec, bases, versions.to);
  const result: ProjectPreset = { preset, warnings, ...(record ? { record } : {}) };
  if (options.presetFrom !== undefined) {
    result.basePreset = loadPreset(options.presetFrom, [cwd, dir], versions.from);
  } else if (record && record.name === preset.name) {
    // Only the newest preset is at hand: it stands in for the recorded one. A file whose base then
    // differs from its recorded hash is merged 2-way (never guessed), unless the user left it alone.
    result.basePreset = preset;
    if (record.version !== preset.version) {
      result.standIn = true;
      warnings.push(
        `preset ${preset.name} ${record.version} → ${preset.version}: the ${record.version} overlay is not at hand, so files both you and the preset changed are merged 2-way (give it with --preset-from PATH for 3-way merges)`,
      );
    }
  }
  if (record && record.name !== preset.name) warnings.push(`preset ${record.name} → ${preset.name}: the project switches presets`);
  return result;
}

/** A template set with the preset's overlay laid on its plan (any version's plan). */
export function withOverlay(set: TemplateSet, preset: Preset | undefined): TemplateSet {
  if (!preset) return set;
  const overlay = readOverlay(preset);
  return { ...set, plan: (answers) => overlayPlan(set.plan(answers), set.templates, overlay, answers) };
}

/**
 * The answers after the update: stored answers that only followed the preset's defaults follow
 * its new defaults, locks are re-applied (reported when they change an answer), and `--answers`
 * may not contradict a lock (exit 2).
 */
export function answersUnderPreset(
  project: { answers: Answers; record?: PresetRecord | undefined },
  preset: Preset,
  fromFile: Partial<Answers>,
  warnings: string[],
): { answers: Answers; record: (dir: string) => PresetRecord } {
  const given = presetGiven(preset, { stored: project.answers, record: project.record, fromFile });
  const answers = completeAnswers(given, project.answers.projectName, preset.defaults);
  for (const [key, value] of Object.entries(preset.locked) as [keyof Answers, unknown][]) {
    if (project.answers[key] !== value) warnings.push(`preset ${preset.name} ${preset.version} locks ${key} to ${JSON.stringify(value)} (was ${JSON.stringify(project.answers[key])})`);
  }
  return { answers, record: (dir) => presetRecord(preset, followedDefaults(preset, given, answers), dir) };
}

/** True when the preset at hand is newer than the one the project records. */
export function presetIsNewer(record: PresetRecord | undefined, preset: Preset | undefined): boolean {
  return Boolean(record && preset && record.name === preset.name && semver.gt(preset.version, record.version));
}
