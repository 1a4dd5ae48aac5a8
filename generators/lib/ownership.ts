// The ownership record every project carries in `.hardened-flask/manifest.json`: the generator
// version that wrote it and, per generated file, its owner and the sha256 of the bytes written.
// `update` reads it to tell the user's edits from ours; `new`, `retrofit` and `update` write it.
// Everything here is pure: building, serialising, parsing and comparing the record.
import { createHash } from 'node:crypto';
import { UsageError } from './errors.js';
import { OWNERS, type Owner } from './manifest.js';

export const MANIFEST_PATH = '.hardened-flask/manifest.json';
export const GENERATOR_NAME = 'generator-hardened-flask';

export interface RecordedFile {
  owner: Owner;
  /** Absent for files whose contents differ on every run (a fresh secret). */
  sha256?: string;
}

export interface OwnershipManifest {
  generator: string;
  version: string;
  files: Record<string, RecordedFile>;
}

/** What a generator run wrote: a project-relative path, its owner and its final bytes. */
export interface WrittenFile {
  path: string;
  owner: Owner;
  contents: string | Buffer;
  /** Recorded without a hash (see FileRow.secret). */
  secret?: boolean;
}

export const sha256 = (contents: string | Buffer): string => createHash('sha256').update(contents).digest('hex');

/** Paths the record never lists: itself and Yeoman's answer store. */
export const isRecordFile = (path: string): boolean => path === MANIFEST_PATH || path === '.yo-rc.json';

export function buildManifest(version: string, written: readonly WrittenFile[]): OwnershipManifest {
  const files: Record<string, RecordedFile> = {};
  for (const file of written) {
    if (isRecordFile(file.path)) continue;
    files[file.path] = file.secret ? { owner: file.owner } : { owner: file.owner, sha256: sha256(file.contents) };
  }
  return { generator: GENERATOR_NAME, version, files };
}

/** Keys sorted at every level, so the same record always serialises to the same bytes. */
function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.keys(value as Record<string, unknown>)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

/** 2-space JSON, keys sorted, trailing newline: reads well in `git diff`. */
export const serializeManifest = (manifest: OwnershipManifest): string => `${JSON.stringify(sortKeys(manifest), null, 2)}\n`;

const SHA256 = /^[0-9a-f]{64}$/;

/** Parses and checks a record; any problem is one line naming the file (exit 2). */
export function parseManifest(text: string, where = MANIFEST_PATH): OwnershipManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  const bad = (what: string): never => {
    throw new UsageError(`${where} is not an ownership record: ${what}`);
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) bad('expected a JSON object');
  const record = raw as Record<string, unknown>;
  if (record['generator'] !== GENERATOR_NAME) bad(`"generator" must be "${GENERATOR_NAME}"`);
  if (typeof record['version'] !== 'string' || record['version'] === '') bad('"version" must be a version string');
  const files = record['files'];
  if (files === null || typeof files !== 'object' || Array.isArray(files)) bad('"files" must be an object');
  const checked: Record<string, RecordedFile> = {};
  for (const [path, entry] of Object.entries(files as Record<string, unknown>)) {
    if (path === '' || path.startsWith('/') || path.split('/').includes('..')) bad(`file path "${path}" must stay inside the project`);
    const { owner, sha256: hash } = (entry ?? {}) as Record<string, unknown>;
    if (!(OWNERS as readonly unknown[]).includes(owner)) bad(`"${path}" has owner ${JSON.stringify(owner)}; expected ${OWNERS.join(', ')}`);
    if (hash !== undefined && (typeof hash !== 'string' || !SHA256.test(hash))) bad(`"${path}" has a sha256 that is not 64 hex digits`);
    checked[path] = hash === undefined ? { owner: owner as Owner } : { owner: owner as Owner, sha256: hash as string };
  }
  return { generator: GENERATOR_NAME, version: record['version'] as string, files: checked };
}

export type FileState = 'unchanged' | 'changed' | 'missing' | 'unhashed';

export interface FileComparison {
  path: string;
  owner: Owner;
  state: FileState;
}

/**
 * Compares the record with what is on disk now (`read` returns a file's bytes, or undefined when
 * it is gone): which generated files the user has changed or deleted since they were written.
 */
export function compareManifest(manifest: OwnershipManifest, read: (path: string) => string | Buffer | undefined): FileComparison[] {
  return Object.keys(manifest.files)
    .sort()
    .map((path) => {
      const { owner, sha256: recorded } = manifest.files[path]!;
      const contents = read(path);
      const state: FileState =
        contents === undefined ? 'missing' : recorded === undefined ? 'unhashed' : sha256(contents) === recorded ? 'unchanged' : 'changed';
      return { path, owner, state };
    });
}
