// Writing planned files into a mem-fs editor: the one rendering step `new` (into its staging folder)
// and `update` (any version's templates, in memory) share, so both produce the same bytes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ejs from 'ejs';
import type { PlannedFile } from './manifest.js';

export interface TemplateEditor {
  write(path: string, contents: string | Buffer): unknown;
}

/**
 * Renders `.ejs` templates with `context` and copies the rest, from `templatesDir` to `root`
 * (a preset's overlay file names its own source in `from`). One read and one in-memory write per
 * file: mem-fs-editor's copy/copyTpl would glob each path and stat it again. The files still reach
 * disk through Yeoman's conflicter and commit.
 */
export function writePlanned(fs: TemplateEditor, templatesDir: string, root: string, planned: readonly (PlannedFile & { from?: string })[], context: object): void {
  for (const file of planned) {
    const from = file.from ?? join(templatesDir, file.template);
    const source = readFileSync(from);
    fs.write(join(root, file.to), file.render ? ejs.render(source.toString('utf8'), context, { filename: from }) : source);
  }
}
