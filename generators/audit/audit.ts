// The audit's I/O: walk the tree, read the files that matter, run the Python analyser, and hand
// the facts to the pure rules. Nothing here writes, and nothing from the project is executed.
import { promises as fs, lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classify, isExampleEnv, isShellScript, matchIgnore, parseGitignore, parseShellCommands, type FileKind, type IgnoreRule } from './deploy.js';
import { readGitTracking, type GitTracking } from './gitindex.js';
import type {
  AnalysisInfo,
  AuditReport,
  CommandFact,
  DeployFacts,
  Diagnostic,
  EnvFileInfo,
  ProjectFacts,
  PythonResult,
  Skipped,
} from './model.js';
import { runAnalyser, startAnalyser, type Analyser } from './python.js';
import { DEPLOY_KINDS, emptyFacts, mergeFacts, READERS, readFile } from './readers.js';
import { buildReport } from './report.js';
import { excludedAs, isExcluded } from './scope.js';
import { walkTree } from './walk.js';

export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;

/** The folder cannot be audited (missing, not a folder): the command exits 2. */
export class AuditInputError extends Error {
  override name = 'AuditInputError';
}

export interface AuditOptions {
  /** Files larger than this are skipped (default 2 MiB). */
  maxBytes?: number;
  env?: NodeJS.ProcessEnv;
  /** Receives the facts the report is built from (the preset policy rules read them too). */
  onFacts?: (facts: ProjectFacts) => void;
  /** An analyser process started earlier (startAnalyser); by default one is started at once. */
  analyser?: Analyser;
}

export async function auditProject(dir: string, options: AuditOptions = {}): Promise<AuditReport> {
  // Started before anything else: the interpreter loads while the tree is checked and walked.
  const analyser = options.analyser ?? startAnalyser(options.env);
  let root: string;
  try {
    root = await resolveRoot(dir);
  } catch (error) {
    analyser.cancel();
    throw error;
  }
  const gathered = await gatherFacts(root, { ...options, analyser });
  options.onFacts?.(gathered.facts);
  return buildReport({ root, version: toolVersion(), facts: gathered.facts, analysis: gathered.analysis });
}

export interface Gathered {
  facts: ProjectFacts;
  analysis: AnalysisInfo;
}

/**
 * Every fact about a project, read-only: walk the tree, leave out what no rule judges (scope.ts),
 * read each file with the reader of its kind (readers.ts), Python files and templates with the
 * Python helper, then the scripts the start commands run and the git status of env files. The
 * retrofit command starts from the same facts.
 */
export async function gatherFacts(root: string, options: AuditOptions = {}): Promise<Gathered> {
  const analyser = options.analyser ?? startAnalyser(options.env);
  try {
    return await gather(root, options, analyser);
  } finally {
    analyser.cancel(); // a no-op once the request was sent
  }
}

