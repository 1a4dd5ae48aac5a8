// The audit's judgement: facts in, one report per protection out. Pure functions only, so each
// decision can be unit-tested with hand-written facts.
import { PROTECTIONS, ruleInfo } from './catalog.js';
import { branchMatches } from './deploy.js';
import { isExcluded } from './scope.js';
import type {
  CommandFact,
  Control,
  EnvFact,
  Gap,
  JsFact,
  JsTokenInstaller,
  Location,
  ProjectFacts,
  ProtectionId,
  ProtectionReport,
  PyFact,
  Severity,
  Status,
  TemplateFact,
  Val,
} from './model.js';

// ---------------------------------------------------------------------------------------------
// Status

const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1 };

/**
 * The status rule, the same for every protection:
 * - a critical gap means the protection is defeated: `missing`;
 * - no gap of medium severity or more: `implemented` (low gaps are notes);
 * - otherwise `partial` when something is in place, `missing` when nothing is.
 */
export function decideStatus(controls: readonly Control[], gaps: readonly Gap[]): Status {
  if (gaps.some((g) => g.severity === 'critical')) return 'missing';
  if (!gaps.some((g) => RANK[g.severity] >= RANK.medium)) return 'implemented';
  return controls.length > 0 ? 'partial' : 'missing';
}

export function highestSeverity(gaps: readonly Gap[]): Severity | null {
  let best: Severity | null = null;
  for (const g of gaps) if (best === null || RANK[g.severity] > RANK[best]) best = g.severity;
  return best;
}

