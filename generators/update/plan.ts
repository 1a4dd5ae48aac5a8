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
import { renderRetrofitSet, renderTemplateSet, runningTemplateSet, type TemplateSet } from './templates.js';
import { parseRetrofitRecord, type RetrofitRecord } from '../retrofit/render.js';

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
export function readProject(dir: string): { answers: Answers; version?: string; manifest?: OwnershipManifest; preset?: PresetRecord; retrofit?: RetrofitRecord } {
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
    ...(stored.retrofit !== undefined ? { retrofit: parseRetrofitRecord(stored.retrofit, join(dir, '.yo-rc.json')) } : {}),
  };
}

/**
 * A retrofitted project owns only what the retrofit created: a rendered file it did not create
 * (the project had its own, or the retrofit chose not to) is left out, unless it is new in this
 * template (neither rendered last time nor on disk). Edited user files are never rendered at all.
 */
export function retrofitOwned(dir: string, recorded: OwnershipManifest['files'], base: ReadonlyMap<string, unknown> | undefined, path: string): boolean {
  return recorded[path] !== undefined || (!base?.has(path) && !existsSync(join(dir, path)));
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
  if (project.retrofit) return planRetrofitUpdate(request, { ...project, retrofit: project.retrofit }, from, to, given, warnings);
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

/** The update of a retrofitted project: the files the retrofit created, rendered by its own code. */
function planRetrofitUpdate(
  request: UpdateRequest,
  project: ReturnType<typeof readProject> & { retrofit: RetrofitRecord },
  from: TemplateSet,
  to: TemplateSet,
  given: Partial<Answers>,
  warnings: string[],
): UpdatePlan {
  if (request.preset !== undefined || request.presetFrom !== undefined) throw new UsageError('a retrofitted project follows no preset: --preset and --preset-from apply to projects made by new');
  const answers = Object.keys(given).length > 0 ? completeAnswers({ ...project.answers, ...given }, project.answers.projectName) : project.answers;
  const recorded = project.manifest?.files ?? {};
  const base = renderRetrofitSet(from, project.retrofit, project.answers);
  const theirs = renderRetrofitSet(to, project.retrofit, answers);
  const owned = (path: string) => retrofitOwned(request.dir, recorded, base, path);
  // Theirs first: whether a file is new in the template depends on the whole last rendering.
  for (const path of [...theirs.keys()]) if (!owned(path)) theirs.delete(path);
  for (const path of [...base.keys()]) if (!recorded[path]) base.delete(path);
  const paths = [...new Set([...base.keys(), ...theirs.keys()])].sort();
  const changes = paths.map((path) => {
    const facts = {
      path,
      owner: theirs.get(path)?.owner ?? recorded[path]?.owner ?? base.get(path)?.owner ?? 'generator',
      generated: base.has(path),
      ...optional('base', base.get(path)?.contents),
      ...optional('recorded', recorded[path]?.sha256),
      ...optional('ours', readText(join(request.dir, path))),
      ...optional('theirs', theirs.get(path)?.contents),
    };
    return carryOut(decide(facts), facts, request.conflict);
  });
  // What the retrofit recorded but does not render (edited files, .env, the lock) stays as it is.
  const manifest = buildManifest(to.version, [...theirs].map(([path, file]) => ({ path, owner: file.owner ?? 'generator', contents: file.contents, ...(file.secret ? { secret: true } : {}) })));
  for (const [path, file] of Object.entries(recorded)) if (!base.has(path) && !theirs.has(path)) manifest.files[path] = file;
  return {
    fromVersion: from.version,
    toVersion: to.version,
    answers,
    answersChanged: (Object.keys(answers) as (keyof Answers)[]).filter((key) => answers[key] !== project.answers[key]),
    changes,
    manifestText: serializeManifest(manifest),
    yoRcText: `${JSON.stringify(storedConfig(answers, to.version, undefined, project.retrofit), null, 2)}\n`,
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