async function gather(root: string, options: AuditOptions, analyser: Analyser): Promise<Gathered> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const walked = await walkTree(root);
  const skipped: Skipped[] = [...walked.skipped];
  const errors: Diagnostic[] = [];
  const excluded = { tests: 0, vendored: 0 };
  const byKind = new Map<FileKind, string[]>();
  for (const file of walked.files) {
    const why = excludedAs(file);
    if (why) {
      excluded[why === 'test code' ? 'tests' : 'vendored']++;
      continue;
    }
    const kind = classify(file);
    if (!kind) continue;
    const list = byKind.get(kind) ?? [];
    list.push(file);
    byKind.set(kind, list);
  }
  const files = (kind: FileKind) => byKind.get(kind) ?? [];
  const reader = fileReader(root, maxBytes, skipped);

  const pythonFiles = reader.filterReadable(files('python'));
  const templateFiles = reader.filterReadable(files('template'));
  const analysing = runAnalyser({ root, python: pythonFiles, templates: templateFiles, maxBytes }, options.env, analyser);
  analysing.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled

  // Every other kind through its reader, while the Python helper works
  const found = emptyFacts();
  let deployCount = 0;
  for (const kind of Object.keys(READERS) as FileKind[]) {
    for (const file of files(kind)) {
      const text = await reader.readText(file);
      if (text === null) continue;
      const facts = readFile(kind, file, text);
      if (DEPLOY_KINDS.has(kind) || (kind === 'conf' && (facts.nginx?.length ?? 0) > 0)) deployCount++;
      mergeFacts(found, facts);
    }
  }
  found.commands.push(...(await scriptCommands(found.commands, walked.files, reader.readText)));

  const envFiles = await envFileStatus(root, files('env'), files('gitignore'), reader.readText);
  const analysed: PythonResult = await analysing;
  for (const file of [...analysed.files, ...analysed.templates]) {
    if (file.skipped) skipped.push({ file: file.path, reason: `${file.skipped} (not analysed)` });
    if (file.error) errors.push({ file: file.path, line: file.error.line, message: file.error.message });
  }

  const deploy: DeployFacts = { ...found, envFiles, workflows: files('workflow') };
  const facts: ProjectFacts = { python: analysed.files, templates: analysed.templates, deploy };
  const notes: string[] = [];
  if (!analysed.files.some((f) => f.facts.some((x) => x.kind === 'flask-app' || (x.kind === 'class' && ((x.bases as string[]) ?? []).some((b) => b.split('.').pop() === 'Flask'))))) {
    notes.push('No Flask(...) application was found: is this a Flask project?');
  }
  if (analysed.jinja === null && templateFiles.length > 0) {
    notes.push('jinja2 is not importable by the Python used, so templates were checked with the fallback scanner.');
  }
  const left = [excluded.tests ? plural(excluded.tests, 'test file') : '', excluded.vendored ? plural(excluded.vendored, 'vendored or minified asset') : ''];
  if (left.some(Boolean)) notes.push(`Left out of every rule: ${left.filter(Boolean).join(' and ')}.`);
  return {
    facts,
    analysis: {
      filesSeen: walked.files.length,
      pythonFiles: pythonFiles.length,
      templateFiles: templateFiles.length,
      deployFiles: deployCount,
      python: analysed.python,
      templateParser: analysed.jinja ? `jinja2 ${analysed.jinja}` : 'fallback',
      errors,
      skipped,
      notes,
      excluded,
    },
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

type ReadText = (file: string) => Promise<string | null>;

/**
 * Size-checked, binary-checked reads; what cannot be read is listed in `skipped`. Synchronous
 * calls: the reads run one after another anyway, and a sync lstat costs a fraction of a
 * promise-based one (a thousand files' checks went from about 0.1 s to a few ms).
 */
function fileReader(root: string, maxBytes: number, skipped: Skipped[]) {
  const readable = (file: string): boolean => {
    try {
      const stat = lstatSync(path.join(root, file));
      if (stat.size > maxBytes) {
        skipped.push({ file, reason: `larger than ${maxBytes} bytes (not analysed)` });
        return false;
      }
      return true;
    } catch (error) {
      skipped.push({ file, reason: `unreadable (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
      return false;
    }
  };
  const filterReadable = (list: string[]) => list.filter(readable);
  const cache = new Map<string, string | null>();
  const readText: ReadText = async (file) => {
    if (cache.has(file)) return cache.get(file)!;
    let text: string | null = null;
    if (readable(file)) {
      try {
        const buffer = readFileSync(path.join(root, file));
        if (buffer.subarray(0, 8192).includes(0)) skipped.push({ file, reason: 'binary (not analysed)' });
        else text = buffer.toString('utf8');
      } catch (error) {
        skipped.push({ file, reason: `unreadable (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
      }
    }
    cache.set(file, text);
    return text;
  };
  return { filterReadable, readText };
}

/**
 * The shell scripts start commands run are start commands too: `CMD ["./entrypoint.sh"]`, or an
 * ENTRYPOINT naming a `#!/bin/sh` script without extension (`docker-entrypoint`), matched by file
 * name anywhere in the tree. A script an ENTRYPOINT runs gets the CMD's first word as its
 * selector, so a `case "$1" in server)` branch can be told from a `dev)` one.
 */
async function scriptCommands(commands: readonly CommandFact[], tree: readonly string[], readText: ReadText): Promise<CommandFact[]> {
  const byName = new Map<string, string[]>();
  for (const file of tree) {
    if (isExcluded(file)) continue;
    const base = file.split('/').pop()!;
    if (!/\.sh$/.test(base) && base.includes('.')) continue;
    const list = byName.get(base) ?? [];
    list.push(file);
    byName.set(base, list);
  }
  const out: CommandFact[] = [];
  const seen = new Set<string>();
  const queue = [...commands];
  while (queue.length > 0) {
    const command = queue.shift()!;
    const cmd = command.source === 'dockerfile:entrypoint'
      ? commands.find((c) => c.file === command.file && c.source === 'dockerfile:cmd')
      : undefined;
    for (const word of command.command.split(/\s+/)) {
      const base = word.replace(/^["']|["']$/g, '').split('/').pop()!;
      for (const script of byName.get(base) ?? []) {
        if (seen.has(script)) continue;
        const text = await readText(script);
        if (text === null || (!script.endsWith('.sh') && !isShellScript(text))) continue;
        seen.add(script);
        const found = parseShellCommands(script, text, `script:${command.file}`);
        const selector = cmd?.command.split(/\s+/)[0];
        for (const f of found) if (selector !== undefined) f.selector = selector;
        out.push(...found);
        queue.push(...found);
      }
    }
  }
  return out;
}

/** Whether each env file is tracked by git or at least ignored. */
async function envFileStatus(root: string, envFiles: string[], gitignores: string[], readText: ReadText): Promise<EnvFileInfo[]> {
  if (envFiles.length === 0) return [];
  const tracking = readGitTracking(root);
  const ignoreLevels = await ignoreLevelsFor(root, gitignores, tracking, readText);
  const out: EnvFileInfo[] = [];
  for (const file of envFiles) {
    if ((await readText(file)) === null) continue;
    out.push({
      file,
      tracked: tracking ? tracking.isTracked(file) : null,
      ignored: isIgnoredByLevels(path.join(root, file), ignoreLevels),
      example: isExampleEnv(file),
    });
  }
  return out;
}

interface IgnoreLevel {
  dir: string;
  rules: IgnoreRule[];
}

/**
 * The ignore rules that apply inside the tree, outermost first: the repository's info/exclude,
 * the .gitignore files of the folders above the audited one (up to the repository's top), then
 * the .gitignore files inside the tree.
 */
async function ignoreLevelsFor(
  root: string,
  inTree: string[],
  tracking: GitTracking | null,
  readText: ReadText,
): Promise<IgnoreLevel[]> {
  const levels: IgnoreLevel[] = [];
  const readOutside = async (file: string) => {
    try {
      return await fs.readFile(file, 'utf8');
    } catch {
      return null;
    }
  };
  if (tracking) {
    const exclude = await readOutside(path.join(tracking.gitDir, 'info', 'exclude'));
    if (exclude !== null) levels.push({ dir: tracking.top, rules: parseGitignore(exclude) });
    const above: string[] = [];
    for (let dir = path.dirname(root); dir.startsWith(tracking.top) && dir !== root; dir = path.dirname(dir)) {
      above.unshift(dir);
      if (dir === tracking.top) break;
    }
    for (const dir of above) {
      const text = await readOutside(path.join(dir, '.gitignore'));
      if (text !== null) levels.push({ dir, rules: parseGitignore(text) });
    }
  }
  const sorted = [...inTree].sort((a, b) => a.split('/').length - b.split('/').length);
  for (const file of sorted) {
    const text = await readText(file);
    if (text !== null) levels.push({ dir: path.join(root, path.dirname(file)), rules: parseGitignore(text) });
  }
  return levels;
}

function isIgnoredByLevels(absolute: string, levels: readonly IgnoreLevel[]): boolean {
  let ignored = false;
  for (const level of levels) {
    if (!absolute.startsWith(level.dir + path.sep)) continue;
    const relative = path.relative(level.dir, absolute).split(path.sep).join('/');
    const decision = matchIgnore(relative, level.rules);
    if (decision !== undefined) ignored = decision;
  }
  return ignored;
}

async function resolveRoot(dir: string): Promise<string> {
  const absolute = path.resolve(dir);
  let stat;
  try {
    stat = await fs.stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AuditInputError(`${dir} does not exist`);
    throw new AuditInputError(`${dir} cannot be read (${code ?? 'error'}): run the audit as a user who can read it`);
  }
  if (!stat.isDirectory()) throw new AuditInputError(`${dir} is not a folder`);
  // A report on a folder the audit cannot list, or on an empty one, would grade what it never saw.
  let entries: string[];
  try {
    entries = await fs.readdir(absolute);
  } catch (error) {
    throw new AuditInputError(`${dir} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): run the audit as a user who can read it`);
  }
  if (entries.length === 0) throw new AuditInputError(`${dir} is empty: there is no project to audit`);
  return fs.realpath(absolute);
}

let cachedVersion: string | undefined;

/** This package's version, from the package.json above this module (source or dist). */
export function toolVersion(): string {
  if (cachedVersion) return cachedVersion;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'generator-hardened-flask' && pkg.version) return (cachedVersion = pkg.version);
    } catch {
      // keep looking upwards
    }
    dir = path.dirname(dir);
  }
  return (cachedVersion = '0.0.0');
}
