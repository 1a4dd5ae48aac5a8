// The update of one project, computed without writing: read the record and the answers, render
// the base (recorded version, recorded answers) and the new version (target, new answers), decide
// per file (merge.ts) and run the merges. Applying the plan is the generator's job (index.ts).
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { type Answers, completeAnswers, deriveProjectName } from '../lib/answers.js';
import { UsageError } from '../lib/errors.js';
import type { Owner } from '../lib/manifest.js';
import { buildManifest, isRecordFile, MANIFEST_PATH, type OwnershipManifest, parseManifest, serializeManifest } from '../lib/ownership.js';
import { readAnswersFile, readStoredConfig, storedConfig } from '../lib/preflight.js';
import type { PresetRecord } from '../lib/presets.js';
import { answersUnderPreset, presetsForUpdate, withOverlay } from './preset.js';
import { mergeFile, treeState } from './git.js';
import { type Action, conflictBlocks, type Decision, decide, type Reason, twoWayMerge } from './merge.js';
import { templateSetFor } from './source.js';
import { renderTemplateSet, runningTemplateSet, type TemplateSet } from './templates.js';

export type ConflictStyle = 'inline' | 'rej';

export interface UpdateRequest {
  dir: string;
  cwd: string;
  to?: string;
  from?: string;
  answersFile?: string;
  /** A preset to adopt or switch to (default: the one the project records). */
  preset?: string;
  /** The recorded preset version's package or file, for 3-way merges of its overlay files. */
  presetFrom?: string;
  conflict: ConflictStyle;
}

export interface FileChange {
  path: string;
  owner: Owner;
  reason: Reason;
  /** What happens on disk. */
  effect: 'write' | 'delete' | 'none';
  before?: string;
  after?: string;
  conflicts: number;
  /** With --conflict rej: the conflicting hunks, written to `<path>.rej`. */
  rej?: string;
  notice?: string;
}

export interface UpdatePlan {
  fromVersion: string;
  toVersion: string;
  /** The preset followed: its recorded version and the one updated to. */
  preset?: { name: string; from?: string; to: string };
  answers: Answers;
  answersChanged: string[];
  changes: FileChange[];
  /** The new ownership record and `.yo-rc.json`, written once the update is complete. */
  manifestText: string;
  yoRcText: string;
  warnings: string[];
}

const UNRECORDED =
  'this project records no generator version (made before 0.2.0): name the version it was generated with, with --from PATH (that package unpacked, or a built checkout of it) or --from VERSION';

