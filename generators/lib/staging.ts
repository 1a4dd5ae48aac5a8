// Atomic project writes: everything is rendered into a hidden sibling folder and moved into
// place at the end, so a failure or Ctrl-C never leaves a half-written project behind. A lock
// beside the target keeps two runs off one folder; what a killed run left is cleaned up by the
// next run for the same folder.
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { UsageError } from './errors.js';

/**
 * One state per process. The CLI loads this module from dist/ and the bundled `new` path has its
 * own copy: both must see the same staging folders, lock and note, and install one handler.
 */
interface State {
  live: Set<string>;
  handlersInstalled: boolean;
  note: string | undefined;
}
const state: State = ((globalThis as Record<symbol, unknown>)[Symbol.for('hardened-flask.staging')] ??= {
  live: new Set<string>(),
  handlersInstalled: false,
  note: undefined,
}) as State;
const live = state.live;

/** Removes every staging folder and lock this process still holds (on failure, exit or a signal). */
export function removeLiveStagingDirs(): void {
  for (const path of live) rmSync(path, { recursive: true, force: true });
  live.clear();
}

/**
 * What to tell the user if a signal stops the run now (e.g. the retry command while installing);
 * undefined means nothing was written yet, or everything written is being removed.
 */
export function setInterruptNote(note: string | undefined): void {
  state.note = note;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * Ctrl-C (or SIGTERM/SIGHUP) at any moment: remove what this run staged, say so in one line,
 * exit 130 (143, 129). Installed before the first prompt, so Ctrl-C at a prompt behaves the same.
 * Moving files into place is synchronous, so a signal cannot land half-way through it.
 */
export function installInterruptHandlers(): void {
  if (state.handlersInstalled) return;
  state.handlersInstalled = true;
  process.once('exit', removeLiveStagingDirs);
  for (const signal of Object.keys(SIGNAL_EXIT) as NodeJS.Signals[]) {
    process.on(signal, () => {
      removeLiveStagingDirs();
      process.stderr.write(`\nhardened-flask: interrupted; ${state.note ?? 'nothing was written'}\n`);
      process.exit(SIGNAL_EXIT[signal]);
    });
  }
}

export type PathKind = 'missing' | 'file' | 'dir' | 'symlink' | 'other';

/** What is at `path`, without following a symbolic link. */
export function pathKind(path: string): PathKind {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return 'symlink';
    if (stat.isDirectory()) return 'dir';
    return stat.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

/** True when `dir` does not exist or is an empty folder. */
export function isEmptyOrMissing(dir: string): boolean {
  if (!existsSync(dir)) return true;
  return statSync(dir).isDirectory() && readdirSync(dir).length === 0;
}

/** Most filesystems refuse a name longer than this many bytes (ENAMETOOLONG). */
const NAME_BYTES = 255;
const PATH_BYTES = 4095;

/** Refuses a folder argument no filesystem would take, before anything touches the disk. */
export function checkTargetArgument(raw: string, resolved: string): void {
  if (raw.trim() === '') throw new UsageError('the folder name is empty: hardened-flask new <dir>');
  for (const part of resolved.split('/')) {
    if (Buffer.byteLength(part) > NAME_BYTES) {
      throw new UsageError(`the folder name is ${Buffer.byteLength(part)} bytes long; filesystems allow at most ${NAME_BYTES}: choose a shorter one`);
    }
  }
  if (Buffer.byteLength(resolved) > PATH_BYTES) throw new UsageError(`the folder path is longer than ${PATH_BYTES} bytes: choose a shorter one`);
}

/**
 * The folder a project for `target` is really written to. A symbolic link to a folder is
 * followed and kept (the project lands in the folder it points to); a link to nothing or to a
 * file, or a file, is refused.
 */
export function resolveTarget(target: string): string {
  const kind = pathKind(target);
  if (kind === 'symlink') {
    let real: string;
    try {
      real = realpathSync(target);
    } catch {
      throw new UsageError(`${target} is a symbolic link to something that does not exist: create that folder or remove the link`);
    }
    if (!statSync(real).isDirectory()) throw new UsageError(`${target} is a symbolic link to a file, not a folder: choose another folder`);
    return real;
  }
  if (kind === 'file' || kind === 'other') throw new UsageError(`${target} is not a folder: choose another folder`);
  return target;
}

/** A short, fixed-length tag for a target, so helper names stay short for any folder name. */
function tag(target: string): string {
  const readable = basename(target).replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32);
  return `${readable}.hf-${createHash('sha256').update(target).digest('hex').slice(0, 10)}`;
}

const lockPath = (target: string) => join(dirname(target), `.${tag(target)}.lock`);
const stagingPrefix = (target: string) => `.${tag(target)}.staging-`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims `target` for this run: a lock file created exclusively beside it. A lock whose process
 * is gone (a killed run) is taken over. Also removes staging folders a killed run left: holding
 * the lock, no other run can own one. Released after the move, or when the process ends.
 */
export function lockTarget(target: string): () => void {
  mkdirSync(dirname(target), { recursive: true });
  const lock = lockPath(target);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      live.add(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let pid = Number.NaN;
      try {
        pid = Number.parseInt(readFileSync(lock, 'utf8'), 10);
      } catch {
        // removed in the meantime: try again
      }
      // An empty lock is one being written right now: its owner is alive.
      if (attempt < 3 && Number.isInteger(pid) && !alive(pid)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (attempt < 3 && !existsSync(lock)) continue;
      throw new UsageError(`another hardened-flask run is writing ${target}${Number.isInteger(pid) ? ` (pid ${pid})` : ''}: wait for it to finish or choose another folder`);
    }
  }
  const prefix = stagingPrefix(target);
  for (const name of readdirSync(dirname(target))) {
    if (name.startsWith(prefix)) rmSync(join(dirname(target), name), { recursive: true, force: true });
  }
  return () => {
    rmSync(lock, { force: true });
    live.delete(lock);
  };
}

/** Creates the hidden staging folder beside `target`, removed again on failure, exit or a signal. */
export function createStagingDir(target: string): string {
  installInterruptHandlers();
  const staging = join(dirname(target), `${stagingPrefix(target)}${randomBytes(4).toString('hex')}`);
  mkdirSync(staging, { mode: 0o755 });
  live.add(staging);
  return staging;
}

/** Every file below `dir`, relative, in a stable order. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out;
}

/**
 * Why --force cannot write `files` into `target`, one reason per path (empty when it can): a
 * folder or a special file where a file goes, a file where a folder goes, or a symbolic link on
 * the way (writing through it would land outside the project). A link or a file where a file
 * goes is replaced by the move itself, never written through. `kindOf` reads the disk.
 */
export function forceConflicts(files: readonly string[], kindOf: (relativePath: string) => PathKind): string[] {
  const conflicts = new Map<string, string>();
  for (const file of files) {
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      const kind = kindOf(folder);
      if (kind === 'symlink') conflicts.set(folder, `${folder} is a symbolic link`);
      else if (kind === 'file' || kind === 'other') conflicts.set(folder, `${folder} is a file where a folder goes`);
      if (kind !== 'dir' && kind !== 'missing') break;
    }
    const kind = kindOf(file);
    if (kind === 'dir') conflicts.set(file, `${file} is a folder where a file goes`);
    else if (kind === 'other') conflicts.set(file, `${file} is not a regular file`);
  }
  return [...conflicts.values()];
}

