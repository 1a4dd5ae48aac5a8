// `check-update`: is the project behind this package? Answered from the ownership record alone:
// the running version renders the recorded answers, and every file whose new hash differs from the
// recorded one (or that is added or dropped) is a file `update` would change. No base is needed.
import { isRecordFile, sha256 } from '../lib/ownership.js';
import { readProject } from './plan.js';
import { answersUnderPreset, presetIsNewer, presetsForUpdate, withOverlay } from './preset.js';
import { compareVersions } from './source.js';
import { renderRetrofitSet, renderTemplateSet, runningTemplateSet } from './templates.js';

export interface CheckResult {
  project: string;
  /** The version the project records; null when it was made before versions were recorded. */
  recorded: string | null;
  latest: string;
  current: boolean;
  /** Files the new version changes (by the record), or null when there is no record to compare. */
  files: string[] | null;
  /** The preset the project follows: the version it records and the newest at hand. */
  preset?: { name: string; recorded: string; latest: string; current: boolean };
  note?: string;
}

export async function checkForUpdate(dir: string): Promise<CheckResult> {
  const project = readProject(dir);
  const running = runningTemplateSet();
  // A project on a preset renders with the newest preset at hand: its answers, locks and overlay.
  const { preset } = presetsForUpdate(dir, process.cwd(), project.preset, { from: project.version ?? running.version, to: running.version });
  const answers = preset ? answersUnderPreset({ answers: project.answers, record: project.preset }, preset, {}, []).answers : project.answers;
  // A retrofitted project: what its retrofit created, rendered by the running retrofit.
  const rendered = project.retrofit ? renderRetrofitSet(running, project.retrofit, answers) : await renderTemplateSet(withOverlay(running, preset), answers);
  const presetBehind = presetIsNewer(project.preset, preset);
  const base = {
    project: dir,
    latest: running.version,
    ...(preset && project.preset ? { preset: { name: preset.name, recorded: project.preset.version, latest: preset.version, current: !presetBehind } } : {}),
  };
  if (!project.manifest) {
    return { ...base, recorded: project.version ?? null, current: false, files: null, note: 'no ownership record: made before 0.2.0; update with --from naming its version' };
  }
  const recorded = project.manifest.files;
  const files: string[] = [];
  for (const [path, file] of rendered) {
    const before = recorded[path];
    if (isRecordFile(path)) continue;
    // Without the last version's rendering, a file the retrofit did not create cannot be told
    // from one new in the template: check-update compares the files it created; update adds.
    if (project.retrofit && before === undefined) continue;
    if (before === undefined) files.push(path);
    else if (file.owner !== 'once' && !file.secret && before.sha256 !== undefined && before.sha256 !== sha256(file.contents)) files.push(path);
  }
  // The record of a retrofit also lists the files it edited, which are never rendered: not "dropped".
  if (!project.retrofit) for (const path of Object.keys(recorded)) if (!rendered.has(path)) files.push(path);
  files.sort();
  const order = compareVersions(project.manifest.version, running.version);
  if (order > 0) {
    return { ...base, recorded: project.manifest.version, current: true, files: [], note: `made by a newer generator (${project.manifest.version}) than this one` };
  }
  return { ...base, recorded: project.manifest.version, current: order === 0 && files.length === 0 && !presetBehind, files };
}

export function checkText(result: CheckResult): string {
  const p = result.preset;
  const preset = p ? ` Preset ${p.name}: records ${p.recorded}, the newest is ${p.latest}.` : '';
  if (result.current) return `Up to date: ${result.project} records ${result.recorded}, the newest is ${result.latest}.${preset}${result.note ? ` (${result.note})` : ''}`;
  const recorded = result.recorded ?? 'an unrecorded version';
  const files = result.files === null ? '' : ` ${result.files.length} file(s) would change: ${result.files.join(', ')}.`;
  return `Behind: ${result.project} records ${recorded}, the newest is ${result.latest}.${preset}${files}${result.note ? ` (${result.note})` : ''} Run: hardened-flask update`;
}
