import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { validateDescription } from '../../generators/lib/answers.js';
import { commentText, mdTable, mdText, nginxStr, pyStr, tomlStr, yamlStr } from '../../generators/lib/escape.js';
import { prettierDrift } from '../../generators/lib/format.js';

const HOSTILE = [
  'plain', `He said "hi"`, `it's`, `both ' and "`, 'back\\slash', 'trailing\\', 'new\nline', 'cr\rlf', 'tab\t',
  '<% x %>', '<%= y %>', '%>', '{{ 7*7 }}', '{% if x %}', '${HOME}', '`tick`', 'ünïcödé 😀', '\u2028', 'nul\u0000x',
  '\u007f', '../x', '/abs/path', 'x'.repeat(300), '"""', "'''",
];

describe('pyStr', () => {
  it('round-trips every hostile string through the real Python parser', () => {
    const program = `import ast, json, sys\nvalues = [${HOSTILE.map(pyStr).join(', ')}]\nprint(json.dumps(values))`;
    const out = execFileSync('python3', ['-c', program], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(HOSTILE);
  });
  it('picks the quote ruff format would', () => {
    expect(pyStr('plain')).toBe('"plain"');
    expect(pyStr('say "hi"')).toBe(`'say "hi"'`);
    // ruff keeps double quotes unless the text holds more " than ' (checked by the generator's ruff run).
    expect(pyStr(`it's "x"`)).toBe(`'it\\'s "x"'`);
    expect(pyStr(`it's "x" and 'y'`)).toBe(`"it's \\"x\\" and 'y'"`);
  });
  it('writes everything outside printable ASCII as an escape, as ruff prints it', () => {
    expect(pyStr('café ’ 😀')).toBe('"caf\\xe9 \\u2019 \\U0001f600"');
  });
});

describe('tomlStr', () => {
  it.each(HOSTILE)('round-trips %j', (text) => {
    expect(parseToml(`v = ${tomlStr(text)}`)).toEqual({ v: text });
  });
});

describe('yamlStr', () => {
  it.each(HOSTILE)('round-trips %j', (text) => {
    expect(parseYaml(`v: ${yamlStr(text)}`)).toEqual({ v: text });
  });
});

describe('mdText', () => {
  it('writes what Prettier would write, for every description the answers accept', async () => {
    const accepted = HOSTILE.filter((text) => validateDescription(text) === true);
    expect(accepted.length).toBeGreaterThan(10);
    const docs = accepted.map((text, i) => [`doc${i}.md`, `# Title\n\n${mdText(text)}\n`] as [string, string]);
    expect(await prettierDrift(docs)).toEqual([]);
  });
  it('neutralises Markdown and HTML syntax', () => {
    expect(mdText('*bold* <script> [x](y) a_b')).toBe('\\*bold\\* &lt;script&gt; \\[x\\](y) a\\_b');
    expect(mdText('a\nb')).toBe('a b');
    expect(mdText('<% x %>')).toBe('&lt;% x %&gt;');
    expect(mdText('`code` ~~gone~~ a|b')).toBe('\\`code\\` \\~\\~gone\\~\\~ a\\|b');
  });
  it('keeps plain prose readable', () => {
    expect(mdText('A hardened Flask service. It works (mostly)!')).toBe('A hardened Flask service. It works (mostly)!');
  });
  it('does not let the text open a block', () => {
    expect(mdText('# not a heading')).toBe('\\# not a heading');
    expect(mdText('- not a list')).toBe('\\- not a list');
    expect(mdText('1. not a list')).toBe('1\\. not a list');
    expect(mdText('> not a quote')).toBe('&gt; not a quote');
  });
});

describe('commentText', () => {
  it('keeps a comment on one line', () => {
    expect(commentText('a\nlisten 80;\rb\u2028c')).toBe('a listen 80; b c');
  });
});

describe('nginxStr', () => {
  it('quotes and escapes', () => {
    expect(nginxStr('a "b" \\c')).toBe('"a \\"b\\" \\\\c"');
  });
  it('refuses what nginx cannot express', () => {
    expect(() => nginxStr('$host')).toThrow(/\$/);
    expect(() => nginxStr('a\nb')).toThrow(/control/);
  });
});

describe('mdTable', () => {
  it('lays a table out as Prettier does, whatever the cell widths', async () => {
    const long = '`deploy/nginx/a-very-long-service-name.conf`';
    const table = mdTable([['file', 'installed as'], [long, '`/etc/x`'], ['`x`', 'y']]);
    expect(table.split('\n')[1]).toBe(`| ${'-'.repeat(long.length)} | ${'-'.repeat('installed as'.length)} |`);
    expect(await prettierDrift([['t.md', `# T\n\n${table}\n`]])).toEqual([]);
    expect(await prettierDrift([['t.md', `# T\n\n${mdTable([['a', 'b'], ['c', 'd']])}\n`]])).toEqual([]);
  });
});
