// A version of the generator's templates, as update needs it: the templates, the files manifest
// that says which to write, and the context they are rendered with, loaded from the running
// package or from another package's root (an unpacked older package or a built checkout).
// Rendering is the new-project generator's own steps (planFiles → writePlanned, then formatLikeOldVersions)
// into an in-memory editor, so any version renders with the same code and the same formatting.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create as createStore } from 'mem-fs';
import { create as createEditor } from 'mem-fs-editor';
import { PROJECT_FILES } from '../app/files.js';
import type { Answers } from '../lib/answers.js';
import { templateContext } from '../lib/context.js';
import { UsageError } from '../lib/errors.js';
import { formatLikeOldVersions } from '../lib/format.js';
import { type FileRow, type Owner, planFiles, type PlannedFile } from '../lib/manifest.js';
import { GENERATOR_NAME } from '../lib/ownership.js';
import { packageRoot, packageVersion } from '../lib/paths.js';
import { writePlanned } from '../lib/render.js';
import { type RetrofitRecord, retrofitFiles } from '../retrofit/render.js';

export interface TemplateSet {
  version: string;
  /** The package root the templates come from. */
  root: string;
  templatesDir: string;
  /** Every template of the version's files manifest (a preset's overlay replaces by these names). */
  templates: readonly string[];
  plan(answers: Answers): PlannedFile[];
  context(answers: Answers): object;
  /** The files a retrofit creates, rendered by that version's own retrofit (absent before it recorded them). */
  retrofit?: typeof retrofitFiles;
}

export interface RenderedFile {
  contents: string;
  /** Undefined for versions whose files manifest had no owners (before 0.2.0). */
  owner?: Owner;
  secret?: boolean;
  mode?: number;
}

/** The dev `.env` key in a re-render: never written anywhere, `.env` is the user's once made. */
const NO_SECRET = '';

export function runningTemplateSet(): TemplateSet {
  const root = packageRoot();
  return {
    version: packageVersion(),
    root,
    templatesDir: join(root, 'templates', 'project'),
    templates: PROJECT_FILES.map((row) => row.template),
    plan: (answers) => planFiles(PROJECT_FILES, answers),
    context: (answers) => templateContext(answers, NO_SECRET),
    retrofit: retrofitFiles,
  };
}

interface ForeignModules {
  files: { PROJECT_FILES: readonly FileRow[] };
  manifest: { planFiles: typeof planFiles };
  context: { templateContext: typeof templateContext };
}

/**
 * Loads the templates of the package at `dir`. It must be generator-hardened-flask with its
 * compiled code (dist/) beside its templates; its own planFiles and templateContext are used, so
 * a destination or context value that changed between versions renders as that version did.
 */
export async function loadTemplateSet(dir: string): Promise<TemplateSet> {
  const root = resolve(dir);
  const pkgFile = join(root, 'package.json');
  if (!existsSync(pkgFile)) throw new UsageError(`--from ${dir}: no package.json there; give an unpacked generator-hardened-flask package or a built checkout`);
  let pkg: { name?: unknown; version?: unknown };
  try {
    pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as typeof pkg;
  } catch {
    throw new UsageError(`--from ${dir}: package.json is not valid JSON`);
  }
  if (pkg.name !== GENERATOR_NAME) throw new UsageError(`--from ${dir}: that is ${JSON.stringify(pkg.name)}, not ${GENERATOR_NAME}`);
  const module = (path: string) => join(root, 'dist', 'generators', path);
  const needed = ['app/files.js', 'lib/manifest.js', 'lib/context.js'];
  if (!needed.every((path) => existsSync(module(path))) || !existsSync(join(root, 'templates', 'project'))) {
    throw new UsageError(`--from ${dir}: no compiled generator there (dist/generators/app/files.js); build it first with npm ci`);
  }
  const load = async (path: string) => (await import(pathToFileURL(module(path)).href)) as unknown;
  const modules = {
    files: await load('app/files.js'),
    manifest: await load('lib/manifest.js'),
    context: await load('lib/context.js'),
  } as ForeignModules;
  const retrofit = existsSync(module('retrofit/render.js')) ? ((await load('retrofit/render.js')) as { retrofitFiles?: typeof retrofitFiles }).retrofitFiles : undefined;
  return {
    version: String(pkg.version),
    root,
    templatesDir: join(root, 'templates', 'project'),
    templates: modules.files.PROJECT_FILES.map((row) => row.template),
    plan: (answers) => modules.manifest.planFiles(modules.files.PROJECT_FILES, answers),
    context: (answers) => modules.context.templateContext(answers, NO_SECRET),
    ...(retrofit ? { retrofit } : {}),
  };
}

/**
 * The files a retrofit creates, as `set`'s version renders them for the recorded context: the
 * retrofit's own renderer, so update compares like with like. Write-once files carry no hash.
 */
export function renderRetrofitSet(set: TemplateSet, record: RetrofitRecord, answers: Answers): Map<string, RenderedFile> {
  if (!set.retrofit) throw new UsageError(`version ${set.version} (${set.root}) cannot render a retrofitted project: it records no retrofit context; retrofit was recorded from 0.2.0 on`);
  return new Map(set.retrofit(record, answers).map((file) => [file.path, { contents: file.text, owner: file.owner, ...(file.owner === 'once' ? { secret: true } : {}), ...(file.mode === undefined ? {} : { mode: file.mode }) }]));
}

/** Renders a template set with the given answers: project-relative path → contents, in memory. */
export async function renderTemplateSet(set: TemplateSet, answers: Answers): Promise<Map<string, RenderedFile>> {
  const fs = createEditor(createStore() as never);
  // A root no file lives under: nothing is read from or written to the disk but the templates.
  const root = resolve('/', '.hardened-flask-render', set.version);
  const planned = set.plan(answers);
  writePlanned(fs, set.templatesDir, root, planned, set.context(answers));
  await formatLikeOldVersions(fs as never, root);
  const rendered = new Map<string, RenderedFile>();
  for (const file of planned) {
    rendered.set(file.to, {
      contents: fs.read(join(root, file.to)) ?? '',
      ...(file.owner ? { owner: file.owner } : {}),
      ...(file.secret ? { secret: true } : {}),
      ...(file.mode === undefined ? {} : { mode: file.mode }),
    });
  }
  return rendered;
}
