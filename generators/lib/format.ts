// Prettier is the judge of the JSON, YAML and Markdown the generator emits, but not at run time:
// templates are written already formatted and free text is escaped so that no answer can change
// a file's layout (test/generator/app.test.ts runs Prettier over every emitted file of the answer
// matrix and fails on any change). Loading and running Prettier was a third of `new`'s CPU.
// Python is not Prettier's: its templates are written ruff-clean and ruff checks them.
import { extname } from 'node:path';

const PARSERS: Record<string, string> = { '.json': 'json', '.yml': 'yaml', '.yaml': 'yaml', '.md': 'markdown' };

/** The prettier parser for a path, or undefined for files prettier should leave alone. */
export function prettierParserFor(path: string): string | undefined {
  return PARSERS[extname(path).toLowerCase()];
}

/** The options emitted files are judged with (Markdown prose lines are kept as written). */
export const PRETTIER_OPTIONS = { proseWrap: 'preserve' } as const;

/** The paths among `files` (path -> text) that Prettier would change: empty when all are formatted. */
export async function prettierDrift(files: Iterable<[string, string]>): Promise<string[]> {
  const { format } = await import('prettier');
  const drift: string[] = [];
  for (const [path, text] of files) {
    const parser = prettierParserFor(path);
    if (parser && (await format(text, { parser, ...PRETTIER_OPTIONS })) !== text) drift.push(path);
  }
  return drift;
}
