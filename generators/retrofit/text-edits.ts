// Pure edits of deploy and dependency files: each takes a file's text and returns the new text
// (or the same text when nothing is to do), touching only the lines it must. No I/O here.
import { classifyCommand } from '../audit/rules.js';

export const GUNICORN_COMMAND = 'gunicorn -c gunicorn.conf.py wsgi:app';
export const GUNICORN_EXEC = '["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]';

/** Floors of what the hardening package needs (DESIGN §2). */
export const REQUIRED_DEPENDENCIES: readonly { name: string; spec: string }[] = [
  { name: 'flask', spec: 'flask>=3.1.3' },
  { name: 'werkzeug', spec: 'werkzeug>=3.1.6' },
  { name: 'flask-wtf', spec: 'flask-wtf>=1.2.2' },
  { name: 'flask-talisman', spec: 'flask-talisman>=1.1.0' },
  { name: 'gunicorn', spec: 'gunicorn>=23.0.0' },
];

export interface LineChange {
  line: number;
  /** The protection the line serves, when it differs from its file's. */
  protection?: string;
  description: string;
  removed: string[];
}

export interface TextEdit {
  text: string;
  changes: LineChange[];
}

/** Whether a start command runs the development server (`flask run`) or a `python app.py` script. */
export function runsDevServer(command: string): boolean {
  return classifyCommand(command).some((c) => c.kind === 'dev-server' || (c.kind === 'python-script' && !c.module));
}

/** Procfile: `web: flask run ...` / `web: python app.py` → gunicorn with the project's config. */
export function fixProcfile(text: string): TextEdit {
  const changes: LineChange[] = [];
  const lines = text.split('\n').map((raw, index) => {
    const m = /^(\s*[A-Za-z0-9_-]+\s*:\s*)(.+?)(\r?)$/.exec(raw);
    if (!m || raw.trim().startsWith('#') || !runsDevServer(m[2]!)) return raw;
    changes.push({ line: index + 1, description: `\`${m[2]!.trim()}\` → gunicorn`, removed: [raw] });
    return `${m[1]}${GUNICORN_COMMAND}${m[3]}`;
  });
  return { text: lines.join('\n'), changes };
}

/** Dockerfile CMD/ENTRYPOINT running the dev server → gunicorn (exec form). */
export function fixDockerfile(text: string): TextEdit {
  const changes: LineChange[] = [];
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const m = /^(\s*)(CMD|ENTRYPOINT)\s+(.*?)(\r?)$/i.exec(raw);
    if (!m || raw.trimEnd().endsWith('\\')) {
      out.push(raw);
      continue;
    }
    const command = execFormToShell(m[3]!);
    if (!runsDevServer(command)) {
      out.push(raw);
      continue;
    }
    changes.push({ line: i + 1, description: `${m[2]!.toUpperCase()} \`${command}\` → gunicorn`, removed: [raw] });
    out.push(`${m[1]}${m[2]} ${GUNICORN_EXEC}${m[4]}`);
  }
  return { text: out.join('\n'), changes };
}

function execFormToShell(value: string): string {
  const trimmed = value.trim();
  if (!trimmed.startsWith('[')) return trimmed;
  try {
    const parts = JSON.parse(trimmed) as unknown;
    if (Array.isArray(parts) && parts.every((p) => typeof p === 'string')) return parts.join(' ');
  } catch {
    // not JSON: leave it as shell text
  }
  return trimmed;
}