function readText(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** The project's record and answers; a folder that is not one of ours is bad input. */
export function readProject(dir: string): { answers: Answers; version?: string; manifest?: OwnershipManifest; preset?: PresetRecord } {
  if (!existsSync(join(dir, '.yo-rc.json'))) {
    throw new UsageError(`${dir} has no .yo-rc.json: not a project made by hardened-flask (new or retrofit)`);
  }
  const stored = readStoredConfig(dir);
  if (Object.keys(stored.answers).length === 0) throw new UsageError(`${dir}/.yo-rc.json holds no generator-hardened-flask answers`);
  const manifestText = readText(join(dir, MANIFEST_PATH));
  const manifest = manifestText === undefined ? undefined : parseManifest(manifestText, join(dir, MANIFEST_PATH));
  const version = manifest?.version ?? stored.version;
  return {
    answers: completeAnswers(stored.answers, stored.answers.projectName ?? deriveProjectName(basename(dir))),
    ...(version ? { version } : {}),
    ...(manifest ? { manifest } : {}),
    ...(stored.preset ? { preset: stored.preset } : {}),
  };
}

async function baseSet(request: UpdateRequest, recorded: string | undefined, warnings: string[]): Promise<TemplateSet> {
  if (request.from !== undefined) {
    const set = await templateSetFor(request.from, request.cwd);
    if (recorded !== undefined && set.version !== recorded) {
      warnings.push(`--from ${request.from} is version ${set.version}, the project records ${recorded}: files whose base does not match are merged 2-way`);
    }
    return set;
  }
  if (recorded === undefined) throw new UsageError(UNRECORDED);
  return templateSetFor(recorded, request.cwd);
}

const IMMUTABLE: readonly (keyof Answers)[] = ['projectName', 'packageName'];

function givenForUpdate(old: Answers, answersFile: string | undefined): Partial<Answers> {
  if (!answersFile) return {};
  const given = readAnswersFile(answersFile);
  for (const key of IMMUTABLE) {
    if (given[key] !== undefined && given[key] !== old[key]) {
      throw new UsageError(`update cannot change ${key} (${old[key]} → ${given[key]}): every path would move; rename by hand, then update`);
    }
  }
  return given;
}

const EFFECT: Record<Action['kind'], FileChange['effect']> = { keep: 'none', write: 'write', delete: 'delete', merge3: 'write', merge2: 'write' };

function carryOut(decision: Decision, facts: { ours?: string; base?: string; theirs?: string }, style: ConflictStyle): FileChange {
  const { action } = decision;
  const change: FileChange = {
    path: decision.path,
    owner: decision.owner,
    reason: action.reason,
    effect: EFFECT[action.kind],
    conflicts: 0,
    ...(facts.ours === undefined ? {} : { before: facts.ours }),
    ...(decision.notice ? { notice: decision.notice } : {}),
  };
  if (action.kind === 'write') change.after = action.contents;
  if (action.kind === 'merge3') {
    const inline = mergeFile(facts.ours!, facts.base!, facts.theirs!);
    change.conflicts = inline.conflicts;
    change.after = style === 'rej' && inline.conflicts > 0 ? mergeFile(facts.ours!, facts.base!, facts.theirs!, 'ours').contents : inline.contents;
    if (style === 'rej' && inline.conflicts > 0) change.rej = conflictBlocks(inline.contents).join('');
  }
  if (action.kind === 'merge2') {
    const inline = twoWayMerge(facts.ours!, facts.theirs!);
    change.conflicts = 1;
    change.after = style === 'rej' ? facts.ours! : inline;
    if (style === 'rej') change.rej = inline;
  }
  if (change.effect === 'write' && change.after === change.before && change.rej === undefined) change.effect = 'none';
  return change;
}

export async function planUpdate(request: UpdateRequest): Promise<UpdatePlan> {
  const warnings: string[] = [];
  const project = readProject(request.dir);
  const from = await baseSet(request, project.version, warnings);
  const to = request.to === undefined ? runningTemplateSet() : await templateSetFor(request.to, request.cwd);
  const given = givenForUpdate(project.answers, request.answersFile);
  // The preset is followed like the generator: base with the recorded one, new with the newest.
  const presets = presetsForUpdate(request.dir, request.cwd, project.preset, { from: from.version, to: to.version }, {
    ...(request.preset !== undefined ? { preset: request.preset } : {}),
    ...(request.presetFrom !== undefined ? { presetFrom: request.presetFrom } : {}),
  });
  warnings.push(...presets.warnings);
  const underPreset = presets.preset ? answersUnderPreset({ answers: project.answers, record: project.preset }, presets.preset, given, warnings) : undefined;
  const answers = underPreset ? underPreset.answers : Object.keys(given).length > 0 ? completeAnswers({ ...project.answers, ...given }, project.answers.projectName) : project.answers;
  const base = await renderTemplateSet(withOverlay(from, presets.basePreset), project.answers);
  // A newer preset standing in for the recorded one may have files the project never had: the
  // ownership record says what was generated, so those are new, not "deleted by you".
  if (presets.standIn && project.manifest) for (const path of [...base.keys()]) if (!(path in project.manifest.files)) base.delete(path);
  const theirs = await renderTemplateSet(withOverlay(to, presets.preset), answers);
  const recorded = project.manifest?.files ?? {};
  const paths = [...new Set([...base.keys(), ...theirs.keys(), ...Object.keys(recorded)])].filter((path) => !isRecordFile(path)).sort();
  const changes = paths.map((path) => {
    const facts = {
      path,
      owner: theirs.get(path)?.owner ?? recorded[path]?.owner ?? base.get(path)?.owner ?? 'generator',
      generated: base.has(path) || recorded[path] !== undefined,
      ...optional('base', base.get(path)?.contents),
      ...optional('recorded', recorded[path]?.sha256),
      ...optional('ours', readText(join(request.dir, path))),
      ...optional('theirs', theirs.get(path)?.contents),
    };
    return carryOut(decide(facts), facts, request.conflict);
  });
  const written = [...theirs].map(([path, file]) => ({ path, owner: file.owner ?? 'generator', contents: file.contents, ...(file.secret ? { secret: true } : {}) }));
  return {
    fromVersion: from.version,
    toVersion: to.version,
    ...(presets.preset ? { preset: { name: presets.preset.name, ...(project.preset ? { from: project.preset.version } : {}), to: presets.preset.version } } : {}),
    answers,
    answersChanged: (Object.keys(answers) as (keyof Answers)[]).filter((key) => answers[key] !== project.answers[key]),
    changes,
    manifestText: serializeManifest(buildManifest(to.version, written)),
    yoRcText: `${JSON.stringify(storedConfig(answers, to.version, underPreset?.record(request.dir)), null, 2)}\n`,
    warnings,
  };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

export interface PrepareOptions {
  to?: string;
  from?: string;
  answers?: string;
  conflict?: string;
  dryRun?: boolean;
  yes?: boolean;
  allowDirty?: boolean;
  preset?: string;
  presetFrom?: string;
}

/** Everything that can refuse an update, then the plan: nothing is written. */
export async function prepareUpdate(dir: string, cwd: string, options: PrepareOptions): Promise<UpdatePlan> {
  const conflict = options.conflict ?? 'inline';
  if (conflict !== 'inline' && conflict !== 'rej') throw new UsageError('--conflict must be inline or rej');
  if (!existsSync(dir)) throw new UsageError(`${dir} does not exist`);
  if (!options.dryRun && !options.allowDirty) refuseDirty(dir);
  const plan = await planUpdate({
    dir,
    cwd,
    conflict,
    ...(options.to ? { to: options.to } : {}),
    ...(options.from ? { from: options.from } : {}),
    ...(options.answers ? { answersFile: resolve(cwd, options.answers) } : {}),
    ...(options.preset ? { preset: options.preset } : {}),
    ...(options.presetFrom ? { presetFrom: options.presetFrom } : {}),
  });
  if (!options.dryRun && !options.yes && !process.stdin.isTTY && plan.changes.some((change) => change.effect !== 'none')) {
    throw new UsageError('no terminal to ask on: pass --yes to apply the update, or --dry-run to see the plan and the diff');
  }
  return plan;
}

function refuseDirty(dir: string): void {
  const state = treeState(dir);
  if (state.kind === 'not-a-repo') {
    throw new UsageError(`${dir} is not in a git repository: commit the project first so the update can be reviewed and undone, or pass --allow-dirty (backups are kept)`);
  }
  if (state.kind === 'dirty') {
    const shown = state.paths.slice(0, 3).join(', ') + (state.paths.length > 3 ? ', ...' : '');
    throw new UsageError(`${dir} has uncommitted changes (${shown}): commit or stash them first, or pass --allow-dirty (backups are kept)`);
  }
}
