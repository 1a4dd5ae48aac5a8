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

interface MemFsLike {
  dump(cwd?: string): Record<string, { contents: string | Buffer | null; state?: string }>;
  read(path: string): string | null;
  write(path: string, contents: string): unknown;
}

/**
 * Formats a rendered tree in memory as versions before 0.2.0 did at generation time, so that
 * `update` re-renders such a version's files byte for byte. For templates that are already
 * Prettier-stable (0.2.0 on, proved by the generator tests) it changes nothing.
 */
export async function formatLikeOldVersions(fs: MemFsLike, root: string): Promise<void> {
  const { format } = await import('prettier');
  for (const [relative, file] of Object.entries(fs.dump(root))) {
    const parser = prettierParserFor(relative);
    if (!parser || file.contents === null || file.state === 'deleted') continue;
    const path = `${root}/${relative}`;
    fs.write(path, await format(fs.read(path) ?? '', { parser, ...PRETTIER_OPTIONS }));
  }
}