/** Throws one line naming every conflict, before anything is written. */
export function refuseForceConflicts(target: string, files: readonly string[]): void {
  const conflicts = forceConflicts(files, (path) => pathKind(join(target, path)));
  if (conflicts.length > 0) {
    throw new UsageError(`--force cannot write into ${target}: ${conflicts.join('; ')}; move ${conflicts.length === 1 ? 'it' : 'them'} away and run again`);
  }
}

/** What happened to each generated file when it was moved into place. */
export interface PromoteResult {
  created: string[];
  replaced: string[];
  kept: string[];
}

function moveFile(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  try {
    renameSync(from, to); // replaces a file or a link at `to`, never writes through a link
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    rmSync(to, { force: true });
    copyFileSync(from, to);
    unlinkSync(from);
  }
}

/**
 * Moves the rendered tree into place. A missing target is one rename. An existing folder keeps
 * itself (its mode, a link pointing at it) and gets the files moved in one by one, synchronously,
 * after the conflicts were checked; files in `keep` that exist already (the user's `.env`) stay.
 */
export function promoteStagingDir(staging: string, target: string, keep: readonly string[] = []): PromoteResult {
  const files = listFiles(staging);
  const result: PromoteResult = { created: [], replaced: [], kept: [] };
  if (pathKind(target) === 'missing') {
    renameSync(staging, target);
    result.created.push(...files);
  } else {
    for (const file of files) {
      const to = join(target, file);
      const exists = pathKind(to) !== 'missing';
      if (exists && keep.includes(file)) {
        result.kept.push(file);
        continue;
      }
      moveFile(join(staging, file), to);
      (exists ? result.replaced : result.created).push(file);
    }
    rmSync(staging, { recursive: true, force: true });
  }
  live.delete(staging);
  return result;
}

export function discardStagingDir(staging: string): void {
  rmSync(staging, { recursive: true, force: true });
  live.delete(staging);
}
