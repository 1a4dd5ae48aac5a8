// The audit's I/O: walk the tree, read the files that matter, run the Python analyser, and hand
// the facts to the pure rules. Nothing here writes, and nothing from the project is executed.
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  classify,
  isExampleEnv,
  looksLikeNginx,
  matchIgnore,
  parseComposeLike,
  parseDockerfile,
  parseEnvFile,
  parseGitignore,
  parseNginx,
  parsePipfile,
  parseProcfile,
  parsePyproject,
  parseRequirements,
  parseSetupCfg,
  parseShellCommands,
  parseSystemd,
  parseTemplateAllowList,
  parseWorkflow,
  scanJs,
  type FileKind,
  type IgnoreRule,
} from './deploy.js';
import { readGitTracking, type GitTracking } from './gitindex.js';
import type { AuditReport, DeployFacts, Diagnostic, ProjectFacts, PythonResult, Skipped } from './model.js';
import { runAnalyser } from './python.js';
import { buildReport } from './report.js';
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
}

export async function auditProject(dir: string, options: AuditOptions = {}): Promise<AuditReport> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const root = await resolveRoot(dir);
  const walked = await walkTree(root);
  const skipped: Skipped[] = [...walked.skipped];
  const errors: Diagnostic[] = [];

  const byKind = new Map<FileKind, string[]>();
  for (const file of walked.files) {
    const kind = classify(file);
    if (!kind) continue;
    const list = byKind.get(kind) ?? [];
    list.push(file);
    byKind.set(kind, list);
  }
  const files = (kind: FileKind) => byKind.get(kind) ?? [];

  // Size check for everything that will be read
  const readable = async (file: string): Promise<boolean> => {
    try {
      const stat = await fs.lstat(path.join(root, file));
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
  const filterReadable = async (list: string[]) => {
    const out: string[] = [];
    for (const file of list) if (await readable(file)) out.push(file);
    return out;
  };

  const pythonFiles = await filterReadable(files('python'));
  const templateFiles = await filterReadable(files('template'));
  const analysed: PythonResult = await runAnalyser({ root, python: pythonFiles, templates: templateFiles, maxBytes }, options.env);

  for (const file of [...analysed.files, ...analysed.templates]) {
    if (file.skipped) skipped.push({ file: file.path, reason: `${file.skipped} (not analysed)` });
    if (file.error) errors.push({ file: file.path, line: file.error.line, message: file.error.message });
  }

  // Deploy, dependency and environment files
  const readText = async (file: string): Promise<string | null> => {
    if (!(await readable(file))) return null;
    try {
      const buffer = await fs.readFile(path.join(root, file));
      if (buffer.subarray(0, 8192).includes(0)) {
        skipped.push({ file, reason: 'binary (not analysed)' });
        return null;
      }
      return buffer.toString('utf8');
    } catch (error) {
      skipped.push({ file, reason: `unreadable (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
      return null;
    }
  };

  const deploy: DeployFacts = {
    commands: [],
    env: [],
    dependencies: [],
    nginx: [],
    envFiles: [],
    js: [],
    templateAllowList: [],
    workflows: files('workflow'),
  };
  let deployCount = 0;
  const each = async (kind: FileKind, handle: (file: string, text: string) => void) => {
    for (const file of files(kind)) {
      const text = await readText(file);
      if (text === null) continue;
      deployCount++;
      handle(file, text);
    }
  };
  await each('procfile', (file, text) => {
    const r = parseProcfile(file, text);
    deploy.commands.push(...r.commands);
    deploy.env.push(...r.env);
  });
  await each('dockerfile', (file, text) => {
    const r = parseDockerfile(file, text);
    deploy.commands.push(...r.commands);
    deploy.env.push(...r.env);
    deploy.dependencies.push(...r.dependencies);
  });
  await each('compose', (file, text) => {
    const r = parseComposeLike(file, text, 'compose');
    deploy.commands.push(...r.commands);
    deploy.env.push(...r.env);
  });
  await each('platform-yaml', (file, text) => {
    const r = parseComposeLike(file, text, 'yaml');
    deploy.commands.push(...r.commands);
    deploy.env.push(...r.env);
  });
  await each('systemd', (file, text) => {
    const r = parseSystemd(file, text);
    deploy.commands.push(...r.commands);
    deploy.env.push(...r.env);
  });
  await each('nginx', (file, text) => deploy.nginx.push(...parseNginx(file, text)));
  for (const file of files('conf')) {
    const text = await readText(file);
    if (text !== null && looksLikeNginx(text)) {
      deployCount++;
      deploy.nginx.push(...parseNginx(file, text));
    }
  }
  await each('uwsgi', (file) => deploy.commands.push({ file, line: 1, source: 'uwsgi.ini', command: `uwsgi --ini ${file}` }));
  await each('requirements', (file, text) => deploy.dependencies.push(...parseRequirements(file, text)));
  await each('pyproject', (file, text) => deploy.dependencies.push(...parsePyproject(file, text)));
  await each('pipfile', (file, text) => deploy.dependencies.push(...parsePipfile(file, text)));
  await each('setup-cfg', (file, text) => deploy.dependencies.push(...parseSetupCfg(file, text)));
  await each('workflow', (file, text) => deploy.env.push(...parseWorkflow(file, text)));
  await each('template-allowlist', (file, text) => deploy.templateAllowList.push(...parseTemplateAllowList(file, text)));
  for (const file of files('js')) {
    const text = await readText(file);
    if (text !== null) deploy.js.push(...scanJs(file, text));
  }

  // Shell scripts that a start command runs (e.g. CMD ["./entrypoint.sh"]) are start commands too.
  const scripts = files('shell');
  const seen = new Set<string>();
  for (const command of [...deploy.commands]) {
    for (const m of command.command.matchAll(/(?:^|[\s/"'])([\w.-]+\.sh)\b/g)) {
      for (const script of scripts.filter((s) => s.split('/').pop() === m[1] && !seen.has(s))) {
        seen.add(script);
        const text = await readText(script);
        if (text !== null) deploy.commands.push(...parseShellCommands(script, text, `script:${command.file}`));
      }
    }
  }

  // Environment files: are they tracked by git, or at least ignored?
  const envFiles = files('env');
  const tracking = envFiles.length > 0 ? readGitTracking(root) : null;
  const ignoreLevels = envFiles.length > 0 ? await ignoreLevelsFor(root, files('gitignore'), tracking, readText) : [];
  for (const file of envFiles) {
    const text = await readText(file);
    if (text === null) continue;
    deployCount++;
    deploy.env.push(...parseEnvFile(file, text));
    deploy.envFiles.push({
      file,
      tracked: tracking ? tracking.isTracked(file) : null,
      ignored: isIgnoredByLevels(path.join(root, file), ignoreLevels),
      example: isExampleEnv(file),
    });
  }

  const facts: ProjectFacts = { python: analysed.files, templates: analysed.templates, deploy };
  options.onFacts?.(facts);
  const notes: string[] = [];
  if (!analysed.files.some((f) => f.facts.some((x) => x.kind === 'flask-app'))) {
    notes.push('No Flask(...) application was found: is this a Flask project?');
  }
  if (analysed.jinja === null && templateFiles.length > 0) {
    notes.push('jinja2 is not importable by the Python used, so templates were checked with the fallback scanner.');
  }
  return buildReport({
    root,
    version: toolVersion(),
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
    },
  });
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
  readText: (file: string) => Promise<string | null>,
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
