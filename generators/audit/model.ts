// The audit's data: the facts gathered from a project tree and the report built from them.
// The report's JSON form is a public, versioned schema (see README.md beside this file):
// add fields freely, but rename or remove one only with a new SCHEMA_VERSION.

export const SCHEMA_VERSION = 1;

export type Status = 'implemented' | 'partial' | 'missing';
export type Severity = 'critical' | 'high' | 'medium' | 'low';
export type ProtectionId = 'debug' | 'wsgi-server' | 'secret-key' | 'csrf' | 'templating' | 'headers';

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];
export const STATUSES: readonly Status[] = ['implemented', 'partial', 'missing'];

/** A place in the audited tree: a path relative to the audited folder (always `/`) and a 1-based line. */
export interface Location {
  file: string;
  line: number;
}

export interface Threat {
  name: string;
  severity: Severity;
}

/** Something the project does that mitigates the threat, with where it does it. */
export interface Control {
  description: string;
  evidence: Location[];
}

/** Something missing or wrong: a rule broken at some places, or a requirement not met at all. */
export interface Gap {
  rule: string;
  severity: Severity;
  description: string;
  fix: string;
  /** Empty when the gap is an absence (nothing in the tree to point at). */
  locations: Location[];
}

export interface ProtectionReport {
  id: ProtectionId;
  number: number;
  title: string;
  status: Status;
  mitigationStrategy: string;
  threats: Threat[];
  impact: string;
  currentlyImplemented: Control[];
  missingImplementation: Gap[];
}

export interface Diagnostic {
  file: string;
  line: number;
  message: string;
}

export interface Skipped {
  file: string;
  reason: string;
}

export interface AnalysisInfo {
  filesSeen: number;
  pythonFiles: number;
  templateFiles: number;
  deployFiles: number;
  python: string | null;
  templateParser: string;
  /** Files that could not be analysed (syntax errors, unknown template tags): analysis went on. */
  errors: Diagnostic[];
  skipped: Skipped[];
  /** Remarks on the whole analysis, e.g. that no Flask application was found. */
  notes: string[];
  /**
   * Files left out of every rule (schemaVersion 1, added in 0.2.0): test code and vendored or
   * minified assets, counted by reason. Absent in reports of older versions.
   */
  excluded?: { tests: number; vendored: number };
}

export interface AuditReport {
  schemaVersion: number;
  tool: { name: string; version: string };
  root: string;
  summary: { implemented: number; partial: number; missing: number; total: number };
  protections: ProtectionReport[];
  analysis: AnalysisInfo;
  /** Present when a preset's policy was in force (`--policy`, or the preset the project records). */
  policy?: import('./policy.js').PolicySection;
}

// ------------------------------------------------------------------------------------------
// Facts: what the Python helper and the deploy-file parsers report. Each fact has a `kind`, the
// file it was found in and a line; the rules in rules.ts turn them into the report.

/** A summary of a Python expression (see python/analyse.py `val`). */
export type Val =
  | { t: 'const'; v: string | number | boolean | null; bytes?: boolean }
  | { t: 'fstring' }
  | { t: 'concat' }
  | { t: 'dict'; items: Record<string, Val | null> }
  | { t: 'list'; items: (Val | null)[] }
  | { t: 'name'; name: string; value?: Val | null }
  | { t: 'attr'; name: string }
  | { t: 'subscript'; base: Val | null; key: Val | null }
  | { t: 'or' | 'and'; items: (Val | null)[] }
  | { t: 'call'; func: string; args?: (Val | null)[] }
  | { t: 'env'; name: string; required: boolean; via: string; fallback?: Val | null }
  | { t: 'expr' };

/** One fact from a Python file; fields beyond these depend on `kind`. */
export interface PyFact {
  kind: string;
  line: number;
  function?: string;
  cls?: string;
  moduleLevel?: boolean;
  mainGuard?: boolean;
  devGuard?: boolean;
  [field: string]: unknown;
}

export interface PyFile {
  path: string;
  facts: PyFact[];
  imports?: string[];
  error?: { line: number; message: string };
  skipped?: string;
}

export interface TemplateFact {
  /** script: a <script src>; extends: the layout; csrf-meta: <meta name="csrf-token">; body: where <body> opens. */
  kind: 'safe-filter' | 'autoescape-off' | 'csrf-token' | 'markup-call' | 'form' | 'script' | 'extends' | 'csrf-meta' | 'body';
  line: number;
  /** script: the static path it loads ('notes.js', 'js/app.js'), null when not known. */
  src?: string | null;
  /** extends: the layout's name as written. */
  template?: string;
  literal?: boolean;
  block?: boolean;
  allowed?: boolean;
  dynamic?: boolean;
  token?: boolean | null;
  /** A form without a known token: its field names and helper calls (for custom token schemes). */
  fields?: string[];
  via?: string;
}

