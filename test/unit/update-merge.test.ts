// The merge decisions of update, one row per scenario: base / ours / theirs → what happens.
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../generators/lib/ownership.js';
import { conflictBlocks, decide, type FileFacts, hasConflictMarkers, twoWayMerge } from '../../generators/update/merge.js';
import { mergeFile } from '../../generators/update/git.js';
import { compareVersions, looksLikeVersion } from '../../generators/update/source.js';

const B = 'a\nb\nc\n';
const O = 'a\nb (yours)\nc\n';
const T = 'a\nb\nc\nd (new)\n';

const facts = (over: Partial<FileFacts>): FileFacts => ({ path: 'f.py', owner: 'generator', generated: true, base: B, recorded: sha256(B), ours: B, theirs: T, ...over });
const action = (over: Partial<FileFacts>) => decide(facts(over)).action;

describe('update decisions (base / ours / theirs → result)', () => {
  const table: [string, Partial<FileFacts>, object][] = [
    ['unchanged by you, template changed → new version', {}, { kind: 'write', reason: 'new-version', contents: T }],
    ['changed only by you → yours kept', { ours: O, theirs: B }, { kind: 'keep', reason: 'yours-kept' }],
    ['changed by both → 3-way merge', { ours: O }, { kind: 'merge3', reason: 'both-changed' }],
    ['both made the same change → already current', { ours: T }, { kind: 'keep', reason: 'current' }],
    ['deleted by you → stays deleted', { ours: undefined }, { kind: 'keep', reason: 'deleted-by-you' }],
    ['dropped by the template, unchanged → removed', { theirs: undefined }, { kind: 'delete', reason: 'dropped' }],
    ['dropped by the template, changed by you → kept', { theirs: undefined, ours: O }, { kind: 'keep', reason: 'dropped-changed' }],
    ['dropped by the template, deleted by you → nothing', { theirs: undefined, ours: undefined }, { kind: 'keep', reason: 'deleted-by-you' }],
    ['new in the template → created', { generated: false, base: undefined, recorded: undefined, ours: undefined }, { kind: 'write', reason: 'added', contents: T }],
    ['new in the template, you have another file there → 2-way', { generated: false, base: undefined, recorded: undefined, ours: O }, { kind: 'merge2', reason: 'added-over-yours' }],
    ['once file → never touched, even when the template changes', { owner: 'once', ours: O }, { kind: 'keep', reason: 'once' }],
    ['once file deleted by you → stays deleted', { owner: 'once', ours: undefined }, { kind: 'keep', reason: 'once' }],
    ['once file new in the template → written', { owner: 'once', generated: false, base: undefined, recorded: undefined, ours: undefined }, { kind: 'write', reason: 'added', contents: T }],
    ['base does not re-render to the recorded hash, you changed it → 2-way', { base: 'other\n', ours: O }, { kind: 'merge2', reason: 'base-mismatch' }],
    ['base does not re-render, but the hash proves you did not change it → new version', { base: 'other\n' }, { kind: 'write', reason: 'new-version', contents: T }],
    ['base does not re-render, the template did not change (hash) → yours kept', { base: 'other\n', ours: O, theirs: B }, { kind: 'keep', reason: 'yours-kept' }],
    ['no record (0.1.0) and unchanged against the base → new version', { recorded: undefined }, { kind: 'write', reason: 'new-version', contents: T }],
    ['no record (0.1.0), changed by both → 3-way merge', { recorded: undefined, ours: O }, { kind: 'merge3', reason: 'both-changed' }],
  ];
  for (const [name, over, expected] of table) it(name, () => expect(action(over)).toEqual(expected));

  it('reports a deleted protection file and a changed generator file, not a user file', () => {
    expect(decide(facts({ ours: undefined })).notice).toMatch(/protection file/);
    expect(decide(facts({ ours: undefined, owner: 'user' })).notice).toBeUndefined();
    expect(decide(facts({ ours: O })).notice).toMatch(/merged, not overwritten/);
    expect(decide(facts({ ours: O, owner: 'user' })).notice).toBeUndefined();
  });
});

describe('the text merges', () => {
  it('merges non-overlapping edits cleanly with git merge-file', () => {
    expect(mergeFile(O, B, T)).toEqual({ contents: 'a\nb (yours)\nc\nd (new)\n', conflicts: 0 });
  });

  it('marks overlapping edits with yours / last generated / new template', () => {
    const merged = mergeFile('a\nX\nc\n', B, 'a\nY\nc\n');
    expect(merged.conflicts).toBe(1);
    expect(merged.contents).toBe('a\n<<<<<<< yours\nX\n=======\nY\n>>>>>>> new template\nc\n');
    // --ours resolves the hunk to yours (what --conflict rej leaves in the file), so git counts none.
    expect(mergeFile('a\nX\nc\n', B, 'a\nY\nc\n', 'ours')).toEqual({ contents: 'a\nX\nc\n', conflicts: 0 });
    expect(conflictBlocks(merged.contents)).toEqual(['<<<<<<< yours\nX\n=======\nY\n>>>>>>> new template\n']);
  });

  it('lays a 2-way merge out as one conflict between the shared head and tail', () => {
    expect(twoWayMerge('a\nX\nc\n', 'a\nY\nZ\nc\n')).toBe('a\n<<<<<<< yours\nX\n=======\nY\nZ\n>>>>>>> new template\nc\n');
    expect(twoWayMerge('a', 'b')).toBe('<<<<<<< yours\na\n=======\nb\n>>>>>>> new template\n');
    expect(hasConflictMarkers(twoWayMerge('a\n', 'b\n'))).toBe(true);
    expect(hasConflictMarkers('a\n')).toBe(false);
  });
});

describe('versions', () => {
  it('orders versions numerically and tells them from paths', () => {
    expect(compareVersions('0.1.0', '0.2.0')).toBe(-1);
    expect(compareVersions('0.10.0', '0.9.1')).toBe(1);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
    expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBe(-1);
    expect(looksLikeVersion('0.2.0')).toBe(true);
    expect(looksLikeVersion('../old-package')).toBe(false);
  });
});
