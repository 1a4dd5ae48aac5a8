// A preset's policy: an organisation's extra rules for `audit` (DESIGN §9). Pure: the rules read
// the finished report and the facts it was built from, and ask `exists` about required files;
// policy-source.ts does the I/O (finding the policy), command.ts decides the exit code (any
// violation fails, whatever --fail-on says).
import type { AuditReport, Location, ProjectFacts, ProtectionId, Status, Val } from './model.js';
import { classRole, constOf, cspFromVal, fileRole, parseCspString, type Csp } from './rules.js';

export interface Policy {
  /** A protection → the status it must have at least (`partial` accepts partial or implemented). */
  require?: Partial<Record<ProtectionId, Exclude<Status, 'missing'>>>;
  /** CSP source expressions no policy the project sends may contain, e.g. `'unsafe-inline'`, `*`. */
  cspForbid?: string[];
  /** The smallest Strict-Transport-Security max-age allowed, in seconds. */
  minHstsMaxAge?: number;
  /** Files that must exist, relative to the project root (e.g. CODEOWNERS). */
  requireFiles?: string[];
}

export type PolicyRule = 'policy/require' | 'policy/csp-forbid' | 'policy/min-hsts-max-age' | 'policy/require-file';

export interface PolicyViolation {
  rule: PolicyRule;
  description: string;
  /** Where the project breaks the rule; empty only for a required file that is absent. */
  locations: Location[];
}

/** The policy section of a report: which policy was applied and what breaks it. */
export interface PolicySection {
  /** The preset the policy comes from and how it was chosen. */
  preset: { name: string; version: string; source: string };
  chosenBy: 'flag' | 'recorded';
  violations: PolicyViolation[];
}

const PROTECTION_IDS: readonly ProtectionId[] = ['debug', 'wsgi-server', 'secret-key', 'csrf', 'templating', 'headers'];
const POLICY_KEYS = ['require', 'cspForbid', 'minHstsMaxAge', 'requireFiles'] as const;
const RANK: Record<Status, number> = { missing: 0, partial: 1, implemented: 2 };

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function stringList(value: unknown, key: string, check: (item: string) => string | undefined): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error(`"${key}" must be a non-empty list of strings`);
  for (const item of value) {
    if (typeof item !== 'string' || item.trim() === '' || item !== item.trim()) throw new Error(`"${key}" must hold non-empty strings without spaces around them`);
    const problem = check(item);
    if (problem) throw new Error(`"${key}": ${problem}`);
  }
  return [...value] as string[];
}

/** Validates a policy object; throws Error with a one-line reason (unknown keys are refused). */
export function parsePolicy(raw: unknown): Policy {
  if (!isObject(raw)) throw new Error('must be an object');
  const unknown = Object.keys(raw).find((key) => !(POLICY_KEYS as readonly string[]).includes(key));
  if (unknown !== undefined) throw new Error(`unknown key "${unknown.slice(0, 40)}"; a policy has ${POLICY_KEYS.join(', ')}`);
  const policy: Policy = {};
  if (raw.require !== undefined) {
    if (!isObject(raw.require)) throw new Error('"require" must map protections to a status');
    const require: Policy['require'] = {};
    for (const [id, status] of Object.entries(raw.require)) {
      if (!(PROTECTION_IDS as readonly string[]).includes(id)) throw new Error(`"require": unknown protection "${id.slice(0, 40)}"; protections: ${PROTECTION_IDS.join(', ')}`);
      if (status !== 'implemented' && status !== 'partial') throw new Error(`"require": ${id} must be "implemented" or "partial"`);
      require[id as ProtectionId] = status;
    }
    policy.require = require;
  }
  if (raw.cspForbid !== undefined) {
    policy.cspForbid = stringList(raw.cspForbid, 'cspForbid', (item) => (/\s|;|,/.test(item) ? `"${item.slice(0, 40)}" is not one source expression` : undefined));
  }
  if (raw.minHstsMaxAge !== undefined) {
    const value = raw.minHstsMaxAge;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1_000_000_000) {
      throw new Error('"minHstsMaxAge" must be a whole number of seconds');
    }
    policy.minHstsMaxAge = value;
  }
  if (raw.requireFiles !== undefined) {
    policy.requireFiles = stringList(raw.requireFiles, 'requireFiles', (item) =>
      item.startsWith('/') || item.split(/[\\/]/).includes('..') || item.includes('\\') ? `"${item.slice(0, 40)}" must be a path inside the project (a/b, no ..)` : undefined,
    );
  }
  return policy;
}

// ---------------------------------------------------------------------------------------------
// What the project sends: every CSP and HSTS max-age the facts show, with where

export interface SentCsp {
  csp: Csp;
  at: Location;
  via: string;
}

interface SentMaxAge {
  seconds: number;
  at: Location;
  via: string;
}

/** Talisman's own defaults when a keyword is not given (Flask-Talisman 1.x). */
const TALISMAN_DEFAULT_CSP = "default-src 'self'";
const TALISMAN_DEFAULT_MAX_AGE = 31_536_000;

type PyFactWithFile = ProjectFacts['python'][number]['facts'][number] & { file: string };

