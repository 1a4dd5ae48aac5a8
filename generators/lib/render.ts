// Writing planned files into a mem-fs editor: the one rendering step `new` (into its staging folder)
// and `update` (any version's templates, in memory) share, so both produce the same bytes.
import { join } from 'node:path';
import type { PlannedFile } from './manifest.js';

export interface TemplateEditor {
  copyTpl(from: string, to: string, context: object): void;
  copy(from: string, to: string): void;
}

/**
 * Renders `.ejs` templates with `context` and copies the rest, from `templatesDir` to `root`
 * (a preset's overlay file names its own source in `from`).
 */
export function writePlanned(fs: TemplateEditor, templatesDir: string, root: string, planned: readonly (PlannedFile & { from?: string })[], context: object): void {
  for (const file of planned) {
    const from = file.from ?? join(templatesDir, file.template);
    const to = join(root, file.to);
    if (file.render) fs.copyTpl(from, to, context);
    else fs.copy(from, to);
  }
}
