// Prettier formats the JSON, YAML and Markdown the generator emits, in memory, before Yeoman
// commits files to disk. Python is not touched: its templates are written ruff-clean.
import { extname } from 'node:path';

const PARSERS: Record<string, string> = { '.json': 'json', '.yml': 'yaml', '.yaml': 'yaml', '.md': 'markdown' };

/** The prettier parser for a path, or undefined for files prettier should leave alone. */
export function prettierParserFor(path: string): string | undefined {
  return PARSERS[extname(path).toLowerCase()];
}

interface MemFsLike {
  dump(cwd?: string): Record<string, { contents: string | null; state?: string }>;
  read(path: string): string | null;
  write(path: string, contents: string): unknown;
}

export async function formatGenerated(fs: MemFsLike, root: string): Promise<void> {
  const { format } = await import('prettier');
  for (const [relative, file] of Object.entries(fs.dump(root))) {
    const parser = prettierParserFor(relative);
    if (!parser || file.contents === null || file.state === 'deleted') continue;
    const path = `${root}/${relative}`;
    const formatted = await format(fs.read(path) ?? '', { parser, proseWrap: 'preserve' });
    fs.write(path, formatted);
  }
}
