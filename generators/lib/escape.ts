// Escaping helpers for the output languages templates write into. Free-text answers
// (description, author) pass through one of these so that a quote, a backslash or a `<%`
// in an answer can never break or inject into a generated file.

const hex = (code: number, width: number) => code.toString(16).padStart(width, '0');

/**
 * A Python string literal, written the way `ruff format` would write it so generated files stay
 * format-clean: double quotes unless the text holds more `"` than `'`. Everything outside
 * printable ASCII is an escape (`\xe9`, `\u2019`, `\U0001f600`, lowercase hex as ruff prints
 * it), so no answer can put a character ruff flags as ambiguous (RUF001) or a bidi control into
 * Python source. The value is unchanged.
 */
export function pyStr(text: string): string {
  const count = (q: string) => text.split(q).length - 1;
  const quote = count('"') > count("'") ? "'" : '"';
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code <= 0xff) out += `\\x${hex(code, 2)}`;
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return `${quote}${out}${quote}`;
}

/** A TOML basic string ("..."), valid for TOML 1.0 parsers. */
export function tomlStr(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\u${hex(code, 4)}`;
    else out += ch;
  }
  return `"${out}"`;
}

/** A YAML double-quoted scalar. JSON strings are valid YAML 1.2 double-quoted scalars. */
export function yamlStr(text: string): string {
  return JSON.stringify(text).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Markdown inline text: characters CommonMark (and GFM tables/strikethrough) could read as
 * syntax anywhere are backslash-escaped, HTML-significant ones become entities, and a start
 * that would open a block (heading, list, quote) is escaped too. Plain prose stays readable.
 */
export function mdText(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_[\]|~]/g, (ch) => `\\${ch}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/^(\s*)([#+=-])/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/, '$1\\$2');
}

/**
 * Text for a comment line in a config file (nginx, systemd, gunicorn, YAML): one line, no
 * control characters, so it cannot end the comment and start a directive.
 */
export function commentText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

/**
 * An nginx quoted string. nginx has no escape for `$` inside strings (it always starts a
 * variable), so text with `$` is refused rather than silently changed.
 */
export function nginxStr(text: string): string {
  if (text.includes('$')) throw new Error('nginx strings cannot contain "$"');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new Error('nginx strings cannot contain control characters');
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * A Markdown table laid out as Prettier lays it out (columns padded to their widest cell, a
 * `---` rule as wide as each column), so a table whose cells hold answers (the service name)
 * needs no Prettier pass at generation time. Cells are Markdown already; the first row is the
 * header. Widths count code points: the cells that vary are validated ASCII names and paths.
 */
export function mdTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(3, ...rows.map((row) => [...row[column]!].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length)).join(' | ')} |`;
  return [line(rows[0]!), line(widths.map((width) => '-'.repeat(width))), ...rows.slice(1).map(line)].join('\n');
}

export const escapeHelpers = { pyStr, tomlStr, yamlStr, mdText, mdTable, commentText, nginxStr } as const;
export type EscapeHelpers = typeof escapeHelpers;
