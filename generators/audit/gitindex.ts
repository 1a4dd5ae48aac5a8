// Which files git tracks, read from the index file itself. The audit never runs `git`: a
// repository's own config can make git run programs (core.fsmonitor, hooks), and the audit must
// not run anything the audited project controls.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Paths in a git index (v2, v3 or v4), relative to the repository's top folder. */
export function parseGitIndex(buffer: Buffer, hashBytes = 20): string[] {
  if (buffer.length < 12 || buffer.toString('latin1', 0, 4) !== 'DIRC') throw new Error('not a git index');
  const version = buffer.readUInt32BE(4);
  if (version < 2 || version > 4) throw new Error(`unsupported git index version ${version}`);
  const count = buffer.readUInt32BE(8);
  const paths: string[] = [];
  let pos = 12;
  let previous = '';
  for (let n = 0; n < count; n++) {
    const start = pos;
    const flagsAt = start + 40 + hashBytes;
    if (flagsAt + 2 > buffer.length) throw new Error('truncated git index');
    const flags = buffer.readUInt16BE(flagsAt);
    let cursor = flagsAt + 2;
    if (version >= 3 && flags & 0x4000) cursor += 2;
    let name: string;
    if (version === 4) {
      // Prefix compression: a varint says how many bytes to drop from the previous path.
      let byte = buffer[cursor++]!;
      let strip = byte & 0x7f;
      while (byte & 0x80) {
        byte = buffer[cursor++]!;
        strip = ((strip + 1) << 7) | (byte & 0x7f);
      }
      const end = buffer.indexOf(0, cursor);
      if (end < 0) throw new Error('truncated git index');
      const prefix = Buffer.from(previous, 'utf8');
      name = Buffer.concat([prefix.subarray(0, prefix.length - strip), buffer.subarray(cursor, end)]).toString('utf8');
      pos = end + 1;
    } else {
      const end = buffer.indexOf(0, cursor);
      if (end < 0) throw new Error('truncated git index');
      name = buffer.toString('utf8', cursor, end);
      // Entries are padded with 1-8 NULs to a multiple of 8 bytes.
      const length = end - start;
      pos = start + ((length + 8) & ~7);
    }
    paths.push(name);
    previous = name;
  }
  return paths;
}

export interface GitTracking {
  /** The repository's top folder. */
  top: string;
  /** The repository's git folder (for info/exclude). */
  gitDir: string;
  /** Whether a path (relative to the audited folder, `/`-separated) is in the index. */
  isTracked(relative: string): boolean;
}

/**
 * Finds the repository that contains `root` (walking up) and reads its index. Returns null when
 * there is no repository or its index cannot be read; a repository without an index yet tracks
 * nothing.
 */
export function readGitTracking(root: string): GitTracking | null {
  let dir = root;
  for (;;) {
    const dotGit = path.join(dir, '.git');
    if (existsSync(dotGit)) return trackingFor(dir, dotGit, root);
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function trackingFor(top: string, dotGit: string, root: string): GitTracking | null {
  try {
    let gitDir = dotGit;
    if (statSync(dotGit).isFile()) {
      // worktrees and submodules: "gitdir: <path>"
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
      if (!m) return null;
      gitDir = path.resolve(top, m[1]!.trim());
    }
    const commonFile = path.join(gitDir, 'commondir');
    const commonDir = existsSync(commonFile) ? path.resolve(gitDir, readFileSync(commonFile, 'utf8').trim()) : gitDir;
    const config = existsSync(path.join(commonDir, 'config')) ? readFileSync(path.join(commonDir, 'config'), 'utf8') : '';
    const hashBytes = /objectformat\s*=\s*sha256/i.test(config) ? 32 : 20;
    const indexFile = path.join(gitDir, 'index');
    const tracked = new Set(existsSync(indexFile) ? parseGitIndex(readFileSync(indexFile), hashBytes) : []);
    const prefix = path.relative(top, root).split(path.sep).filter(Boolean).join('/');
    return {
      top,
      gitDir: commonDir,
      isTracked: (relative: string) => tracked.has(prefix ? `${prefix}/${relative}` : relative),
    };
  } catch {
    return null;
  }
}
