import { describe, expect, it } from 'vitest';
import { checkTargetArgument, forceConflicts, type PathKind } from '../../generators/lib/staging.js';

const disk = (entries: Record<string, PathKind>) => (path: string): PathKind => entries[path] ?? 'missing';
const FILES = ['pyproject.toml', 'src/svc/__init__.py', 'src/svc/templates/base.html', 'tests/test_config.py', '.env'];

describe('what --force checks before writing', () => {
  it('has nothing to say about an empty folder or one with the same files', () => {
    expect(forceConflicts(FILES, disk({}))).toEqual([]);
    expect(forceConflicts(FILES, disk({ 'pyproject.toml': 'file', src: 'dir', 'src/svc': 'dir', '.env': 'file' }))).toEqual([]);
  });
  it('replaces a link where a file goes (the move replaces the link, never writes through it)', () => {
    expect(forceConflicts(FILES, disk({ 'pyproject.toml': 'symlink' }))).toEqual([]);
  });
  it('names every conflict at once, each folder once', () => {
    const conflicts = forceConflicts(
      FILES,
      disk({ 'pyproject.toml': 'dir', src: 'symlink', tests: 'file', '.env': 'other' }),
    );
    expect(conflicts).toEqual([
      'pyproject.toml is a folder where a file goes',
      'src is a symbolic link',
      'tests is a file where a folder goes',
      '.env is not a regular file',
    ]);
  });
  it('looks at every folder on the way', () => {
    expect(forceConflicts(FILES, disk({ src: 'dir', 'src/svc': 'dir', 'src/svc/templates': 'symlink' }))).toEqual([
      'src/svc/templates is a symbolic link',
    ]);
  });
});

describe('the folder argument', () => {
  it.each([
    ['', /folder name is empty/],
    ['   ', /folder name is empty/],
    ['a'.repeat(256), /256 bytes long; filesystems allow at most 255/],
    ['é'.repeat(128), /256 bytes long/],
  ])('refuses %j', (raw, reason) => {
    expect(() => checkTargetArgument(raw, `/tmp/${raw}`)).toThrow(reason);
  });
  it('accepts a long but legal name', () => {
    expect(() => checkTargetArgument('a'.repeat(255), `/tmp/${'a'.repeat(255)}`)).not.toThrow();
  });
});