function impactText(status: Status, gaps: readonly Gap[], whenDone: string): string {
  if (status === 'implemented') return whenDone;
  const open = gaps.filter((g) => RANK[g.severity] >= RANK.medium).length;
  const worst = highestSeverity(gaps) ?? 'medium';
  if (status === 'partial') {
    return `Partly mitigated: ${open} gap(s) remain, the worst ${worst}. Once closed: ${lowerFirst(whenDone)}`;
  }
  return `Not mitigated: the threats above are open (worst gap: ${worst}). Once implemented: ${lowerFirst(whenDone)}`;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

// ---------------------------------------------------------------------------------------------
// Small helpers over facts and values

type Fact = PyFact & { file: string };

const loc = (file: string, line: number): Location => ({ file, line });

function uniqueLocations(locations: Location[]): Location[] {
  const seen = new Set<string>();
  const out: Location[] = [];
  for (const l of locations) {
    const key = `${l.file}:${l.line}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(l);
    }
  }
  return out.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}

/** The literal a value resolves to (through one module-level name), or undefined. */
export function constOf(v: Val | null | undefined): string | number | boolean | null | undefined {
  if (!v) return undefined;
  if (v.t === 'const') return v.v;
  if (v.t === 'name' && v.value) return constOf(v.value);
  return undefined;
}

export function isTruthy(v: Val | null | undefined): boolean {
  const c = constOf(v);
  if (typeof c === 'boolean') return c;
  if (typeof c === 'number') return c !== 0;
  if (typeof c === 'string') return /^(1|true|yes|on|y|t)$/i.test(c.trim());
  return false;
}

export function isFalsy(v: Val | null | undefined): boolean {
  const c = constOf(v);
  if (c === null || c === false || c === 0) return true;
  if (typeof c === 'string') return /^(0|false|no|off|n|f|)$/i.test(c.trim());
  return false;
}

/** A literal, non-empty string or bytes value. */
function literalText(v: Val | null | undefined): string | undefined {
  const c = constOf(v);
  return typeof c === 'string' && c.length > 0 ? c : undefined;
}

export type Role = 'prod' | 'dev' | 'test';

/** Whether a file is test code, development-only code, or code that may run in production. */
export function fileRole(file: string): Role {
  const segments = file.split('/');
  const base = segments[segments.length - 1]!.replace(/\.[^.]+$/, '');
  const dirs = segments.slice(0, -1);
  if (dirs.some((d) => /^(tests?|testing|spec)$/i.test(d)) || /^(test_.*|.*_test|conftest|tests?)$/i.test(base)) return 'test';
  if (/(^|[_.-])(dev|develop|development|local|debug)([_.-]|$)/i.test(base)) return 'dev';
  return 'prod';
}

/** A deploy file named for development (docker-compose.dev.yml, Dockerfile.local, compose.override.yaml). */
export function deployRole(file: string): Role {
  const base = file.split('/').pop()!;
  return /(^|[._-])(dev|develop|development|local|test|testing|ci|override|debug)([._-]|$)/i.test(base) && !/^\.env$/.test(base) ? 'dev' : 'prod';
}

/** A configuration class's role, from its name. */
export function classRole(name: string): Role | 'base' {
  if (/test/i.test(name)) return 'test';
  if (/(dev|local|debug)/i.test(name)) return 'dev';
  if (/(prod|live|release|deploy|staging|stage)/i.test(name)) return 'prod';
  return 'base';
}

interface ClassInfo {
  name: string;
  file: string;
  line: number;
  bases: string[];
  keys: Map<string, Fact>;
}

class Classes {
  readonly byName = new Map<string, ClassInfo[]>();
  readonly all: ClassInfo[] = [];

  constructor(facts: readonly Fact[]) {
    for (const f of facts) {
      if (f.kind !== 'class') continue;
      const bases = ((f.bases as string[]) ?? []).map((b) => b.replace(/\(\)$/, '').split('.').pop()!);
      const info: ClassInfo = { name: f.name as string, file: f.file, line: f.line, bases, keys: new Map() };
      this.all.push(info);
      const list = this.byName.get(info.name) ?? [];
      list.push(info);
      this.byName.set(info.name, list);
    }
    for (const f of facts) {
      if (f.kind === 'config-set' && f.where === 'class' && f.cls) {
        const owner = this.byName.get(f.cls)?.find((c) => c.file === f.file);
        if (owner) owner.keys.set(f.key as string, f);
      }
    }
  }

  /**
   * Classes that configure Flask: they set a known key, or are named *Config and build on (or are
   * built on by) one that does. A model named OrganizationSettings sets no Flask key: not cited.
   */
  get configClasses(): ClassInfo[] {
    const keyed = this.all.filter((c) => c.keys.size > 0);
    return this.all.filter(
      (c) =>
        c.keys.size > 0 ||
        (/config$/i.test(c.name) && keyed.some((k) => this.inheritsFrom(c, k.name) || this.inheritsFrom(k, c.name))),
    );
  }

  /** Whether `cls` has `ancestor` among its bases, directly or further up. */
  inheritsFrom(cls: ClassInfo, ancestor: string, seen = new Set<ClassInfo>()): boolean {
    if (seen.has(cls)) return false;
    seen.add(cls);
    return cls.bases.some((base) => base === ancestor || (this.byName.get(base) ?? []).some((b) => this.inheritsFrom(b, ancestor, seen)));
  }

  /** The assignment of `key` a class gets, its own or the nearest base's. */
  effective(cls: ClassInfo, key: string, seen = new Set<ClassInfo>()): Fact | undefined {
    if (seen.has(cls)) return undefined;
    seen.add(cls);
    const own = cls.keys.get(key);
    if (own) return own;
    for (const base of cls.bases) {
      for (const candidate of this.byName.get(base) ?? []) {
        const found = this.effective(candidate, key, seen);
        if (found) return found;
      }
    }
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Commands in deploy files

export type CommandClass =
  | { kind: 'server'; server: string; reload: boolean; publicBind: boolean }
  | { kind: 'dev-server'; debug: boolean }
  | { kind: 'python-script'; script: string; module: boolean }
  | { kind: 'other' };

const SERVERS = new Set(['gunicorn', 'uwsgi', 'waitress-serve', 'uvicorn', 'hypercorn', 'bjoern', 'mod_wsgi-express', 'granian', 'daphne', 'pyuwsgi']);
const WRAPPERS = new Set(['exec', 'nohup', 'dumb-init', 'tini', '--', 'ddtrace-run', 'opentelemetry-instrument', 'time', 'env']);
const RUNNERS = new Set(['poetry', 'pipenv', 'uv', 'pdm', 'hatch', 'rye']);

function tokenize(command: string): string[] {
  return [...command.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** What each `&&`/`;`-separated part of a start command runs. */
export function classifyCommand(command: string): CommandClass[] {
  return command
    .split(/&&|\|\||;/)
    .map((part) => classifyPart(part.trim(), 0))
    .filter((c) => c.kind !== 'other');
}

function classifyPart(part: string, depth: number): CommandClass {
  let tokens = tokenize(part);
  // Leading VAR=value assignments, wrappers and "poetry run"-style runners
  for (;;) {
    const first = tokens[0];
    if (first === undefined) return { kind: 'other' };
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(first) || WRAPPERS.has(first)) tokens = tokens.slice(1);
    else if ((first === 'su-exec' || first === 'gosu') && tokens.length > 2) tokens = tokens.slice(2);
    else if (first === 'newrelic-admin' && tokens[1] === 'run-program') tokens = tokens.slice(2);
    else if (RUNNERS.has(first) && tokens[1] === 'run') tokens = tokens.slice(2);
    else break;
  }
  const exe = tokens[0]!.split('/').pop()!;
  if ((exe === 'sh' || exe === 'bash' || exe === 'dash') && tokens[1] === '-c' && tokens[2] && depth < 2) {
    const inner = tokens[2].split(/&&|\|\||;/).map((p) => classifyPart(p.trim(), depth + 1));
    return inner.find((c) => c.kind !== 'other') ?? { kind: 'other' };
  }
  let args = tokens.slice(1);
  let program = exe;
  if (/^python(\d(\.\d+)?)?$/.test(exe)) {
    const rest = args.filter((a) => !/^-[uOBEsIS]+$/.test(a));
    if (rest[0] === '-m' && rest[1]) {
      program = rest[1];
      args = rest.slice(2);
      if (!SERVERS.has(program) && program !== 'flask' && program !== 'waitress') {
        return { kind: 'python-script', script: program, module: true };
      }
    } else if (rest[0] && /\.py$/.test(rest[0])) {
      return { kind: 'python-script', script: rest[0].replace(/^\.\//, ''), module: false };
    } else {
      return { kind: 'other' };
    }
  }
  if (program === 'flask') {
    if (args.includes('run')) return { kind: 'dev-server', debug: args.includes('--debug') };
    return { kind: 'other' };
  }
  if (SERVERS.has(program) || program === 'waitress') {
    const text = args.join(' ');
    const reload = /(^|\s)(--reload|--py-autoreload(=\S+)?|--touch-reload)(\s|$)/.test(text);
    const publicBind =
      /(^|\s)(-b|--bind|--host|--http|--http-socket|--listen|--socket)(=|\s+)(0\.0\.0\.0|\[::\]|::|\*|:)/.test(text) ||
      /(^|\s)(-b|--bind|--listen)(=|\s+):\$?\w+/.test(text);
    return { kind: 'server', server: program.replace(/-serve$/, ''), reload, publicBind };
  }
  return { kind: 'other' };
}

// ---------------------------------------------------------------------------------------------
// Content-Security-Policy

export type Csp = Map<string, string[]>;

export function parseCspString(text: string): Csp {
  const csp: Csp = new Map();
  for (const part of text.split(';')) {
    const tokens = part.trim().split(/\s+/).filter(Boolean);
    if (tokens.length > 0) csp.set(tokens[0]!.toLowerCase(), tokens.slice(1));
  }
  return csp;
}

/** A CSP from a Python value: `disabled` (None/False/empty), a policy, or `unknown`. */
export function cspFromVal(v: Val | null | undefined): Csp | 'disabled' | 'unknown' {
  if (!v) return 'unknown';
  if (v.t === 'name') return v.value ? cspFromVal(v.value) : 'unknown';
  if (v.t === 'const') {
    if (v.v === null || v.v === false || v.v === '') return 'disabled';
    return typeof v.v === 'string' ? parseCspString(v.v) : 'unknown';
  }
  if (v.t === 'dict') {
    const csp: Csp = new Map();
    for (const [key, value] of Object.entries(v.items)) {
      const c = constOf(value);
      if (typeof c === 'string') csp.set(key.toLowerCase(), c.split(/\s+/).filter(Boolean));
      else if (value && value.t === 'list') {
        csp.set(key.toLowerCase(), value.items.map((i) => constOf(i)).filter((i): i is string => typeof i === 'string'));
      } else csp.set(key.toLowerCase(), []);
    }
    return csp.size === 0 ? 'disabled' : csp;
  }
  return 'unknown';
}

const UNSAFE_SCRIPT = new Set(["'unsafe-inline'", "'unsafe-eval'", '*', 'http:', 'https:', 'data:', "'unsafe-hashes'"]);

/** Problems of a policy: unsafe script sources (high), inline styles (low). */
export function cspProblems(csp: Csp): { rule: string; severity: Severity; detail: string }[] {
  const out: { rule: string; severity: Severity; detail: string }[] = [];
  const scriptDirective = csp.has('script-src') ? 'script-src' : csp.has('default-src') ? 'default-src' : null;
  if (scriptDirective === null) {
    out.push({ rule: 'headers/csp-unsafe', severity: 'high', detail: 'the policy has neither script-src nor default-src, so it restricts no scripts' });
  } else {
    const bad = csp.get(scriptDirective)!.filter((t) => UNSAFE_SCRIPT.has(t.toLowerCase()));
    if (bad.length > 0) {
      out.push({ rule: 'headers/csp-unsafe', severity: 'high', detail: `${scriptDirective} allows ${bad.join(' ')}` });
    }
  }
  const styleDirective = csp.has('style-src') ? 'style-src' : csp.has('default-src') ? 'default-src' : null;
  if (styleDirective && styleDirective !== scriptDirective && csp.get(styleDirective)!.includes("'unsafe-inline'")) {
    out.push({ rule: 'headers/csp-unsafe-style', severity: 'low', detail: `${styleDirective} allows 'unsafe-inline'` });
  } else if (styleDirective === 'style-src' && scriptDirective === 'script-src' && csp.get('style-src')!.includes("'unsafe-inline'")) {
    out.push({ rule: 'headers/csp-unsafe-style', severity: 'low', detail: "style-src allows 'unsafe-inline'" });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The evaluation context shared by the six protections

class Context {
  readonly py: Fact[];
  readonly classes: Classes;
  readonly pyPaths: Set<string>;

  readonly facts: ProjectFacts;

  constructor(all: ProjectFacts) {
    // The one scope predicate (scope.ts): test code and vendored assets are judged by no rule,
    // whoever gathered the facts.
    const own = <T extends { file: string }>(list: readonly T[] | undefined) => (list ?? []).filter((x) => !isExcluded(x.file));
    const d = all.deploy;
    this.facts = {
      python: all.python.filter((f) => !isExcluded(f.path)),
      templates: all.templates.filter((t) => !isExcluded(t.path)),
      deploy: {
        ...d,
        commands: own(d.commands),
        env: own(d.env),
        dependencies: own(d.dependencies),
        nginx: own(d.nginx),
        envFiles: own(d.envFiles),
        js: own(d.js),
        templateAllowList: own(d.templateAllowList),
        dockerCopies: own(d.dockerCopies),
        dockerignores: own(d.dockerignores),
        configData: own(d.configData),
        headerPolicies: own(d.headerPolicies),
      },
    };
    this.py = this.facts.python.flatMap((file) => file.facts.map((f) => ({ ...f, file: file.path })));
    this.classes = new Classes(this.py);
    this.pyPaths = new Set(this.facts.python.map((f) => f.path));
  }

  /** Flask applications: Flask(...), and App(__name__) where `class App(Flask)` is in the project. */
  get apps(): Fact[] {
    const subclasses = new Set(this.kind('class').filter((c) => ((c.bases as string[]) ?? []).some((b) => tail(b) === 'Flask')).map((c) => String(c.name)));
    return [...this.kind('flask-app'), ...this.kind('name-call').filter((f) => subclasses.has(String(f.callee)))];
  }

  /** Facts a recognised control (RECOGNISED_CONTROLS) is made of, for one protection. */
  recognised(id: ProtectionId): { control: RecognisedControl; fact: Fact }[] {
    const out: { control: RecognisedControl; fact: Fact }[] = [];
    for (const control of RECOGNISED_CONTROLS) {
      if (!control.protections.includes(id)) continue;
      for (const fact of this.py) if (fileRole(fact.file) === 'prod' && control.matches(fact)) out.push({ control, fact });
    }
    return out;
  }

  kind(kind: string): Fact[] {
    return this.py.filter((f) => f.kind === kind);
  }

  /**
   * Configuration assignments that configure an app: everywhere except inside test functions,
   * where setting a value is how a test checks a protection (conftest fixtures still count).
   */
  configSets(key: string): Fact[] {
    return this.py.filter(
      (f) =>
        f.kind === 'config-set' &&
        f.key === key &&
        !(fileRole(f.file) === 'test' && f.function !== undefined && !f.file.endsWith('conftest.py')),
    );
  }

  /** Whether a config assignment can take effect in production, and through which class. */
  inProduction(f: Fact): { prod: boolean; via?: string } {
    if (fileRole(f.file) !== 'prod' || f.devGuard) return { prod: false };
    if (f.where !== 'class' || !f.cls) return { prod: true };
    const role = classRole(f.cls);
    if (role === 'dev' || role === 'test') return { prod: false };
    if (role === 'prod') return { prod: true, via: f.cls };
    const prods = this.classes.configClasses.filter((c) => classRole(c.name) === 'prod');
    if (prods.length === 0) return { prod: true };
    for (const p of prods) {
      const setter = this.classes.effective(p, f.key as string);
      if (setter && setter.file === f.file && setter.line === f.line) return { prod: true, via: p.name };
    }
    // A class no other class builds on may be picked directly (e.g. from a mapping): count it.
    const inherited = this.classes.all.some((c) => c.name !== f.cls && this.classes.inheritsFrom(c, f.cls!));
    return { prod: !inherited };
  }

  /** Start commands from production deploy files (shell scripts they call included). */
  get commands(): CommandFact[] {
    return this.facts.deploy.commands.filter(
      (c) => deployRole(c.file) === 'prod' && (c.branch === undefined || c.selector === undefined || branchMatches(c.branch, c.selector)),
    );
  }

  /** The production start commands, classified, with where they are. */
  get starts(): { command: CommandFact; cls: CommandClass }[] {
    return this.commands.flatMap((command) => classifyCommand(command.command).map((cls) => ({ command, cls })));
  }

  /** Whether a production deploy file runs this Python file as a script (python x.py, python -m x). */
  runsAsScript(file: string): CommandFact | undefined {
    for (const { command, cls } of this.starts) {
      if (cls.kind === 'python-script' && this.pyFileFor(cls.script, cls.module) === file) return command;
    }
    return undefined;
  }

  /** The first production WSGI server start found (deploy command, gunicorn.conf.py, waitress.serve). */
  get productionServer(): { what: string; at: Location } | undefined {
    for (const { command, cls } of this.starts) if (cls.kind === 'server') return { what: `${cls.server} (${command.file})`, at: here(command) };
    const conf = this.kind('gunicorn-setting')[0];
    if (conf) return { what: `gunicorn (${conf.file})`, at: here(conf) };
    const serve = this.kind('prod-serve').find((f) => fileRole(f.file) === 'prod');
    return serve ? { what: `${String(serve.server)} (${serve.file})`, at: here(serve) } : undefined;
  }

  /** Variables set by deploy files that production uses (not .flaskenv, not example files). */
  deployEnv(): EnvFact[] {
    const fromGunicorn: EnvFact[] = [];
    for (const f of this.kind('gunicorn-setting')) {
      if (f.name !== 'raw_env') continue;
      const value = f.value as Val | null;
      const items = value && value.t === 'list' ? value.items : [value];
      for (const item of items) {
        const text = constOf(item);
        if (typeof text === 'string' && text.includes('=')) {
          const eq = text.indexOf('=');
          fromGunicorn.push({ file: f.file, line: f.line, source: 'gunicorn', name: text.slice(0, eq), value: text.slice(eq + 1) });
        }
      }
    }
    const envFiles = new Map(this.facts.deploy.envFiles.map((e) => [e.file, e]));
    return [
      ...fromGunicorn,
      ...this.facts.deploy.env.filter((e) => {
        if (e.source === 'workflow' || deployRole(e.file) !== 'prod') return false;
        if (e.source !== 'envfile') return true;
        const info = envFiles.get(e.file);
        const base = e.file.split('/').pop()!;
        if (base === '.flaskenv' || info?.example) return false;
        return /prod|live/i.test(base) || info?.tracked === true;
      }),
    ];
  }

  pyFileFor(script: string, module: boolean): string | undefined {
    const wanted = module ? [`${script.replace(/\./g, '/')}.py`, `${script.replace(/\./g, '/')}/__main__.py`] : [script];
    for (const path of this.pyPaths) {
      if (wanted.some((w) => path === w || path.endsWith(`/${w}`))) return path;
    }
    return undefined;
  }
}

/**
 * A control the audit recognises by a call in the project, e.g. a hardening package's
 * `hardening.init_app(app)`: it provides the listed protections, so their absence gaps (rules in
 * ABSENCE_RULES, reported without a location) are dropped and the call is cited as the control.
 * Add an entry here to teach the audit a new one; `matches` sees every Python fact (model.ts).
 */
export interface RecognisedControl {
  id: string;
  protections: readonly ProtectionId[];
  description: string;
  matches(fact: PyFact): boolean;
}

export const RECOGNISED_CONTROLS: RecognisedControl[] = [];

/** Gaps that only say "nothing provides this": a recognised control answers them. */
export const ABSENCE_RULES: Readonly<Record<ProtectionId, readonly string[]>> = {
  debug: ['debug/no-config-split'],
  'wsgi-server': [],
  'secret-key': ['secret-key/not-from-env', 'secret-key/no-validation', 'secret-key/no-rotation'],
  csrf: ['csrf/no-global-protection'],
  templating: [],
  headers: ['headers/no-headers', 'headers/no-csp', 'headers/no-hsts', 'headers/missing-header'],
};

class Builder {
  readonly controls: Control[] = [];
  readonly gaps: Gap[] = [];

  constructor(private readonly ctx?: Context) {}

  control(description: string, evidence: Location[] = []): void {
    this.controls.push({ description, evidence: uniqueLocations(evidence) });
  }

  gap(ruleId: string, description: string, locations: Location[] = [], severity?: Severity): void {
    const info = ruleInfo(ruleId);
    this.gaps.push({ rule: ruleId, severity: severity ?? info.severity, description, fix: info.fix, locations: uniqueLocations(locations) });
  }

  build(id: ProtectionId): ProtectionReport {
    const info = PROTECTIONS.find((p) => p.id === id)!;
    let gaps = this.gaps;
    const recognised = this.ctx?.recognised(id) ?? [];
    if (recognised.length > 0) {
      for (const r of recognised) this.control(r.control.description, [here(r.fact)]);
      gaps = gaps.filter((g) => !(ABSENCE_RULES[id].includes(g.rule) && g.locations.length === 0));
    }
    gaps = [...gaps].sort((a, b) => RANK[b.severity] - RANK[a.severity]);
    const status = decideStatus(this.controls, gaps);
    return {
      id,
      number: info.number,
      title: info.title,
      status,
      mitigationStrategy: info.mitigationStrategy,
      threats: info.threats,
      impact: impactText(status, gaps, info.impact),
      currentlyImplemented: this.controls,
      missingImplementation: gaps,
    };
  }
}

const here = (f: { file: string; line: number }) => loc(f.file, f.line);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

// ---------------------------------------------------------------------------------------------
// 1. Debug off outside development; configs split

const CONFIG_SELECTORS = /^(APP_ENV|APP_ENVIRONMENT|FLASK_CONFIG|FLASK_CONFIGURATION|FLASK_CONFIG_NAME|CONFIG|CONFIG_NAME|APP_CONFIG|APP_SETTINGS|SETTINGS|ENV|ENVIRONMENT|STAGE|FLASK_ENV)$/;

/** The name a selector falls back to when its variable is unset: "default" in `getenv("X") or "default"`. */
function fallbackName(v: Val | null | undefined, ctx: Context, fn?: string): { key: string; variable: string } | undefined {
  if (!v) return undefined;
  if (v.t === 'env') {
    const c = constOf(v.fallback);
    return typeof c === 'string' ? { key: c, variable: v.name } : undefined;
  }
  if (v.t === 'or') {
    const env = v.items.find((i) => i?.t === 'env') as { name: string } | undefined;
    const c = constOf(v.items[v.items.length - 1]);
    return typeof c === 'string' ? { key: c, variable: env?.name ?? 'the variable' } : undefined;
  }
  if (v.t === 'name' && fn) {
    // a parameter of the factory: what its callers pass (create_app(os.getenv("X") or "default"))
    for (const call of ctx.kind('factory-call')) {
      if (tail(call.callee) !== fn) continue;
      const found = fallbackName(call.arg as Val, ctx);
      if (found) return found;
    }
  }
  return undefined;
}

/** Config loads that pick a class from a dict by a name with a fallback, resolved to the class. */
function defaultSelections(ctx: Context): { load: Fact; map: string; mapAt: Location; key: string; cls: string; variable: string }[] {
  const maps = new Map(ctx.kind('config-map').map((m) => [String(m.name), m]));
  const out: { load: Fact; map: string; mapAt: Location; key: string; cls: string; variable: string }[] = [];
  for (const f of ctx.kind('config-load')) {
    const arg = f.arg as Val | null;
    if (f.method !== 'from_object' || arg?.t !== 'subscript' || fileRole(f.file) !== 'prod') continue;
    const base = arg.base?.t === 'name' || arg.base?.t === 'attr' ? tail(arg.base.name) : '';
    const map = maps.get(base);
    const pick = fallbackName(arg.key, ctx, f.function);
    const target = pick && map ? (map.items as Record<string, string>)[pick.key] : undefined;
    if (!map || !pick || !target) continue;
    out.push({ load: f, map: base, mapAt: here(map), key: pick.key, cls: tail(target), variable: pick.variable });
  }
  return out;
}

function evaluateDebug(ctx: Context): ProtectionReport {
  const b = new Builder(ctx);
  let debugOnInProduction = false;

  // Configuration split
  const configClasses = ctx.classes.configClasses;
  const prodClasses = configClasses.filter((c) => classRole(c.name) === 'prod');
  const devTestClasses = configClasses.filter((c) => classRole(c.name) === 'dev' || classRole(c.name) === 'test');
  const splitFiles = [...ctx.pyPaths].filter((p) => /(^|\/)(config|configs|settings)\//.test(p));
  const prodFiles = splitFiles.filter((p) => /prod/i.test(p.split('/').pop()!));
  const devFiles = splitFiles.filter((p) => fileRole(p) !== 'prod');
  if (prodClasses.length > 0 && devTestClasses.length > 0) {
    b.control(
      `Separate configuration classes: ${[...prodClasses, ...devTestClasses].map((c) => c.name).join(', ')}`,
      [...prodClasses, ...devTestClasses].map(here),
    );
  } else if (prodFiles.length > 0 && devFiles.length > 0) {
    b.control('Separate configuration files per environment', [...prodFiles, ...devFiles].map((f) => loc(f, 1)));
  } else {
    const found = configClasses.length > 0 ? ` (found only ${configClasses.map((c) => c.name).join(', ')})` : '';
    b.gap('debug/no-config-split', `No separate production and development/testing configuration${found}.`, configClasses.map(here));
  }

  // Selection by the environment, and its default
  const selectors = ctx
    .kind('env-lookup')
    .filter((f) => CONFIG_SELECTORS.test(f.name as string) && fileRole(f.file) === 'prod');
  const loads = ctx.kind('config-load').filter((f) => f.method === 'from_envvar' || (f.arg as Val | null)?.t === 'env');
  if (selectors.length > 0 || loads.length > 0) {
    const names = [...new Set(selectors.map((f) => f.name as string))];
    b.control(`Configuration chosen by the environment${names.length ? ` (${names.join(', ')})` : ''}`, [...selectors, ...loads].map(here));
  }
  const devDefaults = [
    ...selectors.filter((f) => /dev|local|debug|test/i.test(String(constOf(f.fallback as Val) ?? ''))),
    ...ctx.kind('env-or-fallback').filter((f) => CONFIG_SELECTORS.test(f.name as string) && /dev|local|debug|test/i.test(String(constOf(f.fallback as Val) ?? ''))),
  ];
  if (devDefaults.length > 0) {
    b.gap('debug/defaults-to-development', 'When the variable is unset, the development (or test) configuration is used.', devDefaults.map(here));
  }

  // The app loading a development or testing configuration unconditionally
  for (const f of ctx.kind('config-load')) {
    if (f.method !== 'from_object' || fileRole(f.file) !== 'prod' || f.devGuard) continue;
    const arg = f.arg as Val | null;
    const name = arg?.t === 'const' && typeof arg.v === 'string' ? arg.v : arg?.t === 'name' || arg?.t === 'attr' ? arg.name : '';
    const cls = name.split('.').pop() ?? '';
    const role = cls ? classRole(cls) : 'base';
    if (role === 'dev' || role === 'test') {
      debugOnInProduction = true;
      b.gap('debug/dev-config-loaded', `The app always loads ${cls}, whatever the environment.`, [here(f)]);
    }
  }

  // config[os.getenv("FLASK_CONFIG") or "default"]: which class the fallback name selects
  for (const pick of defaultSelections(ctx)) {
    const debug = ctx.classes.byName.get(pick.cls)?.map((c) => ctx.classes.effective(c, 'DEBUG')).find(Boolean);
    const debugOn = debug !== undefined && isTruthy(debug.value as Val);
    const role = classRole(pick.cls);
    if (!debugOn && role !== 'dev' && role !== 'test') continue;
    if (debugOn) debugOnInProduction = true;
    b.gap(
      'debug/defaults-to-development',
      `When ${pick.variable} is unset, ${pick.map}["${pick.key}"] selects ${pick.cls}${debugOn ? ', which sets DEBUG = True' : ''}.`,
      [here(pick.load), pick.mapAt, ...(debug ? [here(debug)] : [])],
      debugOn ? 'high' : 'medium',
    );
  }

  // DEBUG in configuration
  const debugOff: Location[] = [];
  for (const f of ctx.configSets('DEBUG')) {
    const value = f.value as Val | null;
    const exposure = ctx.inProduction(f);
    if (!exposure.prod) continue;
    if (isTruthy(value)) {
      debugOnInProduction = true;
      const where = f.where === 'class' ? `in ${f.cls}${exposure.via && exposure.via !== f.cls ? `, inherited by ${exposure.via}` : ''}` : 'at startup';
      b.gap('debug/config-debug', `DEBUG is set to True ${where}.`, [here(f)]);
    } else if (value?.t === 'env' && isTruthy(value.fallback)) {
      b.gap('debug/debug-default-on', `DEBUG comes from ${value.name}, which defaults to on.`, [here(f)]);
    } else if (isFalsy(value)) {
      debugOff.push(here(f));
    }
  }
  for (const f of ctx.kind('env-lookup')) {
    if (/^(FLASK_)?DEBUG$/.test(f.name as string) && isTruthy(f.fallback as Val) && fileRole(f.file) === 'prod') {
      b.gap('debug/debug-default-on', `${f.name} defaults to on when unset.`, [here(f)]);
    }
  }

  // app.run(debug=True), debugger flags
  // Reachability: what production runs decides what an app.run(debug=True) means.
  const server = ctx.productionServer;
  for (const f of ctx.kind('app-run')) {
    const role = fileRole(f.file);
    if (isTruthy(f.debug as Val)) {
      const atImport = f.moduleLevel && !f.mainGuard;
      const runBy = ctx.runsAsScript(f.file);
      if (!atImport && runBy) {
        debugOnInProduction = true;
        b.gap('debug/run-debug', `${runBy.file} runs ${f.file} as a script, and its app.run(debug=True) starts the interactive debugger in production.`, [here(f), here(runBy)], 'critical');
      } else if (role !== 'prod') {
        b.gap('debug/run-debug', `${f.file} is a development script: app.run(debug=True) when run by hand.`, [here(f)], 'low');
      } else if (!atImport && server) {
        b.gap('debug/run-debug', `app.run(debug=True) under \`if __name__ == "__main__":\` in ${f.file} runs only by hand; production starts ${server.what}.`, [here(f)], 'low');
      } else {
        debugOnInProduction = true;
        b.gap(
          'debug/run-debug',
          atImport
            ? 'app.run(debug=True) runs at import time: the interactive debugger starts wherever this module is loaded.'
            : 'app.run(debug=True) starts the development server with the interactive debugger when the script is run, and no deploy file shows what production runs instead.',
          [here(f)],
          atImport ? 'critical' : 'high',
        );
      }
    }
    if (role === 'prod' && (isTruthy(f.useDebugger as Val) || isTruthy(f.useEvalex as Val))) {
      debugOnInProduction = true;
      b.gap('debug/debugger-flag', 'app.run() enables the debugger explicitly (use_debugger/use_evalex).', [here(f)]);
    }
  }
  for (const f of ctx.kind('debugged-app')) {
    if (fileRole(f.file) !== 'prod') continue;
    debugOnInProduction = true;
    const evalex = isTruthy(f.evalex as Val);
    b.gap('debug/debugger-flag', `The app is wrapped in Werkzeug's DebuggedApplication${evalex ? ' with evalex=True (remote console)' : ''}.`, [here(f)], evalex ? 'critical' : 'high');
  }

  // Deploy files
  for (const e of ctx.deployEnv()) {
    if (e.name === 'FLASK_DEBUG' && isTruthy({ t: 'const', v: e.value })) {
      debugOnInProduction = true;
      b.gap('debug/deploy-flask-debug', `FLASK_DEBUG=${e.value} in ${e.file}.`, [here(e)]);
    } else if (e.name === 'FLASK_ENV' && /^dev/i.test(e.value)) {
      b.gap('debug/flask-env', `FLASK_ENV=${e.value} in ${e.file}.`, [here(e)]);
    }
  }
  for (const c of ctx.commands) {
    for (const cls of classifyCommand(c.command)) {
      if (cls.kind === 'dev-server' && cls.debug) {
        debugOnInProduction = true;
        b.gap('debug/deploy-flask-debug', `\`flask run --debug\` in ${c.file}.`, [here(c)]);
      }
    }
  }

  if (!debugOnInProduction) {
    b.control(
      debugOff.length > 0 ? 'DEBUG = False in the configuration production uses' : 'Debug is not turned on in production code or deploy files',
      debugOff,
    );
  }
  return b.build('debug');
}

