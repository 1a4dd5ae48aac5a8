// What update does with each file, decided without I/O from five facts: who owns it, what the
// last generation wrote (re-rendered base, and the hash recorded then), what is on disk (ours)
// and what the new version renders (theirs). The 3-way text merge itself is git merge-file's;
// this module only says when it is needed, and how a 2-way fallback lays out its conflict.
import type { Owner } from '../lib/manifest.js';
import { sha256 } from '../lib/ownership.js';

export interface FileFacts {
  path: string;
  owner: Owner;
  /** The last generated version, re-rendered from the recorded version and answers. */
  base?: string;
  /** The sha256 recorded when the file was last generated (none before 0.2.0). */
  recorded?: string;
  /** Whether the file was generated last time at all (listed in the record or in the base). */
  generated: boolean;
  ours?: string;
  theirs?: string;
}

export type Reason =
  | 'current' // ours already equals the new version
  | 'new-version' // unchanged by the user: the new version replaces it
  | 'yours-kept' // changed only by the user: theirs stays
  | 'both-changed' // changed on both sides: 3-way merge
  | 'base-mismatch' // changed by the user, but the re-rendered base is not what was recorded: 2-way
  | 'added' // new in the template
  | 'added-over-yours' // new in the template, but the user already has a different file there: 2-way
  | 'deleted-by-you' // the user deleted it: stays deleted
  | 'dropped' // dropped by the template, unchanged: removed
  | 'dropped-changed' // dropped by the template, changed by the user: kept
  | 'once'; // written once, never touched again

export type Action =
  | { kind: 'keep'; reason: Reason }
  | { kind: 'write'; reason: Reason; contents: string }
  | { kind: 'delete'; reason: Reason }
  | { kind: 'merge3'; reason: Reason }
  | { kind: 'merge2'; reason: Reason };

export interface Decision {
  path: string;
  owner: Owner;
  action: Action;
  /** A protection file the user deleted, or a generator file the user changed: said in the report. */
  notice?: string;
}

const keep = (reason: Reason): Action => ({ kind: 'keep', reason });

/** Whether the user changed the file since it was generated: by the recorded hash when there is one. */
function userUnchanged(facts: FileFacts, ours: string): boolean {
  if (facts.recorded !== undefined) return sha256(ours) === facts.recorded;
  return facts.base !== undefined && ours === facts.base;
}

export function decide(facts: FileFacts): Decision {
  const { path, owner, ours, theirs, base, recorded } = facts;
  const decision = (action: Action, notice?: string): Decision => ({ path, owner, action, ...(notice ? { notice } : {}) });

  if (owner === 'once') {
    // Written if absent, then the user's: only a file new to the template is ever created.
    if (ours === undefined && theirs !== undefined && !facts.generated) return decision({ kind: 'write', reason: 'added', contents: theirs });
    return decision(keep('once'));
  }
  if (theirs === undefined) {
    if (ours === undefined) return decision(keep('deleted-by-you'));
    if (facts.generated && userUnchanged(facts, ours)) return decision({ kind: 'delete', reason: 'dropped' });
    return decision(keep('dropped-changed'), 'the new template no longer has this file; yours is kept because you changed it');
  }
  if (!facts.generated) {
    if (ours === undefined) return decision({ kind: 'write', reason: 'added', contents: theirs });
    if (ours === theirs) return decision(keep('current'));
    return decision({ kind: 'merge2', reason: 'added-over-yours' }, 'the new template adds a file you already have: merged 2-way');
  }
  if (ours === undefined) {
    const notice = owner === 'generator' ? 'you deleted this protection file; it stays deleted (restore it with git if that was a mistake)' : undefined;
    return decision(keep('deleted-by-you'), notice);
  }
  if (ours === theirs) return decision(keep('current'));
  if (userUnchanged(facts, ours)) return decision({ kind: 'write', reason: 'new-version', contents: theirs });
  const changedNotice = owner === 'generator' ? 'a generator-owned file you changed: merged, not overwritten' : undefined;
  const baseTrusted = base !== undefined && (recorded === undefined || sha256(base) === recorded);
  if (baseTrusted) {
    if (base === theirs) return decision(keep('yours-kept'));
    return decision({ kind: 'merge3', reason: 'both-changed' }, changedNotice);
  }
  // The re-render does not reproduce what was recorded: never guess a base.
  if (recorded !== undefined && sha256(theirs) === recorded) return decision(keep('yours-kept'));
  return decision({ kind: 'merge2', reason: 'base-mismatch' }, 'the recorded version did not re-render to the recorded hash: merged 2-way, check the markers');
}

export const LABELS = { ours: 'yours', base: 'last generated', theirs: 'new template' } as const;

/**
 * A 2-way merge with no base to consult: the lines both sides share at the start and the end
 * stay, and everything between becomes one conflict block (yours / new template).
 */
export function twoWayMerge(ours: string, theirs: string): string {
  const a = splitLines(ours);
  const b = splitLines(theirs);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const mid = (lines: string[]) => lines.slice(head, lines.length - tail).map(ensureNewline).join('');
  return [
    a.slice(0, head).join(''),
    `<<<<<<< ${LABELS.ours}\n`,
    mid(a),
    '=======\n',
    mid(b),
    `>>>>>>> ${LABELS.theirs}\n`,
    a.slice(a.length - tail).join(''),
  ].join('');
}

const splitLines = (text: string): string[] => text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
const ensureNewline = (line: string): string => (line.endsWith('\n') ? line : `${line}\n`);

/** Conflict blocks of a merged text (markers included), for the `.rej` file of `--conflict rej`. */
export function conflictBlocks(merged: string): string[] {
  const blocks: string[] = [];
  let current: string[] | undefined;
  for (const line of splitLines(merged)) {
    if (line.startsWith('<<<<<<< ')) current = [];
    if (current) current.push(line);
    if (current && line.startsWith('>>>>>>> ')) {
      blocks.push(current.join(''));
      current = undefined;
    }
  }
  return blocks;
}

/** True while a text still holds a conflict block. */
export const hasConflictMarkers = (text: string): boolean => conflictBlocks(text).length > 0;