/** compose `command: flask run ...` → gunicorn (only the scalar form on one line). */
export function fixCompose(text: string): TextEdit {
  const changes: LineChange[] = [];
  const lines = text.split('\n').map((raw, index) => {
    const m = /^(\s*command\s*:\s*)(.+?)(\r?)$/.exec(raw);
    if (!m) return raw;
    let value = m[2]!.trim();
    if (/^\[/.test(value)) value = execFormToShell(value.replace(/'/g, '"'));
    else value = value.replace(/^["']|["']$/g, '');
    if (!runsDevServer(value)) return raw;
    changes.push({ line: index + 1, description: `compose \`${value}\` → gunicorn`, removed: [raw] });
    return `${m[1]}${GUNICORN_COMMAND}${m[3]}`;
  });
  return { text: lines.join('\n'), changes };
}

const normalise = (name: string) => name.toLowerCase().replace(/[._]/g, '-');

/** requirements.txt: the missing requirements appended, existing lines untouched. */
export function addRequirements(text: string, present: ReadonlySet<string>, wanted = REQUIRED_DEPENDENCIES): TextEdit {
  const missing = wanted.filter((d) => !present.has(normalise(d.name)));
  if (missing.length === 0) return { text, changes: [] };
  const lineCount = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  const base = text.length === 0 || text.endsWith('\n') ? text : `${text}\n`;
  return {
    text: base + missing.map((d) => `${d.spec}\n`).join(''),
    changes: missing.map((d, i) => ({ line: lineCount + i + 1, description: `${d.spec} added`, removed: [] })),
  };
}

/**
 * pyproject.toml: the missing requirements inserted before the `]` that closes
 * `[project] dependencies`, one per line, in the array's own indentation. Null when the file
 * has no such array (the caller then uses requirements.txt).
 */
export function addPyprojectDependencies(text: string, present: ReadonlySet<string>, wanted = REQUIRED_DEPENDENCIES): TextEdit | null {
  const lines = text.split('\n');
  let table = '';
  let start = -1;
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i]!.trim();
    const header = /^\[([^\]]+)\]\s*(#.*)?$/.exec(s);
    if (header) table = header[1]!.trim();
    else if (table === 'project' && /^dependencies\s*=\s*\[/.test(s)) {
      start = i;
      break;
    }
  }
  if (start < 0) return null;
  const missing = wanted.filter((d) => !present.has(normalise(d.name)));
  if (missing.length === 0) return { text, changes: [] };
  let end = start;
  while (end < lines.length && !/\]\s*(#.*)?$/.test(lines[end]!.replace(/"[^"]*"|'[^']*'/g, '""'))) end++;
  if (end >= lines.length) return null;
  const closing = lines[end]!;
  if (end === start) {
    // dependencies = ["flask"] on one line: add inside the brackets, keeping the line's layout.
    const at = closing.lastIndexOf(']');
    const inner = closing.slice(closing.indexOf('[') + 1, at).trim();
    const added = missing.map((d) => `"${d.spec}"`).join(', ');
    lines[end] = `${closing.slice(0, at).replace(/\s*,?\s*$/, '')}${inner ? ', ' : ''}${added}${closing.slice(at)}`;
    return { text: lines.join('\n'), changes: [{ line: end + 1, description: `${missing.map((d) => d.spec).join(', ')} added`, removed: [closing] }] };
  }
  const itemIndent = /^(\s*)/.exec(lines[start + 1] ?? '')?.[1] || '    ';
  const before = lines.slice(0, end);
  // The last item needs a trailing comma before new items follow it.
  for (let i = before.length - 1; i > start; i--) {
    if (before[i]!.trim() === '' || before[i]!.trim().startsWith('#')) continue;
    if (!/,\s*(#.*)?$/.test(before[i]!)) {
      const removed = before[i]!;
      before[i] = before[i]!.replace(/(\s*)(#.*)?$/, (_m, space: string, comment?: string) => `,${space}${comment ?? ''}`);
      const changes: LineChange[] = [{ line: i + 1, description: 'trailing comma so new dependencies can follow', removed: [removed] }];
      return finish(before, changes);
    }
    break;
  }
  return finish(before, []);

  function finish(head: string[], changes: LineChange[]): TextEdit {
    const added = missing.map((d) => `${itemIndent}"${d.spec}",`);
    const out = [...head, ...added, ...lines.slice(end)];
    return {
      text: out.join('\n'),
      changes: [...changes, ...missing.map((d, i) => ({ line: head.length + i + 1, description: `${d.spec} added`, removed: [] }))],
    };
  }
}

/** `.gitignore`: the lines it lacks appended (e.g. `.env`). */
export function addIgnoreLines(text: string, wanted: readonly string[]): TextEdit {
  const have = new Set(text.split(/\r?\n/).map((l) => l.trim()));
  const missing = wanted.filter((w) => !have.has(w) && !have.has(`/${w}`));
  if (missing.length === 0) return { text, changes: [] };
  const count = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  const base = text.length === 0 || text.endsWith('\n') ? text : `${text}\n`;
  return { text: base + missing.map((m) => `${m}\n`).join(''), changes: missing.map((m, i) => ({ line: count + i + 1, description: `${m} ignored`, removed: [] })) };
}

/**
 * "No line lost": every line of `before` is still in `after`, in order, except the ones the
 * edit says it replaced. Returns the lines that went missing (empty when none did).
 */
export function lostLines(before: string, after: string, replaced: readonly string[]): string[] {
  const allowed = new Map<string, number>();
  for (const line of replaced) allowed.set(line, (allowed.get(line) ?? 0) + 1);
  const target = after.split('\n');
  let at = 0;
  const lost: string[] = [];
  for (const line of before.split('\n')) {
    const found = target.indexOf(line, at);
    if (found >= 0) {
      at = found + 1;
      continue;
    }
    const left = allowed.get(line) ?? 0;
    if (left > 0) allowed.set(line, left - 1);
    else lost.push(line);
  }
  return lost;
}
