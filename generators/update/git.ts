// The git pieces update leans on: the 3-way text merge (git merge-file), a readable diff for
// --dry-run, and whether the working tree is clean.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from '../lib/errors.js';
import { LABELS } from './merge.js';

function git(args: string[], cwd: string): { status: number; stdout: string; stderr: string } {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new UsageError(`git is needed for update and could not run: ${result.error.message}`);
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

function withTempFiles<T>(files: Record<string, string>, work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'hf-merge-'));
  try {
    for (const [name, contents] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), contents);
    }
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface MergeResult {
  contents: string;
  conflicts: number;
}

/**
 * `git merge-file` of ours/base/theirs, markers labelled yours / last generated / new template.
 * `favour: 'ours'` resolves conflicting hunks to ours (what `--conflict rej` writes to the file).
 */
export function mergeFile(ours: string, base: string, theirs: string, favour?: 'ours'): MergeResult {
  return withTempFiles({ ours, base, theirs }, (dir) => {
    const args = ['merge-file', '-p', '-L', LABELS.ours, '-L', LABELS.base, '-L', LABELS.theirs];
    if (favour) args.push('--ours');
    const result = git([...args, 'ours', 'base', 'theirs'], dir);
    // The exit status is the number of conflicts; a negative one (255 here) is an error.
    if (result.status > 127) throw new Error(`git merge-file failed: ${result.stderr.trim()}`);
    return { contents: result.stdout, conflicts: result.status };
  });
}

/** A unified diff from `before` to `after` (undefined = absent) under the project path `path`. */
export function unifiedDiff(path: string, before: string | undefined, after: string | undefined): string {
  const files: Record<string, string> = {};
  if (before !== undefined) files[`a/${path}`] = before;
  if (after !== undefined) files[`b/${path}`] = after;
  return withTempFiles(files, (dir) => {
    const result = git(['diff', '--no-index', '--no-color', '--no-prefix', '--', before === undefined ? '/dev/null' : `a/${path}`, after === undefined ? '/dev/null' : `b/${path}`], dir);
    return result.stdout;
  });
}

export type TreeState = { kind: 'clean' } | { kind: 'dirty'; paths: string[] } | { kind: 'not-a-repo' };

/** Whether `dir` is a git work tree with nothing to commit (untracked files count as dirty). */
export function treeState(dir: string): TreeState {
  const inside = git(['rev-parse', '--is-inside-work-tree'], dir);
  if (inside.status !== 0 || inside.stdout.trim() !== 'true') return { kind: 'not-a-repo' };
  const status = git(['status', '--porcelain', '--untracked-files=all', '--', '.'], dir);
  const paths = status.stdout.split('\n').filter(Boolean).map((line) => line.slice(3));
  return paths.length === 0 ? { kind: 'clean' } : { kind: 'dirty', paths };
}
