// Atomic project writes: everything is rendered into a hidden sibling folder and renamed into
// place at the end, so a failure or Ctrl-C never leaves a half-written project behind.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, cpSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const live = new Set<string>();
let handlersInstalled = false;

/** Removes every staging folder this process still holds (on failure, exit or a signal). */
export function removeLiveStagingDirs(): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', removeLiveStagingDirs);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      removeLiveStagingDirs();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** True when `dir` does not exist or is an empty folder. */
export function isEmptyOrMissing(dir: string): boolean {
  if (!existsSync(dir)) return true;
  return statSync(dir).isDirectory() && readdirSync(dir).length === 0;
}

/** Creates `.<name>.staging-<random>` beside `target` and removes it again on exit or a signal. */
export function createStagingDir(target: string): string {
  installHandlers();
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const staging = join(parent, `.${basename(target)}.staging-${randomBytes(4).toString('hex')}`);
  mkdirSync(staging, { mode: 0o755 });
  live.add(staging);
  return staging;
}

/**
 * Moves the rendered tree into place. An empty or missing target is replaced by one rename;
 * a non-empty one (only reached with --force) gets the generated files copied over it, leaving
 * files the generator does not write untouched.
 */
export function promoteStagingDir(staging: string, target: string): void {
  if (isEmptyOrMissing(target)) {
    if (existsSync(target)) rmSync(target, { recursive: true });
    renameSync(staging, target);
  } else {
    cpSync(staging, target, { recursive: true, force: true });
    rmSync(staging, { recursive: true, force: true });
  }
  live.delete(staging);
}

export function discardStagingDir(staging: string): void {
  rmSync(staging, { recursive: true, force: true });
  live.delete(staging);
}
