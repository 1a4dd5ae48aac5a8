// One reader per file kind, behind one table. A reader takes a file's path and text and returns
// facts (see model.ts for their types); it does no I/O and decides nothing, so the audit's rules
// and the retrofit command can both build on the same facts. Python files and templates are read
// in one batch by the Python helper (python.ts); every other kind is read here.
import {
  dockerignoreExcludesEnv,
  looksLikeNginx,
  parseComposeLike,
  parseConfigData,
  parseDockerfile,
  parseEnvFile,
  parseHeaderPolicy,
  parseNginx,
  parsePipfile,
  parseProcfile,
  parsePyproject,
  parseRequirements,
  parseSetupCfg,
  parseSystemd,
  parseTemplateAllowList,
  parseWorkflow,
  scanJs,
  scanJsInstaller,
  type FileKind,
} from './deploy.js';
import type {
  AllowEntry,
  CommandFact,
  ConfigDataFact,
  DependencyFact,
  DockerCopyFact,
  EnvFact,
  HeaderPolicyFact,
  JsFact,
  JsTokenInstaller,
  NginxFact,
} from './model.js';

/** What a reader found in one file; every list is optional. */
export interface FileFacts {
  commands?: CommandFact[];
  env?: EnvFact[];
  dependencies?: DependencyFact[];
  nginx?: NginxFact[];
  js?: JsFact[];
  templateAllowList?: AllowEntry[];
  dockerCopies?: DockerCopyFact[];
  dockerignores?: { file: string; excludesEnv: boolean }[];
  configData?: ConfigDataFact[];
  headerPolicies?: HeaderPolicyFact[];
  jsInstallers?: JsTokenInstaller[];
}

export type Reader = (file: string, text: string) => FileFacts;

/**
 * The readers, by file kind (deploy.ts `classify` names the kind from the path). Kinds absent
 * here are read elsewhere: `python` and `template` by the Python helper, `gitignore` with the
 * repository's ignore levels, `shell` only when a start command runs the script.
 */
export const READERS: Readonly<Partial<Record<FileKind, Reader>>> = {
  procfile: (file, text) => parseProcfile(file, text),
  dockerfile: (file, text) => parseDockerfile(file, text),
  compose: (file, text) => parseComposeLike(file, text, 'compose'),
  'platform-yaml': (file, text) => parseComposeLike(file, text, 'yaml'),
  systemd: (file, text) => parseSystemd(file, text),
  nginx: (file, text) => ({ nginx: parseNginx(file, text) }),
  conf: (file, text) => (looksLikeNginx(text) ? { nginx: parseNginx(file, text) } : {}),
  uwsgi: (file) => ({ commands: [{ file, line: 1, source: 'uwsgi.ini', command: `uwsgi --ini ${file}` }] }),
  requirements: (file, text) => ({ dependencies: parseRequirements(file, text) }),
  pyproject: (file, text) => ({ dependencies: parsePyproject(file, text) }),
  pipfile: (file, text) => ({ dependencies: parsePipfile(file, text) }),
  'setup-cfg': (file, text) => ({ dependencies: parseSetupCfg(file, text) }),
  workflow: (file, text) => ({ env: parseWorkflow(file, text) }),
  'template-allowlist': (file, text) => ({ templateAllowList: parseTemplateAllowList(file, text) }),
  js: (file, text) => ({ js: scanJs(file, text), jsInstallers: scanJsInstaller(file, text) }),
  env: (file, text) => ({ env: parseEnvFile(file, text) }),
  dockerignore: (file, text) => ({ dockerignores: [{ file, excludesEnv: dockerignoreExcludesEnv(text) }] }),
  'config-data': (file, text) => ({ configData: parseConfigData(file, text) }),
  'header-policy': (file, text) => ({ headerPolicies: parseHeaderPolicy(file, text) }),
};

/**
 * The batch reader of the two kinds that need Python itself: `python` files (parsed with `ast`)
 * and `template`s (parsed with jinja2, or the documented fallback), in one helper process (split
 * across cores only for very large trees; `startAnalyser` starts it ahead of the request). Returns a `PythonResult` (model.ts): `PyFile`s with `PyFact`s, `TemplateFile`s with
 * `TemplateFact`s. `gatherFacts` (audit.ts) calls it; so can the retrofit.
 */
export { runAnalyser as readPythonAndTemplates } from './python.js';

/** Kinds whose files count as deploy files in `analysis.deployFiles`. */
export const DEPLOY_KINDS: ReadonlySet<FileKind> = new Set<FileKind>([
  'procfile', 'dockerfile', 'compose', 'platform-yaml', 'systemd', 'nginx', 'uwsgi', 'requirements', 'pyproject',
  'pipfile', 'setup-cfg', 'workflow', 'template-allowlist', 'env',
]);

/** Reads one file with the reader of its kind (empty facts for a kind without a reader). */
export function readFile(kind: FileKind, file: string, text: string): FileFacts {
  return READERS[kind]?.(file, text) ?? {};
}

/** Appends one file's facts to the project's. */
export function mergeFacts(into: Required<FileFacts>, facts: FileFacts): void {
  for (const key of Object.keys(facts) as (keyof FileFacts)[]) {
    const list = facts[key];
    if (list && list.length > 0) (into[key] as unknown[]).push(...list);
  }
}

export function emptyFacts(): Required<FileFacts> {
  return { commands: [], env: [], dependencies: [], nginx: [], js: [], templateAllowList: [], dockerCopies: [], dockerignores: [], configData: [], headerPolicies: [], jsInstallers: [] };
}