// ---------------------------------------------------------------------------------------------
// 2. Production WSGI server

const SERVER_PACKAGES = new Set(['gunicorn', 'uwsgi', 'pyuwsgi', 'waitress', 'mod-wsgi', 'bjoern', 'cheroot', 'granian', 'meinheld']);

function evaluateServer(ctx: Context): ProtectionReport {
  const b = new Builder(ctx);
  const deps = ctx.facts.deploy.dependencies.filter((d) => SERVER_PACKAGES.has(d.name));
  for (const f of ctx.kind('setup-requires')) {
    const name = String(f.requirement ?? '').toLowerCase().match(/^[a-z0-9][a-z0-9._-]*/)?.[0]?.replace(/[._]/g, '-');
    if (name && SERVER_PACKAGES.has(name)) deps.push({ file: f.file, line: f.line, name, group: 'main' });
  }
  const runtime = deps.filter((d) => d.group === 'main' || /prod|deploy|server|web|wsgi|runtime/i.test(d.group));
  if (runtime.length > 0) {
    b.control(`Production server in the dependencies: ${[...new Set(runtime.map((d) => d.name))].join(', ')}`, runtime.map(here));
  } else if (deps.length > 0) {
    b.gap('wsgi-server/server-dev-only', `${deps[0]!.name} is only in a development/optional dependency group.`, deps.map(here));
  } else {
    b.gap('wsgi-server/no-production-server', 'No gunicorn, uWSGI or waitress in pyproject.toml, requirements*.txt, Pipfile or setup files.');
  }

  let started = false;
  for (const c of ctx.commands) {
    for (const cls of classifyCommand(c.command)) {
      if (cls.kind === 'server') {
        started = true;
        b.control(`${c.file} starts ${cls.server}`, [here(c)]);
        if (cls.reload) b.gap('wsgi-server/reload', `${cls.server} runs with auto-reload in ${c.file}.`, [here(c)]);
        if (cls.publicBind) b.gap('wsgi-server/public-bind', `${cls.server} listens on all interfaces in ${c.file}.`, [here(c)]);
      } else if (cls.kind === 'dev-server') {
        b.gap('wsgi-server/dev-server-command', `${c.file} runs \`flask run\`, the development server.`, [here(c)]);
      } else if (cls.kind === 'python-script') {
        const file = ctx.pyFileFor(cls.script, cls.module);
        if (!file) continue;
        const runs = ctx.py.filter((f) => f.file === file && f.kind === 'app-run');
        const serves = ctx.py.filter((f) => f.file === file && f.kind === 'prod-serve');
        if (serves.length > 0) {
          started = true;
          b.control(`${c.file} runs ${file}, which serves the app with ${String(serves[0]!.server)}`, [here(c), ...serves.map(here)]);
        } else if (runs.length > 0) {
          b.gap('wsgi-server/dev-server-command', `${c.file} runs ${file}, which starts the development server (app.run).`, [here(c), ...runs.map(here)]);
        }
      }
    }
  }
  const gunicornConf = ctx.kind('gunicorn-setting');
  const confFiles = [...new Set(gunicornConf.map((f) => f.file))];
  if (confFiles.length > 0) {
    started = true;
    const binds = gunicornConf.filter((f) => f.name === 'bind');
    b.control(`gunicorn configuration: ${confFiles.join(', ')}`, binds.length > 0 ? binds.map(here) : confFiles.map((f) => loc(f, 1)));
    for (const f of gunicornConf) {
      if (f.name === 'reload' && isTruthy(f.value as Val)) b.gap('wsgi-server/reload', 'reload = True in the gunicorn configuration.', [here(f)]);
      if (f.name === 'bind') {
        const value = f.value as Val | null;
        const binds = value?.t === 'list' ? value.items.map(constOf) : [constOf(value)];
        if (binds.some((v) => typeof v === 'string' && /^(0\.0\.0\.0|\[::\]|::)?:|^0\.0\.0\.0/.test(v) && !v.startsWith('unix:'))) {
          b.gap('wsgi-server/public-bind', 'gunicorn binds to all interfaces.', [here(f)]);
        }
      }
    }
  }
  for (const f of ctx.kind('prod-serve')) {
    if (fileRole(f.file) === 'prod' && !started) {
      started = true;
      b.control(`${f.file} serves the app with ${String(f.server)}`, [here(f)]);
    }
  }
  if (!started) {
    b.gap('wsgi-server/no-production-command', 'No Procfile, Dockerfile, compose file, systemd unit or gunicorn.conf.py starts a production server.');
  }
  for (const f of ctx.kind('app-run')) {
    if (f.moduleLevel && !f.mainGuard && fileRole(f.file) === 'prod') {
      b.gap('wsgi-server/module-level-run', 'app.run() is called at import time, outside `if __name__ == "__main__":`.', [here(f)]);
    }
  }
  const proxies = ctx.facts.deploy.nginx.filter((n) => ['proxy_pass', 'uwsgi_pass', 'fastcgi_pass'].includes(n.directive));
  if (proxies.length > 0) {
    b.control('nginx proxies requests to the application server', proxies.map(here));
  } else {
    b.gap('wsgi-server/no-reverse-proxy', 'No nginx configuration with proxy_pass was found.');
  }
  return b.build('wsgi-server');
}

