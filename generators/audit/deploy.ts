// Small parsers for the files around the code: where the app is started, which variables it
// gets, which packages it installs, and what the reverse proxy adds. Each takes a file's text
// and returns facts with line numbers; none does I/O.
import type { AllowEntry, CommandFact, ConfigDataFact, DependencyFact, DockerCopyFact, EnvFact, HeaderPolicyFact, JsFact, JsTokenInstaller, JsVia, NginxFact } from './model.js';
import { looksMinified } from './scope.js';

export type FileKind =
  | 'python'
  | 'template'
  | 'procfile'
  | 'dockerfile'
  | 'compose'
  | 'platform-yaml'
  | 'systemd'
  | 'nginx'
  | 'conf'
  | 'env'
  | 'requirements'
  | 'pyproject'
  | 'pipfile'
  | 'setup-cfg'
  | 'uwsgi'
  | 'workflow'
  | 'js'
  | 'gitignore'
  | 'template-allowlist'
  | 'dockerignore'
  | 'config-data'
  | 'header-policy'
  | 'shell';

const TEMPLATE_EXT = /\.(html?|xhtml|xml|svg|jinja2?|j2|txt)$/i;
const JINJA_EXT = /\.(jinja2?|j2)$/i;

/** What a path is to the audit, from its name alone (null: not read at all). */
export function classify(path: string): FileKind | null {
  const segments = path.split('/');
  const base = segments[segments.length - 1]!;
  const lower = base.toLowerCase();
  const dirs = segments.slice(0, -1).map((s) => s.toLowerCase());
  if (lower.endsWith('.py')) return 'python';
  if (JINJA_EXT.test(lower) || (dirs.includes('templates') && TEMPLATE_EXT.test(lower))) return 'template';
  if (/^procfile(\..+)?$/.test(lower)) return 'procfile';
  if (/^(docker|container)file(\..+)?$/.test(lower) || lower.endsWith('.dockerfile')) return 'dockerfile';
  if (/^(docker-)?compose([.-].+)?\.ya?ml$/.test(lower)) return 'compose';
  if (/^(app|render|heroku|railway|koyeb|platform|manifest)\.ya?ml$/.test(lower)) return 'platform-yaml';
  if (lower.endsWith('.service')) return 'systemd';
  if (lower === 'nginx.conf' || (dirs.some((d) => d.includes('nginx')) && (lower.endsWith('.conf') || !lower.includes('.')))) {
    return 'nginx';
  }
  if (dirs.some((d) => d === 'sites-available' || d === 'sites-enabled') && !lower.startsWith('.')) return 'nginx';
  if (lower.endsWith('.conf')) return 'conf';
  if (lower === '.flaskenv' || lower === '.envrc' || lower === '.env' || lower.startsWith('.env.') || lower.endsWith('.env')) {
    return 'env';
  }
  if (/^requirements.*\.(txt|in)$/.test(lower) || (dirs[dirs.length - 1] === 'requirements' && /\.(txt|in)$/.test(lower))) {
    return 'requirements';
  }
  if (lower === 'pyproject.toml') return 'pyproject';
  if (lower === 'pipfile') return 'pipfile';
  if (lower === 'setup.cfg') return 'setup-cfg';
  if (/^uwsgi.*\.ini$/.test(lower)) return 'uwsgi';
  if (dirs.length >= 2 && dirs[dirs.length - 2] === '.github' && dirs[dirs.length - 1] === 'workflows' && /\.ya?ml$/.test(lower)) {
    return 'workflow';
  }
  if (lower === '.gitlab-ci.yml') return 'workflow';
  if (lower === 'template-audit-allowlist.toml') return 'template-allowlist';
  if (/\.(m?js)$/.test(lower) && !lower.endsWith('.min.js') && dirs.includes('static')) {
    if (dirs.some((d) => ['vendor', 'vendors', 'lib', 'libs', 'dist', 'node_modules'].includes(d))) return null;
    return 'js';
  }
  if (lower === '.gitignore') return 'gitignore';
  if (lower === '.dockerignore') return 'dockerignore';
  if (lower === 'security-headers.json') return 'header-policy';
  if (/\.(ya?ml|toml|ini|cfg|json)$/.test(lower) && (/^(config|settings|app|application|secrets?)([._-].*)?\.[a-z]+$/.test(lower) || dirs.some((d) => d === 'config' || d === 'conf' || d === 'settings'))) {
    return 'config-data';
  }
  if (lower.endsWith('.sh')) return 'shell';
  return null;
}

