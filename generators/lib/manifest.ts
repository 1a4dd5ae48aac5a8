// Types and pure helpers for declarative file manifests (see generators/app/files.ts).
import type { Answers } from './answers.js';

export interface FileRow {
  /** Path under the generator's template folder. A `.ejs` suffix means "render"; otherwise copied as is. */
  template: string;
  /** Destination path; derived from `template` when omitted (see destinationFor). */
  to?: (answers: Answers) => string;
  /** The answer(s) that bring this file; always written when omitted. */
  when?: (answers: Answers) => boolean;
  /** File mode, for files that must not be world-readable (the dev `.env`). */
  mode?: number;
  /** Who the file belongs to once written: decides what `update` does with it (see ownership.ts). */
  owner: Owner;
  /** Holds a fresh secret on every run (the dev `.env`): recorded without a hash, never re-rendered. */
  secret?: true;
}

/** `generator`: ours, replaced on update unless the user changed it (then merged). `user`: theirs,
 * merged on update, never overwritten. `once`: written if absent, then never touched. */
export type Owner = 'generator' | 'user' | 'once';
export const OWNERS: readonly Owner[] = ['generator', 'user', 'once'];

/**
 * The default destination of a template: drop `.ejs`, put the package name for `__pkg__` and the
 * project name for `__project__`, and turn a leading `_` on dotfile names npm would drop
 * (`_gitignore`) into a dot.
 */
export function destinationFor(template: string, answers: Answers): string {
  return template
    .replace(/\.ejs$/, '')
    .replace(/__pkg__/g, answers.packageName)
    .replace(/__project__/g, answers.projectName)
    .split('/')
    .map((segment) => (segment === '_gitignore' ? '.gitignore' : segment))
    .join('/');
}

export interface PlannedFile {
  template: string;
  to: string;
  render: boolean;
  mode?: number;
  owner: Owner;
  secret?: true;
}

/** The files a manifest writes for the given answers, in manifest order. */
export function planFiles(rows: readonly FileRow[], answers: Answers): PlannedFile[] {
  return rows
    .filter((row) => row.when?.(answers) ?? true)
    .map((row) => ({
      template: row.template,
      to: row.to ? row.to(answers) : destinationFor(row.template, answers),
      render: row.template.endsWith('.ejs'),
      owner: row.owner,
      ...(row.mode === undefined ? {} : { mode: row.mode }),
      ...(row.secret ? { secret: row.secret } : {}),
    }));
}

/** The part of a planned file the ownership record needs (its bytes are added by the writer). */
export const writtenFile = (file: PlannedFile): { path: string; owner: Owner; secret?: boolean } => ({
  path: file.to,
  owner: file.owner,
  ...(file.secret ? { secret: true } : {}),
});