export interface TemplateFile {
  path: string;
  facts: TemplateFact[];
  parser?: 'jinja2' | 'fallback';
  html?: boolean;
  error?: { line: number; message: string };
  skipped?: string;
}

export interface PythonResult {
  protocol: number;
  python: string;
  jinja: string | null;
  files: PyFile[];
  templates: TemplateFile[];
}

/** A command that starts the application in some deploy file. */
export interface CommandFact {
  file: string;
  line: number;
  /** Procfile, Dockerfile, compose, systemd, app.yaml/render.yaml, or a script a Dockerfile runs. */
  source: string;
  command: string;
  /** In a script: the `case` pattern the command sits under (`server`, `dev|debug`, `*`). */
  branch?: string;
  /** For a script a Dockerfile's ENTRYPOINT runs: the first word of the CMD it is given. */
  selector?: string;
}

export interface EnvFact {
  file: string;
  line: number;
  source: 'dockerfile' | 'compose' | 'systemd' | 'procfile' | 'envfile' | 'workflow' | 'yaml' | 'gunicorn';
  name: string;
  value: string;
}

export interface DependencyFact {
  file: string;
  line: number;
  name: string;
  /** `main`, or the optional/dev group it belongs to (e.g. `optional:dev`, `dev`). */
  group: string;
  /** The version specifier as written (`==1.1.4`, `>=2,<3`), when there is one. */
  spec?: string;
}

/** A Dockerfile COPY/ADD from the build context. */
export interface DockerCopyFact {
  file: string;
  line: number;
  stage: string;
  stageIndex: number;
  /** Whether this is the image's last stage (the one that runs). */
  finalStage?: boolean;
  sources: string[];
  dest: string;
}

/** The CSP directives of a header policy file (security-headers.json). */
export interface HeaderPolicyFact {
  file: string;
  line: number;
  directives: Record<string, string>;
}

/** A secret key set in a YAML/TOML/INI/JSON configuration file, value as written. */
export interface ConfigDataFact {
  file: string;
  line: number;
  name: string;
  value: string;
}

export interface NginxFact {
  file: string;
  line: number;
  directive: string;
  args: string[];
  /** Enclosing block names, outermost first, e.g. ["server", "location"]. */
  context: string[];
}

export interface EnvFileInfo {
  file: string;
  /** true: in the git index; false: not in it; null: no git repository found. */
  tracked: boolean | null;
  /** Whether the root .gitignore ignores it (used when there is no repository). */
  ignored: boolean;
  example: boolean;
}

export interface JsFact {
  file: string;
  line: number;
  /** A state-changing fetch/XHR call; `token` says whether the file sends a CSRF header. */
  token: boolean;
  /** How it sends (fetch, XMLHttpRequest, jQuery, axios), and whether to a literal absolute URL. */
  via?: JsVia;
  absolute?: boolean;
}

export type JsVia = 'fetch' | 'xhr' | 'jquery' | 'axios';

/**
 * A script that adds the CSRF header, read from <meta name="csrf-token">, to the requests of
 * every other script on the page (by wrapping window.fetch / XMLHttpRequest, or $.ajaxSetup).
 */
export interface JsTokenInstaller {
  file: string;
  line: number;
  covers: JsVia[];
  /** The header it sets, as written (X-CSRFToken). */
  header: string;
}

export interface AllowEntry {
  file: string;
  line: number;
  template: string;
  rule: string;
  reason: string;
}

export interface DeployFacts {
  commands: CommandFact[];
  env: EnvFact[];
  dependencies: DependencyFact[];
  nginx: NginxFact[];
  envFiles: EnvFileInfo[];
  js: JsFact[];
  templateAllowList: AllowEntry[];
  /** Files that are CI workflows (for evidence only). */
  workflows: string[];
  // Added in 0.2.0 (optional so that hand-built facts from older callers stay valid):
  dockerCopies?: DockerCopyFact[];
  /** Each .dockerignore, and whether it keeps .env files out of the image. */
  dockerignores?: { file: string; excludesEnv: boolean }[];
  configData?: ConfigDataFact[];
  headerPolicies?: HeaderPolicyFact[];
  jsInstallers?: JsTokenInstaller[];
}

export interface ProjectFacts {
  python: PyFile[];
  templates: TemplateFile[];
  deploy: DeployFacts;
}
