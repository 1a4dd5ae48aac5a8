// Which policy an audit enforces: `--policy PATH|PACKAGE`, else the preset the project records in
// `.yo-rc.json`. The only I/O of the policy feature; the rules themselves are pure (policy.ts).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PresetRecord } from '../lib/presets.js';
import { STORE_KEY } from '../lib/store-key.js';
import { auditProject, type AuditOptions } from './audit.js';
import type { AuditReport, ProjectFacts } from './model.js';
import { checkPolicy, cspsFromPolicyFile, type Policy, type PolicySection, type SentCsp } from './policy.js';

/**
 * `security-headers.json` of the project's packages (src/<pkg>/ or <pkg>/, and their hardening/
 * subpackage), where generated and retrofitted projects keep the CSP.
 */
function headerPolicyFiles(root: string): SentCsp[] {
  const out: SentCsp[] = [];
  for (const base of ['src', '.']) {
    let entries: string[] = [];
    try {
      entries = readdirSync(join(root, base));
    } catch {
      continue;
    }
    for (const entry of entries) {
      const pkg = base === '.' ? entry : `${base}/${entry}`;
      for (const rel of [`${pkg}/security-headers.json`, `${pkg}/hardening/security-headers.json`]) {
        try {
          out.push(...cspsFromPolicyFile(rel, readFileSync(join(root, rel), 'utf8')));
        } catch {
          // not a package with a header policy
        }
      }
    }
  }
  return out;
}

export interface PolicyInForce {
  policy: Policy;
  preset: { name: string; version: string; source: string };
  chosenBy: 'flag' | 'recorded';
}

/** The preset module (semver and the answers' schema): loaded only when a preset is in play. */
const presets = () => import('../lib/presets.js');

/**
 * The preset a project records, read leniently: the audit looks at any project, so a `.yo-rc.json`
 * that is not ours (or not JSON) means no recorded preset; only a malformed preset record is an error.
 */
async function recordedPreset(projectDir: string): Promise<PresetRecord | undefined> {
  const file = join(projectDir, '.yo-rc.json');
  let stored: unknown;
  try {
    stored = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)[STORE_KEY];
  } catch {
    return undefined;
  }
  const raw = stored !== null && typeof stored === 'object' ? (stored as Record<string, unknown>)['preset'] : undefined;
  return raw === undefined ? undefined : (await presets()).parsePresetRecord(raw, file);
}

/** Throws PresetError (exit 2) when the named or recorded preset cannot be used. */
export async function policyInForce(dir: string, flag: string | undefined, generatorVersion: string): Promise<PolicyInForce | undefined> {
  const projectDir = resolve(dir);
  if (flag !== undefined) {
    const { loadPreset, PresetError } = await presets();
    const preset = loadPreset(flag, [process.cwd(), projectDir], generatorVersion);
    if (!preset.policy) throw new PresetError(`preset "${preset.name}" (${flag}) has no policy to check`);
    return { policy: preset.policy, preset: { name: preset.name, version: preset.version, source: flag }, chosenBy: 'flag' };
  }
  if (!existsSync(projectDir)) return undefined; // the audit itself reports the missing folder
  const record = await recordedPreset(projectDir);
  if (!record) return undefined;
  const { loadPreset, PresetError } = await presets();
  let preset;
  try {
    preset = loadPreset(record.source, [projectDir, process.cwd()], generatorVersion);
  } catch (error) {
    throw new PresetError(`${(error as Error).message} (the project records preset "${record.name}"; install it, pass --policy PATH, or --no-policy)`);
  }
  if (!preset.policy) return undefined;
  return { policy: preset.policy, preset: { name: preset.name, version: preset.version, source: record.source }, chosenBy: 'recorded' };
}

/**
 * The audit with the policy in force (`policy` names one; `false` skips the recorded one): the
 * report carries the policy section. The one entry both `hardened-flask audit` and
 * `yo hardened-flask:audit` use.
 */
export async function auditWithPolicy(
  dir: string,
  policy: string | false | undefined,
  generatorVersion: string,
  options: Omit<AuditOptions, 'onFacts'> = {},
): Promise<{ report: AuditReport; section?: PolicySection }> {
  const inForce = policy === false ? undefined : await policyInForce(dir, policy, generatorVersion);
  let facts: ProjectFacts | undefined;
  const report = await auditProject(dir, { ...options, onFacts: (f) => (facts = f) });
  if (!inForce || !facts) return { report };
  // A required file is looked for on disk: the audit's walk leaves out what no rule reads.
  const exists = (path: string) => existsSync(join(report.root, path));
  const section: PolicySection = { preset: inForce.preset, chosenBy: inForce.chosenBy, violations: checkPolicy(inForce.policy, report, facts, exists, headerPolicyFiles(report.root)) };
  return { report: { ...report, policy: section }, section };
}
