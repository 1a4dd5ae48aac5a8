// Walks a project tree without leaving it: symlinks are never followed (one leaving the tree is
// reported), virtual environments and dependency folders are skipped, and nothing is written.
// Synchronous reads: one folder after another either way, and readdirSync spares a promise per
// folder (the audit's Python helper works in its own process meanwhile).
import { readdirSync, realpathSync, type Dirent } from 'node:fs';
import path from 'node:path';
import type { Skipped } from './model.js';

/** Folders that hold other people's code or generated files, never the project's own. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  '.git', '.hg', '.svn', '.venv', 'venv', '.virtualenv', 'node_modules', 'bower_components', 'site-packages',
  'dist-packages', '__pycache__', '.tox', '.nox', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.eggs',
  'htmlcov', '.idea', '.vscode', '.cache', '.direnv', '__pypackages__',
]);

export interface WalkResult {
  /** Regular files, `/`-separated paths relative to the root, sorted. */
  files: string[];
  skipped: Skipped[];
}

export async function walkTree(root: string): Promise<WalkResult> {
  const files: string[] = [];
  const skipped: Skipped[] = [];
  const queue: string[] = [''];
  while (queue.length > 0) {
    const relDir = queue.shift()!;
    const absDir = relDir ? path.join(root, relDir) : root;
    let entries: Dirent[];
    try {
      entries = readdirSync(absDir, { withFileTypes: true });
    } catch (error) {
      skipped.push({ file: relDir || '.', reason: `unreadable folder (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    if (relDir && entries.some((e) => e.name === 'pyvenv.cfg' && e.isFile())) {
      skipped.push({ file: relDir, reason: 'virtual environment (skipped)' });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) {
        skipped.push({ file: rel, reason: describeSymlink(root, path.join(absDir, entry.name)) });
      } else if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name) || entry.name.endsWith('.egg-info')) {
          if (entry.name !== '.git' && entry.name !== '__pycache__') {
            skipped.push({ file: rel, reason: 'dependency, cache or tool folder (skipped)' });
          }
          continue;
        }
        queue.push(rel);
      } else if (entry.isFile()) {
        files.push(rel);
      }
    }
  }
  files.sort();
  return { files, skipped };
}

function describeSymlink(root: string, link: string): string {
  try {
    const target = realpathSync.native(link);
    const inside = target === root || target.startsWith(root + path.sep);
    return inside
      ? 'symlink inside the tree (not followed; its target is audited where it lives)'
      : 'symlink leaving the tree (not followed)';
  } catch {
    return 'broken symlink (not followed)';
  }
}