// ---------------------------------------------------------------------------------------------
// 3. Secret key

const PLACEHOLDER = /change|replace|example|placeholder|your|dummy|xxx|todo|secret|insecure|default|^\.{3}$|^<.*>$/i;

/** Variable names that hold *the session key*; JWT_SECRET_KEY, STRIPE_SECRET_KEY and the like do not. */
const SESSION_KEY_NAME = /^(FLASK_|APP_|[A-Z0-9]+_APP_)?SECRET_KEY(_FILE)?$/i;

function isSecretName(name: string): boolean {
  return SESSION_KEY_NAME.test(name);
}

/** Environment variables whose value becomes SECRET_KEY in the code (any name), plus the usual names. */
function sessionKeyVariables(ctx: Context): Set<string> {
  const names = new Set<string>();
  const visit = (v: Val | null | undefined, depth = 0) => {
    if (!v || depth > 6) return;
    if (v.t === 'env') names.add(v.name);
    else if (v.t === 'or' || v.t === 'and' || v.t === 'list') v.items.forEach((i) => visit(i, depth + 1));
    else if (v.t === 'call') (v.args ?? []).forEach((i) => visit(i, depth + 1));
    else if (v.t === 'name') visit(v.value, depth + 1);
  };
  for (const f of ctx.configSets('SECRET_KEY')) visit(f.value as Val);
  return names;
}

