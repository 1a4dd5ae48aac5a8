// Which policy an audit enforces: `--policy PATH|PACKAGE`, else the preset the project records in
// `.yo-rc.json`. The only I/O of the policy feature; the rules themselves are pure (policy.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadPreset, parsePresetRecord, PresetError } from '../lib/presets.js';
import type { Policy } from './policy.js';

/** Where `.yo-rc.json` keeps the generator's answers (and the preset record beside them). */
const STORE_KEY = 'generator-hardened-flask';

export interface PolicyInForce {
  policy: Policy;
  preset: { name: string; version: string; source: string };
  chosenBy: 'flag' | 'recorded';
}

/** The preset a project records, or undefined (no .yo-rc.json, or no preset in it). */
export function recordedPreset(projectDir: string): ReturnType<typeof parsePresetRecord> | undefined {
  const file = join(projectDir, '.yo-rc.json');
  if (!existsSync(file)) return undefined;
  let stored: unknown;
  try {
    stored = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)[STORE_KEY];
  } catch (error) {
    throw new PresetError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const raw = stored && typeof stored === 'object' ? (stored as Record<string, unknown>).preset : undefined;
  return raw === undefined ? undefined : parsePresetRecord(raw, file);
}

/** Throws PresetError (exit 2) when the named or recorded preset cannot be used. */
export function policyInForce(dir: string, flag: string | undefined, generatorVersion: string): PolicyInForce | undefined {
  const projectDir = resolve(dir);
  if (flag !== undefined) {
    const preset = loadPreset(flag, [process.cwd(), projectDir], generatorVersion);
    if (!preset.policy) throw new PresetError(`preset "${preset.name}" (${flag}) has no policy to check`);
    return { policy: preset.policy, preset: { name: preset.name, version: preset.version, source: flag }, chosenBy: 'flag' };
  }
  if (!existsSync(projectDir)) return undefined; // the audit itself reports the missing folder
  const record = recordedPreset(projectDir);
  if (!record) return undefined;
  let preset;
  try {
    preset = loadPreset(record.source, [projectDir, process.cwd()], generatorVersion);
  } catch (error) {
    throw new PresetError(`${(error as Error).message} (the project records preset "${record.name}"; install it, pass --policy PATH, or --no-policy)`);
  }
  if (!preset.policy) return undefined;
  return { policy: preset.policy, preset: { name: preset.name, version: preset.version, source: record.source }, chosenBy: 'recorded' };
}