function productionFacts(facts: ProjectFacts): PyFactWithFile[] {
  return facts.python.filter((f) => fileRole(f.path) === 'prod').flatMap((f) => f.facts.map((fact) => ({ ...fact, file: f.path })));
}

const at = (fact: { file: string; line: number }): Location => ({ file: fact.file, line: fact.line });

/** Every Content-Security-Policy the project sends (or may send), as far as the facts show. */
export function sentCsps(facts: ProjectFacts): SentCsp[] {
  const out: SentCsp[] = [];
  const py = productionFacts(facts);
  for (const fact of py) {
    if (fact.kind === 'csp-candidate') {
      const csp = cspFromVal(fact.value as Val);
      if (csp instanceof Map) out.push({ csp, at: at(fact), via: `${String(fact.name)} (Python)` });
    }
    if (fact.kind === 'extension' && fact.ext === 'Talisman') {
      const kwargs = (fact.kwargs ?? {}) as Record<string, Val>;
      if (!('content_security_policy' in kwargs)) {
        out.push({ csp: parseCspString(TALISMAN_DEFAULT_CSP), at: at(fact), via: "Talisman's default policy" });
      } else {
        const csp = cspFromVal(kwargs.content_security_policy);
        if (csp instanceof Map) out.push({ csp, at: at(fact), via: 'Talisman(content_security_policy=...)' });
      }
    }
    if (fact.kind === 'header-set' && String(fact.header).toLowerCase() === 'content-security-policy') {
      const text = constOf(fact.value as Val);
      if (typeof text === 'string') out.push({ csp: parseCspString(text), at: at(fact), via: 'a header set in Python' });
    }
  }
  for (const n of facts.deploy.nginx) {
    if (n.directive === 'add_header' && n.args[0]?.toLowerCase() === 'content-security-policy' && n.args[1] && !n.args[1].includes('$')) {
      out.push({ csp: parseCspString(n.args[1]), at: at(n), via: 'nginx add_header' });
    }
  }
  return out;
}

