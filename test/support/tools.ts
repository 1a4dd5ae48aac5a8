// Tests that need a tool the machine lacks skip locally with a printed reason, and fail
// under CI=true, where .ci/run must have installed it.
import { execFileSync } from 'node:child_process';

export const IN_CI = process.env.CI === 'true';

/** The absolute path of a command on PATH, or undefined. */
export function which(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v "$1"`, 'sh', command], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Returns the missing tools among `commands`. Locally, a missing tool prints the reason once and
 * the caller skips; under CI=true it throws, so the run fails instead of passing silently.
 */
export function missingTools(suite: string, commands: readonly string[]): string[] {
  const missing = commands.filter((command) => !which(command));
  if (missing.length === 0) return [];
  const reason = `${suite}: skipped, ${missing.join(', ')} not installed (.ci/run installs it)`;
  if (IN_CI) throw new Error(`${reason}, but CI=true requires it`);
  console.warn(`SKIP ${reason}`);
  return missing;
}