/** An env file that only documents variables (values there are placeholders by design). */
export function isExampleEnv(path: string): boolean {
  return /(example|sample|template|dist|defaults?)$/i.test(path.split('/').pop()!.replace(/\.env$/i, ''));
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** Lines with their 1-based numbers, continuation backslashes joined (Dockerfile, shell, systemd). */
function logicalLines(text: string, continuation: boolean): { line: number; text: string }[] {
  const raw = text.split(/\r?\n/);
  const out: { line: number; text: string }[] = [];
  for (let i = 0; i < raw.length; i++) {
    const start = i;
    let current = raw[i]!;
    while (continuation && /\\\s*$/.test(current) && i + 1 < raw.length) {
      i++;
      const next = raw[i]!;
      if (/^\s*#/.test(next)) continue; // Dockerfile allows comments inside continuations
      current = current.replace(/\s*\\\s*$/, ' ') + next.trimStart();
    }
    out.push({ line: start + 1, text: current });
  }
  return out;
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) {
    return v.slice(1, -1);
  }
  return v;
}

/** `["gunicorn", "-b", ":80"]` (JSON exec form) or a shell string → one command line. */
function commandText(value: string): string {
  const v = value.trim();
  if (v.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed)) return parsed.map(String).join(' ');
    } catch {
      // YAML flow sequences with single quotes: fall through to a loose split
      return v.replace(/^\[|\]$/g, '').split(',').map((s) => unquote(s)).join(' ');
    }
  }
  return unquote(v);
}