const FILE_READ = /(^|\.)(read|read_text|read_bytes|readline)$|^open\(\)\.read/;
const SECRET_STORE = /secretsmanager|get_secret_value|secretmanager|access_secret_version|hvac|vault|keyvault|SecretClient|get_parameter|ssm|keyring|credstash|doppler|infisical/i;
const INTERPOLATED = /\$\{?[A-Z_][A-Z0-9_]*\}?|%\(ENV_[A-Z0-9_]+\)s|\{\{\s*env/i;

/**
 * Where SECRET_KEY comes from when not straight from an environment variable: a file, a secret
 * manager, a key generated once and persisted by a helper, or a configuration file that
 * interpolates the environment. Each is a control, with where it is.
 */
function keySources(ctx: Context): { description: string; evidence: Location[] }[] {
  const out: { description: string; evidence: Location[] }[] = [];
  const helpers = new Map(ctx.kind('key-helper').filter((h) => fileRole(h.file) === 'prod').map((h) => [String(h.function), h]));
  for (const f of ctx.configSets('SECRET_KEY')) {
    if (!ctx.inProduction(f).prod) continue;
    const calls: string[] = [];
    const visit = (v: Val | null | undefined, depth = 0) => {
      if (!v || depth > 6) return;
      if (v.t === 'call') {
        calls.push(v.func);
        (v.args ?? []).forEach((a) => visit(a, depth + 1));
      } else if (v.t === 'or' || v.t === 'and') v.items.forEach((i) => visit(i, depth + 1));
    };
    visit(f.value as Val);
    for (const func of calls) {
      const helper = helpers.get(tail(func));
      if (SECRET_STORE.test(func)) out.push({ description: `SECRET_KEY fetched from a secret manager (${func})`, evidence: [here(f)] });
      else if (FILE_READ.test(func)) out.push({ description: 'SECRET_KEY read from a file', evidence: [here(f)] });
      else if (helper?.generates && (helper.writesFile || helper.readsFile)) {
        out.push({ description: `SECRET_KEY generated once and kept in a private file by ${tail(func)}()`, evidence: [here(f), here(helper)] });
      } else if (helper?.readsFile) out.push({ description: `SECRET_KEY read from a file by ${tail(func)}()`, evidence: [here(f), here(helper)] });
    }
  }
  const fileLoads = ctx.kind('config-load').filter((f) => ['from_file', 'from_pyfile', 'from_json'].includes(String(f.method)) && fileRole(f.file) === 'prod');
  const interpolated = (ctx.facts.deploy.configData ?? []).filter((c) => /^(\w+[._])?secret[_-]?key$/i.test(c.name) && INTERPOLATED.test(c.value));
  if (interpolated.length > 0) {
    out.push({ description: `SECRET_KEY from a configuration file that interpolates the environment (${interpolated[0]!.value})`, evidence: [...interpolated.map(here), ...fileLoads.map(here)] });
  }
  return out;
}

/** The highest Flask version a requirement allows, when it is pinned below 3.1 (no SECRET_KEY_FALLBACKS). */
export function flaskBelow31(spec: string | undefined): boolean {
  if (!spec) return false;
  const parts = spec.split(',');
  const below = (v: string, strict: boolean) => {
    const [major = 0, minor = 0] = v.split('.').map((n) => Number.parseInt(n, 10));
    return major < 3 || (major === 3 && (strict ? minor <= 1 : minor < 1));
  };
  return parts.some((p) => {
    const m = /^(==|<=|<|~=)\s*([0-9][0-9.]*)/.exec(p.trim());
    if (!m) return false;
    if (m[1] === '<') return below(m[2]!, true);
    if (m[1] === '~=') {
      const segs = m[2]!.split('.');
      return segs.length >= 3 ? below(m[2]!, false) : Number(segs[0]) < 3;
    }
    return below(m[2]!, false);
  });
}

function looksLikeRealKey(value: string): boolean {
  return value.length >= 32 && /^[A-Za-z0-9+/=_-]+$/.test(value) && !PLACEHOLDER.test(value) && new Set(value).size >= 12;
}

function evaluateSecret(ctx: Context): ProtectionReport {
  const b = new Builder(ctx);

  // Where the key comes from
  const keyVars = sessionKeyVariables(ctx);
  const isKeyVar = (name: string) => isSecretName(name) || keyVars.has(name);
  const lookups = ctx.kind('env-lookup').filter((f) => isKeyVar(f.name as string) && fileRole(f.file) === 'prod');
  const prefixed = ctx.kind('config-load').filter((f) => f.method === 'from_prefixed_env' || f.method === 'from_envvar');
  const credentials = ctx.facts.deploy.env.filter((e) => e.source === 'systemd' && /^(Load|Set)Credential/.test(e.name) && /secret/i.test(e.value) && e.name !== 'SetCredential');
  if (lookups.length > 0 || prefixed.length > 0) {
    const names = [...new Set(lookups.map((f) => f.name as string))];
    b.control(
      `SECRET_KEY read from the environment${names.length ? ` (${names.join(', ')})` : ' (app.config.from_prefixed_env / from_envvar)'}`,
      [...lookups, ...prefixed].map(here),
    );
  }
  if (credentials.length > 0) b.control('The key is handed over as a systemd credential (LoadCredential=)', credentials.map(here));

  // Literal keys, literal fallbacks, per-process random keys
  let literalInProduction = false;
  for (const f of ctx.configSets('SECRET_KEY')) {
    const value = f.value as Val | null;
    const text = literalText(value);
    const exposure = ctx.inProduction(f);
    if (text !== undefined) {
      if (exposure.prod) {
        literalInProduction = true;
        b.gap('secret-key/literal-key', `SECRET_KEY is the literal "${shorten(text)}"${f.cls ? ` in ${f.cls}` : ''}.`, [here(f)]);
      } else {
        b.gap('secret-key/test-literal', `A literal SECRET_KEY in ${f.cls ?? f.file} (test/development only).`, [here(f)]);
      }
    } else if (value?.t === 'call' && /urandom|token_(hex|bytes|urlsafe)|uuid[14]|random/.test(value.func) && exposure.prod) {
      b.gap('secret-key/random-per-process', `SECRET_KEY = ${value.func}(...) makes a new key in every process.`, [here(f)]);
    }
  }
  const fallbacks = [
    ...ctx.kind('env-lookup').filter((f) => isKeyVar(f.name as string) && literalText(f.fallback as Val) !== undefined),
    ...ctx.kind('env-or-fallback').filter((f) => isKeyVar(f.name as string) && literalText(f.fallback as Val) !== undefined),
  ];
  for (const f of fallbacks) {
    const text = literalText(f.fallback as Val)!;
    const dev = fileRole(f.file) !== 'prod' || f.devGuard || (f.cls !== undefined && ['dev', 'test'].includes(classRole(f.cls)));
    if (dev) b.gap('secret-key/test-literal', `${f.name} falls back to a literal in test/development code.`, [here(f)]);
    else b.gap('secret-key/literal-fallback', `When ${f.name} is unset, the key silently becomes "${shorten(text)}".`, [here(f)]);
  }

  // Keys in files
  const envFiles = new Map(ctx.facts.deploy.envFiles.map((e) => [e.file, e]));
  let ignoredDevKey: EnvFact | undefined;
  for (const e of ctx.facts.deploy.env) {
    if (!isKeyVar(e.name) || !e.value || /^\$|\$\{/.test(e.value)) continue;
    if (e.source === 'envfile') {
      const info = envFiles.get(e.file);
      if (info?.example) {
        if (looksLikeRealKey(e.value)) b.gap('secret-key/example-real-key', `${e.file} holds what looks like a real key.`, [here(e)]);
      } else if (info?.tracked === true) {
        b.gap('secret-key/key-in-repo', `${e.name} is committed in ${e.file} (tracked by git).`, [here(e)]);
      } else if (info && !info.ignored) {
        b.gap('secret-key/env-not-ignored', `${e.file} holds ${e.name} and no .gitignore excludes it.`, [here(e)]);
      } else {
        ignoredDevKey ??= e;
      }
    } else if (e.source !== 'workflow') {
      if (deployRole(e.file) === 'prod') b.gap('secret-key/key-in-repo', `${e.name} is written into ${e.file}.`, [here(e)]);
      else b.gap('secret-key/test-literal', `${e.name} is written into ${e.file} (development only).`, [here(e)]);
    }
  }

  // The production image copying a .env with a key (no .dockerignore keeping it out)
  const keyEnvs = ctx.facts.deploy.env.filter((e) => e.source === 'envfile' && isKeyVar(e.name) && e.value && !e.file.includes('/') && !envFiles.get(e.file)?.example);
  const ignoresEnv = (ctx.facts.deploy.dockerignores ?? []).some((d) => d.excludesEnv && !d.file.includes('/'));
  if (keyEnvs.length > 0 && !ignoresEnv) {
    for (const copy of (ctx.facts.deploy.dockerCopies ?? []).filter((c) => c.finalStage && deployRole(c.file) === 'prod')) {
      const copied = keyEnvs.filter((e) => copy.sources.some((src) => src === '.' || src === './' || src === e.file || src === `./${e.file}` || (src.includes('*') && /^\.env/.test(src))));
      if (copied.length === 0) continue;
      b.gap('secret-key/env-in-image', `The ${copy.stage === String(copy.stageIndex) ? 'final' : `"${copy.stage}"`} stage of ${copy.file} copies ${copied[0]!.file} (${copied[0]!.name}) into the image; no .dockerignore keeps it out.`, [here(copy), here(copied[0]!)]);
    }
  }

  // (said only when that file does not end up in the image: no self-contradiction)
  if (ignoredDevKey && !b.gaps.some((g) => g.rule === 'secret-key/env-in-image' && g.locations.some((l) => l.file === ignoredDevKey!.file))) {
    b.control(`The local key lives in ${ignoredDevKey.file}, which git does not track`, [here(ignoredDevKey)]);
  }
  const sources = keySources(ctx);
  for (const source of sources) b.control(source.description, source.evidence);

  if (lookups.length === 0 && prefixed.length === 0 && credentials.length === 0 && sources.length === 0 && !literalInProduction) {
    const computed = ctx.configSets('SECRET_KEY').filter((f) => ctx.inProduction(f).prod);
    const readers = ctx.kind('secret-function').filter((f) => f.readsEnv && fileRole(f.file) === 'prod');
    if (computed.length > 0 && readers.length > 0) {
      b.control('SECRET_KEY is loaded at startup by a function that reads the environment', [...computed, ...readers].map(here));
    } else {
      b.gap('secret-key/not-from-env', 'No SECRET_KEY (or SECRET_KEY_FILE) is read from the environment.', computed.map(here));
    }
  }

  // Rotation
  const rotation = [
    ...ctx.configSets('SECRET_KEY_FALLBACKS').filter((f) => fileRole(f.file) === 'prod'),
    ...ctx.kind('env-lookup').filter((f) => /SECRET_KEY_FALLBACKS/.test(f.name as string) && fileRole(f.file) === 'prod'),
  ];
  const oldFlask = ctx.facts.deploy.dependencies.find((d) => d.name === 'flask' && d.group === 'main' && flaskBelow31(d.spec));
  if (rotation.length > 0) b.control('SECRET_KEY_FALLBACKS configured for key rotation', rotation.map(here));
  else if (oldFlask) {
    b.gap('secret-key/rotation-needs-upgrade', `Flask is pinned to ${oldFlask.spec} in ${oldFlask.file}: SECRET_KEY_FALLBACKS exists from Flask 3.1, so rotating the key logs every user out until Flask is upgraded.`, [here(oldFlask)]);
  } else b.gap('secret-key/no-rotation', 'SECRET_KEY_FALLBACKS is never set, so rotating the key logs every user out.');

  // Refusing bad keys
  const validators = ctx
    .kind('secret-function')
    .filter((f) => f.raises && fileRole(f.file) === 'prod' && (f.readsEnv || /secret|key/i.test(String(f.function))));
  if (validators.length > 0) {
    b.control('Startup refuses a missing or weak key (raises an exception)', validators.map(here));
  } else if (!literalInProduction && !sources.some((x) => /generated once/.test(x.description))) {
    // (a key the app generates itself cannot be a placeholder or too short)
    const required = lookups.filter((f) => f.required);
    b.gap(
      'secret-key/no-validation',
      required.length > 0
        ? 'os.environ["SECRET_KEY"] refuses a missing key, but nothing refuses a short or placeholder one.'
        : 'Nothing refuses to start production with a missing, short or placeholder key.',
      required.map(here),
    );
  }
  return b.build('secret-key');
}

function shorten(text: string): string {
  return text.length > 12 ? `${text.slice(0, 4)}…(${text.length} chars)` : text;
}

// ---------------------------------------------------------------------------------------------
// 4. CSRF

const CSRF_EXTENSIONS = new Set(['CSRFProtect', 'CsrfProtect', 'SeaSurf']);
const tail = (name: unknown) => String(name ?? '').replace(/\(\)$/, '').split('.').pop()!;

interface Extension {
  ext: string;
  instances: Fact[];
  bindings: Fact[];
  /** Keyword arguments from the constructor and init_app together. */
  kwargs: Record<string, Val | null>;
  vars: Set<string>;
}

function extensionsOf(ctx: Context, names: ReadonlySet<string>): Extension[] {
  const out = new Map<string, Extension>();
  const get = (ext: string) => {
    let e = out.get(ext);
    if (!e) {
      e = { ext, instances: [], bindings: [], kwargs: {}, vars: new Set() };
      out.set(ext, e);
    }
    return e;
  };
  const mergeKwargs = (e: Extension, f: Fact) => {
    for (const star of (f.star as (Val | null)[]) ?? []) {
      const dict = star?.t === 'name' ? star.value : star;
      if (dict?.t === 'dict') Object.assign(e.kwargs, dict.items);
    }
    Object.assign(e.kwargs, (f.kwargs as Record<string, Val | null>) ?? {});
  };
  for (const f of ctx.kind('extension')) {
    if (!names.has(f.ext as string)) continue;
    const e = get(f.ext as string);
    e.instances.push(f);
    if (f.var) e.vars.add(tail(f.var));
    if (f.bound) e.bindings.push(f);
    mergeKwargs(e, f);
  }
  for (const f of ctx.kind('init-app')) {
    const direct = f.receiverExt as string | null;
    if (direct && names.has(direct)) {
      const e = get(direct);
      e.bindings.push(f);
      mergeKwargs(e, f);
      continue;
    }
    for (const e of out.values()) {
      if (e.vars.has(tail(f.receiver))) {
        e.bindings.push(f);
        mergeKwargs(e, f);
      }
    }
  }
  return [...out.values()];
}

/**
 * The app's own CSRF scheme: a global before_request hook that reads a token from the form or a
 * header, compares it with the session's and refuses (abort/raise). Its field and header names
 * are what forms and scripts must send.
 */
function customCsrfChecks(ctx: Context): { hooks: Fact[]; fields: Set<string>; headers: Set<string> } {
  const hooks: Fact[] = [];
  const fields = new Set<string>();
  const headers = new Set<string>();
  for (const f of ctx.kind('before-request')) {
    if (!f.def || !f.global || fileRole(f.file) !== 'prod') continue;
    const reads = ((f.reads as string[]) ?? []).filter((r) => /^(form|headers|values|json):/.test(r));
    const tokenish = reads.filter((r) => !/authorization/i.test(r));
    if (tokenish.length === 0 || !(f.session && f.compares) || !f.refuses) continue;
    hooks.push(f);
    for (const r of tokenish) {
      const [where, name] = r.split(':') as [string, string];
      (where === 'headers' ? headers : fields).add(name);
    }
  }
  return { hooks, fields, headers };
}

function describeTokens(f: Fact): string {
  const reads = ((f.reads as string[]) ?? []).filter((r) => /^(form|headers|values|json):/.test(r));
  return reads.map((r) => (r.startsWith('headers:') ? `header ${r.slice(8)}` : `field ${r.split(':')[1]}`)).join(', ');
}

const TOKEN_AUTH_DECORATOR = /(^|\.)(jwt_required|token_required|api_key_required|require_api_key|require_token|auth_token_required|http_auth_required)$|^[\w]*auth\.login_required$/;

/** A view authenticated by a header (token, basic auth, API key): a browser never adds it cross-site. */
function headerAuthenticated(f: Fact): boolean {
  return Boolean(f.authHeader) || ((f.decorators as string[]) ?? []).some((d) => TOKEN_AUTH_DECORATOR.test(d));
}

function evaluateCsrf(ctx: Context): ProtectionReport {
  const b = new Builder(ctx);
  const extensions = extensionsOf(ctx, CSRF_EXTENSIONS);
  const bound = extensions.filter((e) => e.bindings.length > 0);
  const csrfVars = new Set(extensions.flatMap((e) => [...e.vars]));
  const stateRoutes = ctx
    .kind('route')
    .filter((f) => ((f.methods as string[]) ?? []).some((m) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(m)) && fileRole(f.file) === 'prod');

  const custom = customCsrfChecks(ctx);
  if (bound.length > 0) {
    b.control(`${bound.map((e) => e.ext).join(', ')} checks every state-changing request`, bound.flatMap((e) => [...e.instances, ...e.bindings]).map(here));
  } else if (extensions.length > 0) {
    b.gap('csrf/unbound', `${extensions[0]!.ext}() is created but never bound to the app (no init_app(app)).`, extensions.flatMap((e) => e.instances).map(here));
  }
  for (const check of custom.hooks) {
    b.control(`A before_request hook (${String(check.function)}) refuses state-changing requests without the session's token (${describeTokens(check)})`, [here(check)]);
  }
  if (bound.length === 0 && extensions.length === 0 && custom.hooks.length === 0) {
    const forms = ctx.kind('class').filter((f) => ((f.bases as string[]) ?? []).some((base) => /(^|\.)(FlaskForm|Form)$/.test(base) && /wtf|FlaskForm/.test(base)));
    if (forms.length > 0) {
      b.control('Forms subclass FlaskForm, which checks a CSRF token for those forms only', forms.map(here));
    }
    // Views that validate a FlaskForm check its token; token/basic-auth APIs are not cookie-authenticated.
    const validated = stateRoutes.filter((f) => f.validatesForm && forms.length > 0);
    const tokenAuth = stateRoutes.filter((f) => !validated.includes(f) && headerAuthenticated(f));
    const open = stateRoutes.filter((f) => !validated.includes(f) && !tokenAuth.includes(f));
    if (validated.length > 0) b.control(`${plural(validated.length, 'view')} ${validated.length === 1 ? 'validates' : 'validate'} a FlaskForm (validate_on_submit), which checks its CSRF token`, validated.map(here));
    if (tokenAuth.length > 0) b.control(`${plural(tokenAuth.length, 'API route')} ${tokenAuth.length === 1 ? 'authenticates' : 'authenticate'} by token or basic auth, not by cookie: not CSRF-relevant`, tokenAuth.map(here));
    const routes = open.length > 0 ? ` ${plural(open.length, 'state-changing route')} ${open.length === 1 ? 'accepts' : 'accept'} requests from any site.` : '';
    b.gap('csrf/no-global-protection', `No CSRFProtect (or SeaSurf) on the app.${routes}`, open.map(here), open.length > 0 ? 'high' : 'medium');
  }
  for (const f of ctx.kind('route')) {
    const methods = (f.methods as string[]) ?? [];
    if (fileRole(f.file) !== 'prod' || !f.writes || methods.some((m) => m !== 'GET' && m !== 'HEAD')) continue;
    b.gap('csrf/state-changing-get', `GET ${String(f.rule ?? '?')} (${String(f.function)}) writes: a link or an image on any site can trigger it, and CSRF checks never cover GET.`, [here(f)]);
  }

  for (const f of [...ctx.configSets('WTF_CSRF_ENABLED'), ...ctx.configSets('WTF_CSRF_CHECK_DEFAULT')]) {
    if (f.key === 'WTF_CSRF_ENABLED' && isFalsy(f.value as Val)) {
      if (ctx.inProduction(f).prod) b.gap('csrf/disabled', `WTF_CSRF_ENABLED = False${f.cls ? ` in ${f.cls}` : ''} turns every check off.`, [here(f)]);
      else b.gap('csrf/disabled-in-tests', `WTF_CSRF_ENABLED = False in ${f.cls ?? f.file}.`, [here(f)]);
    } else if (f.key === 'WTF_CSRF_CHECK_DEFAULT' && isFalsy(f.value as Val) && ctx.inProduction(f).prod) {
      b.gap('csrf/check-default-off', 'WTF_CSRF_CHECK_DEFAULT = False: only views decorated with @csrf.protect are checked.', [here(f)]);
    }
  }

  // Exemptions
  const blueprintVars = new Set(ctx.kind('blueprint').map((f) => tail(f.var)).filter(Boolean));
  const allowLists = new Map<string, { name: string; file: string; line: number; entries: number | null }>();
  for (const f of ctx.kind('csrf-exempt')) {
    const receiver = tail(f.receiver);
    if (!csrfVars.has(receiver) && !/csrf|seasurf/i.test(receiver)) continue;
    if (fileRole(f.file) !== 'prod') continue;
    const allow = f.allowList as { name: string; line: number | null; entries: number | null; withReasons: number } | null;
    if (allow) {
      const at = allow.line ?? f.line;
      allowLists.set(`${f.file}:${allow.name}`, { name: allow.name, file: f.file, line: at, entries: allow.entries });
      if (allow.entries !== null && allow.entries > 0) {
        const documented = allow.withReasons === allow.entries;
        b.gap('csrf/exempt', `${plural(allow.entries, 'endpoint')} exempt through ${allow.name}${documented ? ', each with a reason' : ' without reasons'}.`, [loc(f.file, at), here(f)], documented ? 'low' : 'medium');
      }
      continue;
    }
    const target = String(f.target);
    const isBlueprint = blueprintVars.has(tail(target)) || /(^|_)bp$|blueprint/i.test(tail(target));
    const commented = Boolean(f.commented);
    if (isBlueprint) {
      b.gap('csrf/exempt-blueprint', `The blueprint ${target} is exempt from CSRF checks.`, [here(f)], commented ? 'medium' : 'high');
    } else {
      b.gap('csrf/exempt', `The view ${target} is exempt from CSRF checks${commented ? ' (with a comment)' : ''}.`, [here(f)], commented ? 'low' : 'medium');
    }
  }
  for (const list of allowLists.values()) {
    if (list.entries === 0) b.control(`Exemptions only through the allow-list ${list.name} (empty)`, [loc(list.file, list.line)]);
  }

  // Forms
  for (const f of ctx.kind('class')) {
    if (f.metaCsrfOff) b.gap('csrf/form-meta-off', `${String(f.name)} sets Meta.csrf = False.`, [here(f)]);
  }
  for (const f of ctx.kind('form-csrf-off')) b.gap('csrf/form-meta-off', `A form is created with ${String(f.how)}.`, [here(f)]);
  const withToken: Location[] = [];
  const customFields = new Set([...custom.fields].map((x) => x.toLowerCase()));
  for (const t of ctx.facts.templates) {
    for (const f of t.facts) {
      const custom = f.kind === 'form' && f.token === false && (f.fields ?? []).some((x) => customFields.has(x.toLowerCase()));
      if (f.kind === 'form' && f.token === false && !custom) b.gap('csrf/form-without-token', `A form in ${t.path} posts without csrf_token().`, [loc(t.path, f.line)]);
      if (f.kind === 'form' && (f.token === true || custom)) withToken.push(loc(t.path, f.line));
    }
  }
  if (withToken.length > 0) b.control(`State-changing forms carry a CSRF token (${plural(withToken.length, 'form')})`, withToken);
  const meta = ctx.facts.templates.flatMap((t) => t.facts.filter((f) => f.kind === 'csrf-token').map((f) => loc(t.path, f.line)));
  const js = ctx.facts.deploy.js;
  const headerNames = [...custom.headers];
  const jsWithToken = js.filter((j) => j.token);
  if (jsWithToken.length > 0) b.control(`fetch/XHR calls send the ${headerNames[0] ?? 'X-CSRFToken'} header`, [...jsWithToken.map(here), ...meta.filter((m) => !withToken.some((w) => w.file === m.file))]);
  const covered = bound.length > 0 && ctx.configSets('WTF_CSRF_HEADERS').length === 0 ? coveredByInstaller(ctx) : () => null;
  const byInstaller = new Map<string, Location[]>();
  for (const j of js.filter((x) => !x.token)) {
    const cover = covered(j);
    if (!cover) {
      b.gap('csrf/xhr-without-token', `A state-changing request in ${j.file} sends no CSRF token.`, [here(j)]);
      continue;
    }
    const key = `${j.file}\u0000${cover.installer.file}`;
    byInstaller.set(key, [...(byInstaller.get(key) ?? [loc(cover.installer.file, cover.installer.line), ...cover.pages]), here(j)]);
  }
  for (const [key, evidence] of byInstaller) {
    const [file, installer] = key.split('\u0000') as [string, string];
    b.control(`State-changing requests in ${file} get the CSRF header from ${installer}, which every page that loads ${file} runs first`, evidence);
  }
  return b.build('csrf');
}

/** A template's path → its facts; a layout name as `{% extends %}` writes it → the templates it may be. */
function templateIndex(ctx: Context) {
  const byPath = new Map(ctx.facts.templates.map((t) => [t.path, t.facts]));
  const named = (name: string) => ctx.facts.templates.filter((t) => t.path === name || t.path.endsWith(`templates/${name}`)).map((t) => t.path);
  return { byPath, named };
}

/** The path a script is served under from a static folder ('notes/static/js/a.js' → 'js/a.js'). */
const staticPath = (file: string) => (file.includes('static/') ? file.slice(file.lastIndexOf('static/') + 'static/'.length) : file);

/**
 * A request a script sends without a token is still covered when a token installer (a script
 * wrapping fetch/XMLHttpRequest that adds the header from <meta name="csrf-token">) runs on
 * every page that loads the script, before it: on that page the browser sends the header
 * (proved in the retrofit's browser e2e). "Every page": each template with a <script src> for
 * the file; on each, the installer is loaded earlier in that template, or in a layout it
 * extends before <body>, and the meta tag is in the template or its layouts. A request to a
 * literal absolute URL, or a script no template loads, is never covered.
 */
function coveredByInstaller(ctx: Context): (j: JsFact) => { installer: JsTokenInstaller; pages: Location[] } | null {
  const installers = (ctx.facts.deploy.jsInstallers ?? []).filter((i) => /^X-CSRF-?Token$/i.test(i.header));
  if (installers.length === 0) return () => null;
  const { byPath, named } = templateIndex(ctx);
  const scripts = (facts: TemplateFact[], src: string) => facts.filter((f) => f.kind === 'script' && f.src === src);
  /** The layouts above a template, nearest first (a cycle or a missing layout ends the chain). */
  const layouts = (path: string): string[][] => {
    const chain: string[][] = [];
    let current = [path];
    for (let depth = 0; depth < 10; depth++) {
      const parents = current.flatMap((p) => (byPath.get(p) ?? []).filter((f) => f.kind === 'extends').flatMap((f) => named(String(f.template))));
      if (parents.length === 0) break;
      chain.push(parents);
      current = parents;
    }
    return chain;
  };
  return (j) => {
    if (!j.via || j.absolute) return null;
    const pages = ctx.facts.templates.flatMap((t) => scripts(t.facts, staticPath(j.file)).map((s) => ({ path: t.path, line: s.line })));
    if (pages.length === 0) return null;
    for (const installer of installers.filter((i) => i.covers.includes(j.via!))) {
      const src = staticPath(installer.file);
      /** Where the page loads the installer before the script, or null. */
      const runsFirst = (page: { path: string; line: number }): Location[] | null => {
        const chain = layouts(page.path);
        const own = byPath.get(page.path) ?? [];
        const meta = [own, ...chain.flat().map((p) => byPath.get(p) ?? [])].some((facts) => facts.some((f) => f.kind === 'csrf-meta'));
        if (!meta) return null;
        const earlier = scripts(own, src).find((s) => s.line < page.line);
        if (earlier) return [loc(page.path, earlier.line)];
        // In a layout: before its <body> (the page's own content is rendered inside the body).
        for (const level of chain) {
          const found = level.map((p) => {
            const facts = byPath.get(p) ?? [];
            const body = facts.find((f) => f.kind === 'body')?.line ?? 0;
            const tag = scripts(facts, src).find((s) => s.line < body);
            return tag ? loc(p, tag.line) : null;
          });
          if (found.every((x) => x !== null)) return found as Location[];
        }
        return null;
      };
      const loads = pages.map(runsFirst);
      if (loads.every((x) => x !== null)) return { installer, pages: [...pages.map((p) => loc(p.path, p.line)), ...loads.flat() as Location[]] };
    }
    return null;
  };
}

// ---------------------------------------------------------------------------------------------
// 5. Safe templating

const AUTOESCAPED_EXT = /\.(html?|xml|xhtml|svg)$/i;

function evaluateTemplating(ctx: Context): ProtectionReport {
  const b = new Builder(ctx);
  const allowList = ctx.facts.deploy.templateAllowList;
  const allowEntry = (path: string, rule: string) =>
    allowList.find((a) => a.rule === rule && (path === a.template || path.endsWith(`/templates/${a.template}`) || path.endsWith(`/${a.template}`)));

  let disabled = false;
  for (const f of ctx.kind('autoescape')) {
    if (fileRole(f.file) !== 'prod') continue;
    const value = f.value as Val | null;
    if (isFalsy(value)) {
      disabled = true;
      b.gap('templating/autoescape-disabled', `Autoescaping is switched off (${String(f.source)} = False).`, [here(f)]);
    }
  }
  for (const f of ctx.kind('jinja-env')) {
    if (fileRole(f.file) !== 'prod') continue;
    const value = f.autoescape as Val | null;
    if (!value || isFalsy(value)) b.gap('templating/unescaped-environment', 'jinja2.Environment() is created without autoescaping.', [here(f)]);
  }
  const apps = ctx.apps.filter((f) => fileRole(f.file) === 'prod');
  if (!disabled) {
    b.control('Jinja autoescaping on (Flask\'s default for .html, .htm, .xml, .xhtml and .svg templates)', apps.map(here));
  }
  const audits = ctx.facts.python.filter((p) => (p.imports ?? []).some((i) => i === 'jinja2.nodes') && fileRole(p.path) === 'prod');
  if (audits.length > 0) b.control('A template audit walks the Jinja syntax tree', audits.map((p) => loc(p.path, 1)));
  if (allowList.length > 0) b.control(`Template exceptions are allow-listed with reasons (${plural(allowList.length, 'entry')})`, allowList.map(here));

  for (const f of ctx.kind('template-source')) {
    const role = fileRole(f.file);
    if (role === 'test') continue;
    const func = String(f.func);
    if (func === 'Markup') {
      if (f.tainted) b.gap('templating/markup', 'Markup() wraps request data, which is then never escaped (XSS).', [here(f)], 'high');
      else if (f.arg === 'dynamic') b.gap('templating/markup', 'Markup() marks a computed string as safe HTML.', [here(f)]);
      else if (f.arg === 'literal') b.gap('templating/markup', 'Markup() around a literal.', [here(f)], 'low');
      continue;
    }
    if (f.arg !== 'dynamic') continue;
    if (f.tainted) b.gap('templating/ssti', `${func}() renders a template built from request data: server-side template injection.`, [here(f)]);
    else b.gap('templating/dynamic-template', `${func}() renders a template built at run time.`, [here(f)]);
  }

  for (const t of ctx.facts.templates) {
    for (const f of t.facts) {
      const listed = (rule: string) => f.allowed || allowEntry(t.path, rule) !== undefined;
      if (f.kind === 'safe-filter') {
        if (listed('safe-filter')) b.gap('templating/safe-filter', `|safe in ${t.path}, allow-listed.`, [loc(t.path, f.line)], 'low');
        else if (f.literal) b.gap('templating/safe-filter', `|safe on a literal in ${t.path}.`, [loc(t.path, f.line)], 'low');
        else b.gap('templating/safe-filter', `${f.block ? '{% filter safe %}' : '|safe'} in ${t.path} outputs a value without escaping.`, [loc(t.path, f.line)]);
      } else if (f.kind === 'autoescape-off') {
        if (listed('autoescape-off')) b.gap('templating/autoescape-off', `{% autoescape false %} in ${t.path}, allow-listed.`, [loc(t.path, f.line)], 'low');
        else b.gap('templating/autoescape-off', `{% autoescape ${f.dynamic ? '<expression>' : 'false'} %} in ${t.path}.`, [loc(t.path, f.line)]);
      } else if (f.kind === 'markup-call') {
        if (!listed('markup')) b.gap('templating/markup', `Markup() called in ${t.path}.`, [loc(t.path, f.line)]);
      }
    }
    if (t.html && !AUTOESCAPED_EXT.test(t.path) && !/\.txt$/i.test(t.path) && !allowEntry(t.path, 'not-autoescaped')) {
      b.gap('templating/not-autoescaped', `${t.path} holds HTML, but Flask does not autoescape its file type.`, [loc(t.path, 1)]);
    }
  }
  return b.build('templating');
}

// ---------------------------------------------------------------------------------------------
// 6. Security headers

const ONE_YEAR = 31_536_000;

function evaluateHeaders(ctx: Context): ProtectionReport {
  const b = new Builder(ctx);
  const covered = new Set<string>();
  let cspSeen = false;

  // Flask-Talisman
  const talismans = extensionsOf(ctx, new Set(['Talisman']));
  const bound = talismans.filter((t) => t.bindings.length > 0);
  const reportOnly =
    bound.some((t) => constOf(t.kwargs.content_security_policy_report_only as Val) === true) ||
    ctx.configSets('CSP_REPORT_ONLY').some((f) => constOf(f.value as Val) === true && ctx.inProduction(f).prod);
  const strict = reportOnly ? 'Strict Content-Security-Policy, sent report-only' : 'Strict Content-Security-Policy';
  for (const t of bound) {
    const evidence = [...t.instances, ...t.bindings].map(here);
    b.control('Flask-Talisman adds security headers to every response', evidence);
    const anchor = t.bindings[0]!;
    const kw = t.kwargs;
    // CSP
    if (!('content_security_policy' in kw)) {
      cspSeen = true;
      covered.add('content-security-policy');
      b.control("Talisman's default Content-Security-Policy (default-src 'self')", [here(anchor)]);
    } else {
      let csp = cspFromVal(kw.content_security_policy);
      let where = here(anchor);
      if (csp === 'unknown') {
        const candidates = ctx.kind('csp-candidate').filter((c) => c.file === anchor.file);
        const candidate = candidates[0] ?? ctx.kind('csp-candidate')[0];
        if (candidate) {
          csp = cspFromVal(candidate.value as Val);
          where = here(candidate);
        }
      }
      if (csp === 'disabled') {
        b.gap('headers/no-csp', 'Talisman is configured with no Content-Security-Policy.', [here(anchor)]);
      } else {
        cspSeen = true;
        covered.add('content-security-policy');
        const policies = ctx.facts.deploy.headerPolicies ?? [];
        if (csp === 'unknown' && policies.length > 0) {
          // the policy file Talisman's CSP is read from (security-headers.json)
          const before = b.gaps.length;
          for (const policy of policies) {
            const parsed = cspFromVal({ t: 'dict', items: Object.fromEntries(Object.entries(policy.directives).map(([k, v]) => [k, { t: 'const', v }])) });
            if (typeof parsed === 'string') continue;
            for (const p of cspProblems(parsed)) {
              b.gap(p.rule, `Content-Security-Policy in ${policy.file}: ${p.detail}.`, [here(policy)], p.severity);
            }
          }
          if (!b.gaps.slice(before).some((g) => g.severity === 'high')) {
            b.control(`${strict} from ${policies.map((p) => p.file).join(', ')}`, [here(anchor), ...policies.map(here)]);
          }
        } else if (csp === 'unknown') {
          b.control('Content-Security-Policy set through Talisman (computed at run time; not checked)', [here(anchor)]);
        } else {
          const problems = cspProblems(csp);
          for (const p of problems) b.gap(p.rule, `Content-Security-Policy: ${p.detail}.`, [where], p.severity);
          if (!problems.some((p) => p.severity === 'high')) {
            const nonce = constOf(kw.content_security_policy_nonce_in as Val) ?? (kw.content_security_policy_nonce_in?.t === 'list' ? 'list' : undefined);
            b.control(`${strict}${nonce !== undefined ? ' with per-request script nonces' : ''}`, [where]);
          }
        }
      }
    }
    // HSTS
    if (isFalsy(kw.strict_transport_security)) {
      b.gap('headers/no-hsts', 'Talisman is configured with strict_transport_security=False.', [here(anchor)]);
    } else {
      covered.add('strict-transport-security');
      const maxAge = constOf(kw.strict_transport_security_max_age);
      if (typeof maxAge === 'number' && maxAge < ONE_YEAR) {
        b.gap('headers/short-hsts', `HSTS max-age is ${maxAge} seconds.`, [here(anchor)]);
      }
      b.control('Strict-Transport-Security (Talisman)', [here(anchor)]);
    }
    if (!('frame_options' in kw) || !isFalsy(kw.frame_options)) covered.add('x-frame-options');
    if (!('x_content_type_options' in kw) || !isFalsy(kw.x_content_type_options)) covered.add('x-content-type-options');
  }
  // A report-only policy blocks nothing: browsers only report what it would have blocked.
  for (const t of bound) {
    if (constOf(t.kwargs.content_security_policy_report_only as Val) === true) {
      b.gap('headers/csp-report-only', 'Talisman sends the Content-Security-Policy report-only (content_security_policy_report_only=True): browsers block nothing.', [here(t.bindings[0]!)]);
    }
  }
  for (const f of ctx.configSets('CSP_REPORT_ONLY')) {
    if (constOf(f.value as Val) === true && ctx.inProduction(f).prod) {
      b.gap('headers/csp-report-only', `CSP_REPORT_ONLY = True${f.cls ? ` in ${f.cls}` : ''}: the Content-Security-Policy only reports, browsers block nothing.`, [here(f)]);
    }
  }
  for (const t of talismans.filter((x) => x.bindings.length === 0)) {
    b.gap('headers/talisman-unbound', 'Talisman() is created but never bound to the app.', t.instances.map(here));
  }

  // Headers set by hand
  const hooks = new Map<string, Fact>();
  const registeredByCall = new Map<string, Fact>();
  for (const f of ctx.kind('after-request')) {
    if (f.via === 'call') registeredByCall.set(String(f.function), f);
    else hooks.set(`${f.file}#${f.function}`, f);
  }
  const views = new Set(ctx.kind('route').map((f) => `${f.file}#${f.function}`));
  const global: Fact[] = [];
  const blueprint: Fact[] = [];
  const perView: Fact[] = [];
  for (const f of ctx.kind('header-set')) {
    if (fileRole(f.file) !== 'prod') continue;
    const key = `${f.file}#${f.function}`;
    const hook = hooks.get(key) ?? (views.has(key) ? undefined : registeredByCall.get(String(f.function)));
    if (hook) (hook.global ? global : blueprint).push(f);
    else if (views.has(key)) perView.push(f);
  }
  const names = (list: Fact[]) => [...new Set(list.map((f) => String(f.header)))];
  if (global.length > 0) {
    b.control(`An after_request hook sets ${names(global).join(', ')} on every response`, global.map(here));
    for (const f of global) {
      const name = String(f.header).toLowerCase();
      covered.add(name);
      if (name === 'content-security-policy') {
        cspSeen = true;
        const text = constOf(f.value as Val);
        if (typeof text === 'string') for (const p of cspProblems(parseCspString(text))) b.gap(p.rule, `Content-Security-Policy: ${p.detail}.`, [here(f)], p.severity);
      }
    }
  }
  if (blueprint.length > 0) {
    b.gap('headers/blueprint-only', `${names(blueprint).join(', ')} set by a blueprint's after_request hook only.`, blueprint.map(here));
  }
  if (perView.length > 0) {
    const viewCount = new Set(perView.map((f) => `${f.file}#${f.function}`)).size;
    b.control(`${names(perView).join(', ')} set by hand in ${plural(viewCount, 'view')}`, perView.map(here));
    b.gap('headers/per-route-only', `${names(perView).join(', ')} set by hand in ${plural(viewCount, 'view')} only.`, perView.map(here));
  }

  // nginx
  const added = ctx.facts.deploy.nginx.filter((n) => n.directive === 'add_header' && n.args.length >= 2);
  if (added.length > 0) {
    b.control(`nginx adds ${[...new Set(added.map((n) => n.args[0]!))].join(', ')}`, added.map(here));
    for (const n of added) {
      const name = n.args[0]!.toLowerCase();
      covered.add(name);
      if (name === 'content-security-policy') {
        cspSeen = true;
        if (!n.args[1]!.includes('$')) for (const p of cspProblems(parseCspString(n.args[1]!))) b.gap(p.rule, `Content-Security-Policy (nginx): ${p.detail}.`, [here(n)], p.severity);
      }
      if (name === 'strict-transport-security') {
        const m = /max-age=(\d+)/.exec(n.args[1]!);
        if (m && Number(m[1]) < ONE_YEAR) b.gap('headers/short-hsts', `HSTS max-age is ${m[1]} seconds (nginx).`, [here(n)]);
      }
    }
  }

  // Settings that decide the headers: HSTS off by default, weak literal CSP defaults
  for (const f of ctx.kind('header-setting')) {
    if (fileRole(f.file) !== 'prod' || (f.cls !== undefined && ['dev', 'test'].includes(classRole(String(f.cls))))) continue;
    const name = String(f.name);
    const value = f.value as Val | null;
    const effective = value?.t === 'env' ? value.fallback : value;
    if (/HSTS|STRICT_TRANSPORT|FORCE_HTTPS/i.test(name) && !/MAX_AGE|PRELOAD|INCLUDE|SUBDOMAINS/i.test(name)) {
      if (isFalsy(effective) || (value?.t === 'env' && (value.fallback === null || value.fallback === undefined))) {
        b.gap('headers/hsts-default-off', value?.t === 'env' ? `${name} comes from ${value.name}, and HSTS is off when it is unset.` : `${name} = ${String(constOf(value))}: HSTS is off by default.`, [here(f)]);
      }
    } else if (/MAX_AGE/i.test(name) && /HSTS|STRICT/i.test(name)) {
      const age = constOf(effective);
      if (typeof age === 'number' && age < ONE_YEAR) b.gap('headers/short-hsts', `${name} is ${age} seconds.`, [here(f)]);
    } else if (/CSP|CONTENT_SECURITY_POLICY/i.test(name)) {
      const csp = cspFromVal(effective);
      if (csp === 'disabled' || csp === 'unknown') continue;
      for (const p of cspProblems(csp)) {
        const detail = `Content-Security-Policy default in ${name}: ${p.detail}.`;
        if (!b.gaps.some((g) => g.rule === p.rule && g.description.includes(p.detail))) b.gap(p.rule, detail, [here(f)], p.severity);
      }
    }
  }

  const everywhere = bound.length > 0 || global.length > 0 || added.length > 0;
  const somewhere = new Set([...covered, ...[...perView, ...blueprint].map((f) => String(f.header).toLowerCase())]);
  if (!everywhere && perView.length === 0 && blueprint.length === 0) {
    b.gap('headers/no-headers', 'No Flask-Talisman, no after_request hook and no proxy configuration sets security headers.');
  } else {
    if (!cspSeen && !somewhere.has('content-security-policy') && !b.gaps.some((g) => g.rule === 'headers/no-csp')) {
      b.gap('headers/no-csp', 'No Content-Security-Policy is sent.');
    }
    if (!somewhere.has('strict-transport-security') && !b.gaps.some((g) => g.rule === 'headers/no-hsts')) {
      b.gap('headers/no-hsts', 'No Strict-Transport-Security header is sent.');
    }
    if (everywhere) {
      const missing = [covered.has('x-frame-options') ? null : 'X-Frame-Options', covered.has('x-content-type-options') ? null : 'X-Content-Type-Options'];
      const names = missing.filter(Boolean);
      if (names.length > 0) b.gap('headers/missing-header', `${names.join(' and ')} not sent.`);
    }
  }
  return b.build('headers');
}

// ---------------------------------------------------------------------------------------------

/** The six protections, in DESIGN.md order. */
export function evaluate(facts: ProjectFacts): ProtectionReport[] {
  const ctx = new Context(facts);
  return [evaluateDebug(ctx), evaluateServer(ctx), evaluateSecret(ctx), evaluateCsrf(ctx), evaluateTemplating(ctx), evaluateHeaders(ctx)];
}