/** Every HSTS max-age the project sets, as far as the facts show. */
export function sentMaxAges(facts: ProjectFacts): SentMaxAge[] {
  const out: SentMaxAge[] = [];
  for (const fact of productionFacts(facts)) {
    if (fact.kind === 'extension' && fact.ext === 'Talisman') {
      const kwargs = (fact.kwargs ?? {}) as Record<string, Val>;
      const given = kwargs.strict_transport_security_max_age;
      const value = given === undefined ? TALISMAN_DEFAULT_MAX_AGE : constOf(given);
      if (typeof value === 'number') out.push({ seconds: value, at: at(fact), via: given === undefined ? "Talisman's default max-age" : 'Talisman(strict_transport_security_max_age=...)' });
    }
    // The generated project keeps the value in its config (HSTS_MAX_AGE), which Talisman reads.
    if (fact.kind === 'config-set' && fact.key === 'HSTS_MAX_AGE' && !(fact.cls && ['dev', 'test'].includes(classRole(fact.cls)))) {
      const value = constOf(fact.value as Val);
      if (typeof value === 'number') out.push({ seconds: value, at: at(fact), via: 'HSTS_MAX_AGE' });
    }
    if (fact.kind === 'header-set' && String(fact.header).toLowerCase() === 'strict-transport-security') {
      const text = constOf(fact.value as Val);
      const m = typeof text === 'string' ? /max-age=(\d+)/i.exec(text) : null;
      if (m) out.push({ seconds: Number(m[1]), at: at(fact), via: 'a header set in Python' });
    }
  }
  for (const n of facts.deploy.nginx) {
    if (n.directive === 'add_header' && n.args[0]?.toLowerCase() === 'strict-transport-security') {
      const m = /max-age=(\d+)/i.exec(n.args[1] ?? '');
      if (m) out.push({ seconds: Number(m[1]), at: at(n), via: 'nginx add_header' });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The rules

/**
 * A generated project keeps its header policy in `security-headers.json` (security.py sends it,
 * the nginx snippet is rendered from it): its CSP, from the file's text, with the line of each directive.
 */
export function cspsFromPolicyFile(file: string, text: string): SentCsp[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const csp = (parsed as { content_security_policy?: unknown } | null)?.content_security_policy;
  if (!csp || typeof csp !== 'object' || Array.isArray(csp)) return [];
  const lines = text.split('\n');
  return Object.entries(csp as Record<string, unknown>)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([directive, sources]) => {
      const index = lines.findIndex((line) => line.includes(JSON.stringify(directive)));
      return { csp: new Map([[directive.toLowerCase(), sources.split(/\s+/).filter(Boolean)]]), at: { file, line: index + 1 || 1 }, via: file };
    });
}

/** The policy's violations, in rule order, each with file:line (or the required file's path). */
export function checkPolicy(
  policy: Policy,
  report: AuditReport,
  facts: ProjectFacts,
  exists: (path: string) => boolean,
  extraCsps: readonly SentCsp[] = [],
): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  for (const [id, wanted] of Object.entries(policy.require ?? {}) as [ProtectionId, Exclude<Status, 'missing'>][]) {
    const protection = report.protections.find((p) => p.id === id);
    if (!protection || RANK[protection.status] >= RANK[wanted]) continue;
    const locations = protection.missingImplementation.flatMap((gap) => gap.locations);
    const why = protection.missingImplementation.map((gap) => gap.description).slice(0, 3).join(' ');
    violations.push({
      rule: 'policy/require',
      description: `${protection.title} must be ${wanted}, but is ${protection.status}${why ? `: ${why}` : ''}`,
      locations: unique(locations.length > 0 ? locations : protection.currentlyImplemented.flatMap((c) => c.evidence)),
    });
  }
  if (policy.cspForbid) {
    const forbidden = new Map(policy.cspForbid.map((token) => [token.toLowerCase(), token]));
    for (const sent of [...sentCsps(facts), ...extraCsps]) {
      for (const [directive, sources] of sent.csp) {
        const bad = sources.filter((source) => forbidden.has(source.toLowerCase()));
        if (bad.length > 0) {
          violations.push({
            rule: 'policy/csp-forbid',
            description: `the Content-Security-Policy from ${sent.via} allows ${bad.join(' ')} in ${directive}, which the policy forbids`,
            locations: [sent.at],
          });
        }
      }
    }
  }
  if (policy.minHstsMaxAge !== undefined) {
    const min = policy.minHstsMaxAge;
    const sent = sentMaxAges(facts);
    for (const s of sent.filter((x) => x.seconds < min)) {
      violations.push({ rule: 'policy/min-hsts-max-age', description: `HSTS max-age from ${s.via} is ${s.seconds} seconds; the policy needs at least ${min}`, locations: [s.at] });
    }
    if (sent.length === 0) {
      const headers = report.protections.find((p) => p.id === 'headers');
      const anchor = headers?.currentlyImplemented.flatMap((c) => c.evidence) ?? [];
      violations.push({ rule: 'policy/min-hsts-max-age', description: `no Strict-Transport-Security max-age is set where the audit can read it; the policy needs at least ${min} seconds`, locations: unique(anchor).slice(0, 3) });
    }
  }
  for (const file of policy.requireFiles ?? []) {
    const normal = file.replace(/\/+$/, '');
    if (!exists(normal)) violations.push({ rule: 'policy/require-file', description: `${normal} is required by the policy and does not exist`, locations: [] });
  }
  return violations;
}

function unique(locations: Location[]): Location[] {
  const seen = new Set<string>();
  return locations.filter((l) => {
    const key = `${l.file}:${l.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Rendering: a section of its own after the protections

const where = (v: PolicyViolation): string => (v.locations.length > 0 ? v.locations.map((l) => `${l.file}:${l.line}`).join(', ') : 'missing file');

function heading(section: PolicySection): string {
  const p = section.preset;
  const how = section.chosenBy === 'flag' ? '--policy' : 'recorded in .yo-rc.json';
  return `Policy of preset ${p.name} ${p.version} (${p.source}; ${how})`;
}

export function renderPolicyTable(section: PolicySection): string {
  const lines = ['', heading(section)];
  if (section.violations.length === 0) lines.push('  no violations');
  for (const v of section.violations) lines.push(`  ✗ ${v.rule}: ${v.description}`, `      at ${where(v)}`);
  lines.push(`  ${section.violations.length} policy violation${section.violations.length === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}

export function renderPolicyMarkdown(section: PolicySection): string {
  const lines = ['', `## ${heading(section)}`, ''];
  if (section.violations.length === 0) lines.push('No violations.');
  for (const v of section.violations) {
    const locs = v.locations.length > 0 ? v.locations.map((l) => `\`${l.file}:${l.line}\``).join(', ') : 'missing file';
    lines.push(`- **${v.rule}**: ${v.description} (${locs})`);
  }
  return `${lines.join('\n')}\n`;
}

/** Adds the violations to a SARIF log as results of their own rules (code scanning shows them). */
export function addPolicyToSarif(sarifText: string, section: PolicySection): string {
  const sarif = JSON.parse(sarifText) as { runs: { tool: { driver: { rules: unknown[] } }; results: unknown[]; properties?: Record<string, unknown> }[] };
  const run = sarif.runs[0]!;
  const ids = [...new Set(section.violations.map((v) => v.rule))];
  const base = run.tool.driver.rules.length;
  for (const id of ids) {
    run.tool.driver.rules.push({ id, name: id, shortDescription: { text: `Preset policy: ${id.slice('policy/'.length)}` }, defaultConfiguration: { level: 'error' } });
  }
  for (const v of section.violations) {
    // Code scanning needs a location: a missing required file points at the project root's README.
    const anchor = v.locations[0] ?? { file: 'README.md', line: 1 };
    run.results.push({
      ruleId: v.rule,
      ruleIndex: base + ids.indexOf(v.rule),
      level: 'error',
      message: { text: v.description },
      locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(anchor.file), uriBaseId: 'PROJECTROOT' }, region: { startLine: Math.max(1, anchor.line) } } }],
    });
  }
  run.properties = { ...run.properties, policy: { preset: section.preset, violations: section.violations.length } };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