/** `A=1 B="two words"` → [[A, 1], [B, two words]]. */
export function splitAssignments(text: string): [string, string][] {
  const out: [string, string][] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (const m of text.matchAll(re)) out.push([m[1]!, unquote(m[2]!)]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Procfile, Dockerfile, compose and platform YAML, systemd, shell scripts

export function parseProcfile(file: string, text: string): { commands: CommandFact[]; env: EnvFact[] } {
  const commands: CommandFact[] = [];
  const env: EnvFact[] = [];
  for (const { line, text: t } of logicalLines(text, false)) {
    const m = /^\s*([A-Za-z0-9_-]+)\s*:\s*(.+)$/.exec(t);
    if (!m || t.trim().startsWith('#')) continue;
    commands.push({ file, line, source: `procfile:${m[1]}`, command: m[2]!.trim() });
    const lead = /^((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)+)/.exec(m[2]!.trim());
    if (lead) for (const [name, value] of splitAssignments(lead[1]!)) env.push({ file, line, source: 'procfile', name, value });
  }
  return { commands, env };
}

export interface DockerfileFacts {
  commands: CommandFact[];
  env: EnvFact[];
  dependencies: DependencyFact[];
  dockerCopies: DockerCopyFact[];
}

export function parseDockerfile(file: string, text: string): DockerfileFacts {
  const result: DockerfileFacts = { commands: [], env: [], dependencies: [], dockerCopies: [] };
  let stage = -1;
  let stageName = '';
  for (const { line, text: t } of logicalLines(text, true)) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(t);
    if (!m || t.trim().startsWith('#')) continue;
    const instruction = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    if (instruction === 'FROM') {
      stage++;
      stageName = /\s+as\s+(\S+)\s*$/i.exec(rest)?.[1] ?? String(stage);
    } else if (instruction === 'COPY' || instruction === 'ADD') {
      const words = commandText(rest).split(/\s+/).filter((w) => w && !w.startsWith('--'));
      // COPY --from=<stage> copies build output, not the build context
      if (!/--from=/.test(rest) && words.length >= 2) {
        result.dockerCopies.push({ file, line, stage: stageName, stageIndex: stage, sources: words.slice(0, -1), dest: words[words.length - 1]! });
      }
    }
    if (instruction === 'ENV' || instruction === 'ARG') {
      if (rest.includes('=')) {
        for (const [name, value] of splitAssignments(rest)) result.env.push({ file, line, source: 'dockerfile', name, value });
      } else if (instruction === 'ENV') {
        const pair = /^(\S+)\s+(.*)$/.exec(rest);
        if (pair) result.env.push({ file, line, source: 'dockerfile', name: pair[1]!, value: unquote(pair[2]!) });
      }
    } else if (instruction === 'CMD' || instruction === 'ENTRYPOINT') {
      result.commands.push({ file, line, source: `dockerfile:${instruction.toLowerCase()}`, command: commandText(rest) });
    } else if (instruction === 'RUN') {
      for (const name of pipInstalls(rest)) result.dependencies.push({ file, line, name, group: 'main' });
    }
  }
  const last = Math.max(stage, 0);
  for (const copy of result.dockerCopies) copy.finalStage = copy.stageIndex === last;
  return result;
}

/** Package names installed by `pip install a b==1` inside a shell command (files and options skipped). */
export function pipInstalls(command: string): string[] {
  const names: string[] = [];
  for (const part of command.split(/&&|;|\|\|/)) {
    const m = /\bpip3?\s+install\s+(.*)$/.exec(part) ?? /\buv\s+pip\s+install\s+(.*)$/.exec(part);
    if (!m) continue;
    const tokens = m[1]!.trim().split(/\s+/);
    for (let i = 0; i < tokens.length; i++) {
      const token = unquote(tokens[i]!);
      if (token.startsWith('-')) {
        if (['-r', '-c', '-e', '--requirement', '--constraint', '--editable', '-i', '--index-url', '--target', '-t'].includes(token)) i++;
        continue;
      }
      const name = requirementName(token);
      if (name) names.push(name);
    }
  }
  return names;
}

/** The version part of a requirement (`==1.1.4`, `>=2,<3`), or undefined. */
export function versionSpec(spec: string): string | undefined {
  const m = /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?\s*([<>=!~][^;#]*)/.exec(spec.trim());
  return m ? m[1]!.replace(/\s+/g, '') : undefined;
}

/** The normalised project name of a requirement specifier, or null for paths, URLs and options. */
export function requirementName(spec: string): string | null {
  const s = spec.trim();
  if (!s || s.startsWith('-') || s.startsWith('.') || s.startsWith('/') || /^[a-z+]+:\/\//i.test(s)) {
    const egg = /#egg=([A-Za-z0-9._-]+)/.exec(s);
    return egg ? normalise(egg[1]!) : null;
  }
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(s);
  return m ? normalise(m[1]!) : null;
}

const normalise = (name: string): string => name.toLowerCase().replace(/[._-]+/g, '-');

/**
 * docker-compose and platform YAML (app.yaml, render.yaml, ...): the command keys and the
 * environment blocks, read by indentation. Not a YAML parser: enough for these two shapes.
 */
export function parseComposeLike(file: string, text: string, source: 'compose' | 'yaml'): { commands: CommandFact[]; env: EnvFact[] } {
  const commands: CommandFact[] = [];
  const env: EnvFact[] = [];
  const lines = text.split(/\r?\n/);
  const indentOf = (s: string) => s.length - s.trimStart().length;
  const commandKeys = /^(command|entrypoint|startCommand|start_command|start|web|run|cmd)$/;
  const envKeys = /^(environment|env|env_variables|envVars|variables)$/;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (/^\s*#/.test(raw)) continue;
    const m = /^(\s*)(?:-\s+)?([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$/.exec(raw);
    if (!m) continue;
    const indent = m[1]!.length;
    const key = m[2]!;
    const value = m[3]!.replace(/\s+#.*$/, '');
    const block: { line: number; text: string }[] = [];
    if (value === '' || value === '|' || value === '>' || value === '>-' || value === '|-') {
      for (let j = i + 1; j < lines.length; j++) {
        const next = lines[j]!;
        if (next.trim() === '' || /^\s*#/.test(next)) continue;
        if (indentOf(next) <= indent) break;
        block.push({ line: j + 1, text: next.trim() });
      }
    }
    const isCommand = source === 'compose' ? key === 'command' || key === 'entrypoint' : commandKeys.test(key);
    if (isCommand) {
      if (value && !value.startsWith('|') && !value.startsWith('>')) {
        commands.push({ file, line: i + 1, source: `${source}:${key}`, command: commandText(value) });
      } else if (block.length > 0) {
        const items = block.map((b) => unquote(b.text.replace(/^-\s*/, '')));
        commands.push({ file, line: i + 1, source: `${source}:${key}`, command: items.join(' ') });
      }
    } else if (envKeys.test(key) && block.length > 0) {
      for (const b of block) {
        const item = b.text.replace(/^-\s*/, '');
        const kv =
          /^["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*(?:=|:\s)\s*(.*)$/.exec(item) ?? /^["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*:?$/.exec(item);
        if (kv) env.push({ file, line: b.line, source, name: kv[1]!, value: unquote((kv[2] ?? '').replace(/\s+#.*$/, '')) });
      }
    }
  }
  return { commands, env };
}

export function parseSystemd(file: string, text: string): { commands: CommandFact[]; env: EnvFact[] } {
  const commands: CommandFact[] = [];
  const env: EnvFact[] = [];
  for (const { line, text: t } of logicalLines(text, true)) {
    const m = /^\s*([A-Za-z]+)\s*=\s*(.*)$/.exec(t);
    if (!m || /^\s*[#;]/.test(t)) continue;
    const key = m[1]!;
    const value = m[2]!.trim();
    if (key === 'ExecStart') {
      commands.push({ file, line, source: 'systemd', command: value.replace(/^[-@:+!]+/, '') });
    } else if (key === 'Environment') {
      const quoted = [...value.matchAll(/"([^"]*)"|(\S+)/g)].map((q) => q[1] ?? q[2]!);
      for (const item of quoted) {
        const eq = item.indexOf('=');
        if (eq > 0) env.push({ file, line, source: 'systemd', name: item.slice(0, eq), value: item.slice(eq + 1) });
      }
    } else if (key === 'LoadCredential' || key === 'LoadCredentialEncrypted' || key === 'SetCredential' || key === 'EnvironmentFile') {
      env.push({ file, line, source: 'systemd', name: key, value });
    }
  }
  return { commands, env };
}

/**
 * Lines of a shell script that run something (comments, blank lines and `set -e` dropped). A
 * command inside a `case "$1" in pattern)` branch carries the branch's pattern, so the caller can
 * keep only the branch the container's CMD selects (ENTRYPOINT script + CMD ["server"]).
 */
export function parseShellCommands(file: string, text: string, source: string): CommandFact[] {
  const commands: CommandFact[] = [];
  let inCase = 0;
  let branch: string | undefined;
  for (const { line, text: t } of logicalLines(text, true)) {
    let s = t.trim();
    if (/^case\b.*\bin$/.test(s)) {
      inCase++;
      continue;
    }
    if (s === 'esac') {
      inCase = Math.max(0, inCase - 1);
      branch = undefined;
      continue;
    }
    const pattern = inCase > 0 ? /^\(?([^()]+)\)\s*(.*)$/.exec(s) : null;
    if (pattern && !/^[\w-]+\s*\(\)/.test(s)) {
      branch = pattern[1]!.trim();
      s = pattern[2]!.replace(/;;\s*$/, '').trim();
    }
    s = s.replace(/;;\s*$/, '').trim();
    if (!s || s.startsWith('#') || /^(set|export|cd|echo|if|fi|then|else|do|done|for|while|shift)\b/.test(s)) continue;
    const fact: CommandFact = { file, line, source, command: s.replace(/^exec\s+/, '') };
    if (branch !== undefined) fact.branch = branch;
    commands.push(fact);
  }
  return commands;
}

/** Whether a case pattern (`server|web`, `*`, `"serve"`) matches the word a CMD passes. */
export function branchMatches(pattern: string, word: string | undefined): boolean {
  return pattern.split('|').some((alt) => {
    const p = unquote(alt.trim());
    if (p === '*') return true;
    if (word === undefined) return false;
    const re = new RegExp(`^${p.replace(/[.+^${}()[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    return re.test(word);
  });
}

/** A file a start command names that is a shell script: a `.sh`, or a `#!` script without extension. */
export function isShellScript(text: string): boolean {
  return /^#!\s*\S*\b(sh|bash|dash|ash|zsh)\b/.test(text) || /^#!\s*\/usr\/bin\/env\s+(sh|bash|dash|ash|zsh)\b/.test(text);
}

export function parseEnvFile(file: string, text: string): EnvFact[] {
  const env: EnvFact[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(raw);
    if (!m) return;
    let value = m[2]!.trim();
    if (!value.startsWith('"') && !value.startsWith("'")) value = value.replace(/\s+#.*$/, '');
    env.push({ file, line: index + 1, source: 'envfile', name: m[1]!, value: unquote(value) });
  });
  return env;
}

/** Workflows: only variables that look like secrets or debug flags are of interest. */
export function parseWorkflow(file: string, text: string): EnvFact[] {
  const env: EnvFact[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const m = /^\s*(?:-\s*)?([A-Z0-9_]*(?:SECRET_KEY|FLASK_DEBUG)[A-Z0-9_]*)\s*[:=]\s*(.*?)\s*$/.exec(raw);
    if (m) env.push({ file, line: index + 1, source: 'workflow', name: m[1]!, value: unquote(m[2]!) });
  });
  return env;
}

// ---------------------------------------------------------------------------------------------
// Dependencies

export function parseRequirements(file: string, text: string): DependencyFact[] {
  const group = /(dev|test|lint|doc|ci)/i.test(file.split('/').pop()!) ? 'dev' : 'main';
  const deps: DependencyFact[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const s = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!s || (s.startsWith('-') && !s.startsWith('-e'))) return;
    const name = requirementName(s.replace(/^-e\s+/, ''));
    if (name) deps.push({ file, line: index + 1, name, group, spec: versionSpec(s) });
  });
  return deps;
}

/**
 * pyproject.toml: [project] dependencies, [project.optional-dependencies], [dependency-groups],
 * Poetry's dependency tables. A line scanner over TOML's table headers and arrays.
 */
export function parsePyproject(file: string, text: string): DependencyFact[] {
  const deps: DependencyFact[] = [];
  let table = '';
  let arrayGroup: string | null = null;
  const lines = text.split(/\r?\n/);
  const takeStrings = (s: string, line: number, group: string) => {
    for (const m of s.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g)) {
      const name = requirementName(m[1] ?? m[2]!);
      if (name) deps.push({ file, line, name, group, spec: versionSpec(m[1] ?? m[2]!) });
    }
  };
  lines.forEach((raw, index) => {
    const line = index + 1;
    const s = raw.replace(/\s+#.*$/, '').trim();
    if (arrayGroup !== null) {
      const end = s.indexOf(']');
      takeStrings(end >= 0 ? s.slice(0, end) : s, line, arrayGroup);
      if (end >= 0) arrayGroup = null;
      return;
    }
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(s);
    if (header) {
      table = header[1]!.replace(/["']/g, '');
      return;
    }
    const kv = /^([A-Za-z0-9_.-]+|"[^"]+")\s*=\s*(.*)$/.exec(s);
    if (!kv) return;
    const key = kv[1]!.replace(/"/g, '');
    const value = kv[2]!;
    let group: string | null = null;
    if (table === 'project' && key === 'dependencies') group = 'main';
    else if (table === 'project.optional-dependencies') group = `optional:${key}`;
    else if (table === 'dependency-groups') group = `group:${key}`;
    else if (/^tool\.(pdm\.dev-dependencies|uv)$/.test(table) && /dependencies|dev-dependencies/.test(key)) group = 'dev';
    if (group !== null && value.startsWith('[')) {
      const end = value.indexOf(']');
      takeStrings(end >= 0 ? value.slice(1, end) : value.slice(1), line, group);
      if (end < 0) arrayGroup = group;
      return;
    }
    const poetry = /^tool\.poetry\.(dependencies|dev-dependencies|group\.([^.]+)\.dependencies)$/.exec(table);
    if (poetry && key !== 'python') {
      deps.push({ file, line, name: normalise(key), group: poetry[1] === 'dependencies' ? 'main' : `dev` });
    }
  });
  return deps;
}

export function parsePipfile(file: string, text: string): DependencyFact[] {
  const deps: DependencyFact[] = [];
  let table = '';
  text.split(/\r?\n/).forEach((raw, index) => {
    const s = raw.replace(/\s+#.*$/, '').trim();
    const header = /^\[([^\]]+)\]$/.exec(s);
    if (header) {
      table = header[1]!;
      return;
    }
    const kv = /^"?([A-Za-z0-9_.-]+)"?\s*=/.exec(s);
    if (kv && (table === 'packages' || table === 'dev-packages')) {
      deps.push({ file, line: index + 1, name: normalise(kv[1]!), group: table === 'packages' ? 'main' : 'dev' });
    }
  });
  return deps;
}

export function parseSetupCfg(file: string, text: string): DependencyFact[] {
  const deps: DependencyFact[] = [];
  let inRequires = false;
  let section = '';
  text.split(/\r?\n/).forEach((raw, index) => {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      section = header[1]!;
      inRequires = false;
      return;
    }
    const start = /^install_requires\s*=\s*(.*)$/.exec(raw);
    if (start && section === 'options') {
      inRequires = true;
      const name = requirementName(start[1]!);
      if (name) deps.push({ file, line: index + 1, name, group: 'main' });
      return;
    }
    if (inRequires) {
      if (/^\S/.test(raw)) {
        inRequires = false;
        return;
      }
      const name = requirementName(raw.replace(/#.*$/, ''));
      if (name) deps.push({ file, line: index + 1, name, group: 'main' });
    }
  });
  return deps;
}

// ---------------------------------------------------------------------------------------------
// nginx

/**
 * nginx configuration: every directive with its arguments and enclosing blocks. Quotes,
 * comments and nested blocks are handled; variables are left as written.
 */
export function parseNginx(file: string, text: string): NginxFact[] {
  const facts: NginxFact[] = [];
  const context: string[] = [];
  let words: string[] = [];
  let wordLine = 0;
  let line = 1;
  let i = 0;
  const n = text.length;
  const push = (word: string, at: number) => {
    if (words.length === 0) wordLine = at;
    words.push(word);
  };
  while (i < n) {
    const ch = text[i]!;
    if (ch === '\n') {
      line++;
      i++;
    } else if (/\s/.test(ch)) {
      i++;
    } else if (ch === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (ch === '"' || ch === "'") {
      const start = line;
      let j = i + 1;
      let value = '';
      while (j < n && text[j] !== ch) {
        if (text[j] === '\\' && j + 1 < n) {
          value += text[j + 1];
          j += 2;
          continue;
        }
        if (text[j] === '\n') line++;
        value += text[j];
        j++;
      }
      push(value, start);
      i = j + 1;
    } else if (ch === ';') {
      if (words.length > 0) facts.push({ file, line: wordLine, directive: words[0]!, args: words.slice(1), context: [...context] });
      words = [];
      i++;
    } else if (ch === '{') {
      if (words.length > 0) facts.push({ file, line: wordLine, directive: words[0]!, args: words.slice(1), context: [...context] });
      context.push(words[0] ?? '');
      words = [];
      i++;
    } else if (ch === '}') {
      context.pop();
      words = [];
      i++;
    } else {
      let j = i;
      while (j < n && !/[\s;{}"'#]/.test(text[j]!)) j++;
      push(text.slice(i, j), line);
      i = j;
    }
  }
  return facts;
}

/** A `.conf` file elsewhere is nginx when it has server blocks with proxying or listening. */
export function looksLikeNginx(text: string): boolean {
  return /\bserver\s*\{/.test(text) && /\b(proxy_pass|uwsgi_pass|listen)\b/.test(text);
}

// ---------------------------------------------------------------------------------------------
// .dockerignore and configuration data files

/** Whether a .dockerignore keeps `.env` files out of the build context (gitignore-like patterns). */
export function dockerignoreExcludesEnv(text: string): boolean {
  const rules = parseGitignore(text.replace(/^\s*\*\*\//gm, ''));
  return matchIgnore('.env', rules) === true;
}

const SECRET_SETTING = /^\s*["']?((?:[\w-]+[._])?secret[_-]?key)["']?\s*[:=]\s*(.*?)\s*,?\s*$/i;

/**
 * YAML/TOML/INI/JSON configuration files: the lines that set a secret key, with their value as
 * written (`${SECRET_KEY}`, `%(ENV_SECRET_KEY)s`, a literal). Line-based: enough for one key.
 */
export function parseConfigData(file: string, text: string): ConfigDataFact[] {
  const out: ConfigDataFact[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    if (/^\s*[#;]/.test(raw)) return;
    const m = SECRET_SETTING.exec(raw);
    if (m) out.push({ file, line: index + 1, name: m[1]!, value: unquote(m[2]!.replace(/\s+#.*$/, '')) });
  });
  return out;
}

/**
 * A header policy file (`security-headers.json`, which the generated project's security.py sends
 * and its nginx snippet is rendered from): the Content-Security-Policy directives, at the line of
 * the `content_security_policy` key. Invalid JSON yields nothing.
 */
export function parseHeaderPolicy(file: string, text: string): HeaderPolicyFact[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  const csp = (doc as { content_security_policy?: unknown })?.content_security_policy;
  if (!csp || typeof csp !== 'object' || Array.isArray(csp)) return [];
  const directives: Record<string, string> = {};
  for (const [key, value] of Object.entries(csp as Record<string, unknown>)) {
    directives[key] = Array.isArray(value) ? value.map(String).join(' ') : String(value);
  }
  const index = text.split(/\r?\n/).findIndex((l) => l.includes('"content_security_policy"'));
  return [{ file, line: index + 1 || 1, directives }];
}

// ---------------------------------------------------------------------------------------------
// JavaScript, .gitignore, the template-audit allow-list

// `$` is not a word character: `\b$` would never match the start of `$.post(`.
const STATE_CALL = /(?:\baxios|\bjQuery|(?<![\w$])\$)\.(post|put|patch|delete)\s*\(/i;
const FETCH_CALL = /\bfetch\s*\(|new\s+XMLHttpRequest\b|(?<![\w$])\$\.ajax\s*\(|\bjQuery\.ajax\s*\(/;
const METHOD_OPTION = /\b(?:method|type)\s*:\s*["'`](post|put|patch|delete)["'`]|\.open\s*\(\s*["'`](post|put|patch|delete)["'`]/i;

/** A literal absolute URL as the call's first argument (another origin: no same-origin shim covers it). */
const ABSOLUTE_URL = /(?:fetch\s*\(|\.open\s*\(\s*["'`]\w+["'`]\s*,|\.(?:post|put|patch|delete|ajax)\s*\()\s*["'`](?:https?:)?\/\//i;

export function scanJs(file: string, text: string): JsFact[] {
  if (looksMinified(text)) return []; // a bundle: its code is a library's, not the app's
  const token = /X-CSRF-?Token|csrf/i.test(text);
  const lines = text.split(/\r?\n/);
  const facts: JsFact[] = [];
  lines.forEach((raw, index) => {
    if (/^\s*\/\//.test(raw)) return;
    const call = STATE_CALL.exec(raw);
    let via: JsVia | undefined = call ? (/^axios/i.test(call[0]) ? 'axios' : 'jquery') : undefined;
    let window = raw;
    if (!via && FETCH_CALL.test(raw)) {
      window = lines.slice(index, index + 12).join('\n');
      if (METHOD_OPTION.test(window)) via = /\bfetch\s*\(/.test(raw) ? 'fetch' : /XMLHttpRequest/.test(raw) ? 'xhr' : 'jquery';
    }
    if (via) facts.push({ file, line: index + 1, token, via, absolute: ABSOLUTE_URL.test(window) });
  });
  return facts;
}

/**
 * Whether the file is a token installer (JsTokenInstaller): it reads <meta name="csrf-token">
 * and sets the CSRF header from inside a wrapper of window.fetch, of XMLHttpRequest's
 * open/send, or in $.ajaxSetup / ajaxSend. Which of the page's calls it covers follows from
 * what it wraps: jQuery and axios send through XMLHttpRequest.
 */
export function scanJsInstaller(file: string, text: string): JsTokenInstaller[] {
  if (!/meta\[name=["']?csrf-token["']?\]/.test(text) || !/X-CSRF-?Token/i.test(text)) return [];
  const covers = new Set<JsVia>();
  if (/\bwindow\.fetch\s*=(?!=)/.test(text)) covers.add('fetch');
  if (/XMLHttpRequest\.prototype\.(?:open|send)\s*=(?!=)/.test(text)) for (const via of ['xhr', 'jquery', 'axios'] as const) covers.add(via);
  if (/(?:\$|jQuery)\.ajaxSetup\s*\(|\.ajaxSend\s*\(/.test(text)) covers.add('jquery');
  if (covers.size === 0) return [];
  const lines = text.split(/\r?\n/);
  const index = lines.findIndex((l) => /["'`]X-CSRF-?Token["'`]/i.test(l) && !/^\s*\/\//.test(l));
  if (index < 0) return [];
  const header = /["'`](X-CSRF-?Token)["'`]/i.exec(lines[index]!)![1]!;
  return [{ file, line: index + 1, covers: [...covers], header }];
}

export interface IgnoreRule {
  negate: boolean;
  regex: RegExp;
  dirOnly: boolean;
}

/** The root .gitignore as rules (last match wins); enough of gitignore(5) for dotfiles and globs. */
export function parseGitignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let s = raw.replace(/\s+$/, '');
    if (!s || s.startsWith('#')) continue;
    const negate = s.startsWith('!');
    if (negate) s = s.slice(1);
    const dirOnly = s.endsWith('/');
    if (dirOnly) s = s.slice(0, -1);
    const anchored = s.includes('/');
    if (s.startsWith('/')) s = s.slice(1);
    let re = '';
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!;
      if (c === '*') {
        if (s[i + 1] === '*') {
          re += '.*';
          i++;
          if (s[i + 1] === '/') i++;
        } else re += '[^/]*';
      } else if (c === '?') re += '[^/]';
      else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    const tail = dirOnly ? '/.*' : '(/.*)?';
    rules.push({ negate, dirOnly, regex: new RegExp(anchored ? `^${re}${tail}$` : `(^|/)${re}${tail}$`) });
  }
  return rules;
}

/** true/false when a rule of this list decides about `path` (last match wins), undefined when none matches. */
export function matchIgnore(path: string, rules: readonly IgnoreRule[]): boolean | undefined {
  let ignored: boolean | undefined;
  for (const rule of rules) {
    if (rule.regex.test(path)) ignored = !rule.negate;
  }
  return ignored;
}

export function isIgnored(path: string, rules: readonly IgnoreRule[]): boolean {
  return matchIgnore(path, rules) ?? false;
}

/** `[[allow]]` tables of template-audit-allowlist.toml (template, rule, reason). */
export function parseTemplateAllowList(file: string, text: string): AllowEntry[] {
  const entries: AllowEntry[] = [];
  let current: Partial<AllowEntry> | null = null;
  const flush = () => {
    if (current?.template && current.rule && current.reason?.trim()) entries.push(current as AllowEntry);
  };
  text.split(/\r?\n/).forEach((raw, index) => {
    const s = raw.replace(/\s+#.*$/, '').trim();
    if (/^\[\[\s*allow\s*\]\]$/.test(s)) {
      flush();
      current = { file, line: index + 1 };
      return;
    }
    if (s.startsWith('[')) {
      flush();
      current = null;
      return;
    }
    const kv = /^(template|rule|reason)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*')$/.exec(s);
    if (kv && current) (current as Record<string, unknown>)[kv[1]!] = unquote(kv[2]!);
  });
  flush();
  return entries;
}
