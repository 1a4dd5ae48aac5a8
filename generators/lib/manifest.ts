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
}

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
}

/** The files a manifest writes for the given answers, in manifest order. */
export function planFiles(rows: readonly FileRow[], answers: Answers): PlannedFile[] {
  return rows
    .filter((row) => row.when?.(answers) ?? true)
    .map((row) => ({
      template: row.template,
      to: row.to ? row.to(answers) : destinationFor(row.template, answers),
      render: row.template.endsWith('.ejs'),
      ...(row.mode === undefined ? {} : { mode: row.mode }),
    }));
}
