// The interactive path of `retrofit`: every planned file, created or edited, goes through
// Yeoman's own Conflicter (@yeoman/conflicter, the one yeoman-environment commits through) and
// its prompt: overwrite / skip / diff / all / abort. Loaded only when a terminal is asked, so
// `--yes` and `--dry-run` never load the prompt stack.
//
// The Conflicter decides by comparing a file with what is on disk at its path, and asks only
// when the two differ; a file that does not exist yet it creates without a question. So that a
// new file gets the question (and a diff) too, it is shown a shadow of the project: each planned
// file as it is now, a new one as an empty file. Nothing of the project is written here; the
// command writes what was accepted once every question is answered.
import { Buffer } from 'node:buffer';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TerminalAdapter } from '@yeoman/adapter';
import { Conflicter } from '@yeoman/conflicter';
import type { PlannedChange } from './plan.js';

export type Decision = 'write' | 'skip';

/** What the Conflicter needs of an adapter (yeoman-environment's, or a TerminalAdapter). */
export interface PromptAdapter {
  prompt: (questions: never, answers?: never) => Promise<unknown>;
  log: Record<string, unknown> & ((...args: unknown[]) => unknown);
  separator?: (separator?: string) => unknown;
}

/** The conflicter's choices the issue promises; its experimental ones (reload, edit, ignore) are left out. */
const OFFERED = new Set(['write', 'skip', 'force', 'diff', 'abort']);

/** The message Yeoman throws when "abort" is chosen (@yeoman/conflicter 4.x, conflicter.js `_ask`). */
const ABORTED = 'Process aborted by user';

export function terminalAdapter(): PromptAdapter {
  return new TerminalAdapter() as unknown as PromptAdapter;
}

/**
 * Asks about each change in plan order. Returns each path's decision, or null when the user
 * aborted (nothing decided counts then).
 */
export async function confirmWithConflicter(changes: readonly PlannedChange[], adapter: PromptAdapter): Promise<Map<string, Decision> | null> {
  const shadow = mkdtempSync(path.join(tmpdir(), 'hf-retrofit-ask-'));
  const created = new Set(changes.filter((c) => c.before === null).map((c) => c.path));
  const conflicter = new Conflicter(relabelled(adapter, created) as never, {
    cwd: shadow,
    customizeActions: (actions) => actions.filter((a) => typeof a === 'object' && a !== null && 'value' in a && OFFERED.has(String(a.value))),
  });
  const decisions = new Map<string, Decision>();
  try {
    for (const change of changes) {
      const file = path.join(shadow, change.path);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, change.before ?? '');
      const checked = await conflicter.checkForCollision({ path: file, contents: Buffer.from(change.after) } as never);
      // 'force' is the conflicter's "write" (overwrite, or every file after "all").
      decisions.set(change.path, (checked as { conflicter?: string }).conflicter === 'force' ? 'write' : 'skip');
    }
    return decisions;
  } catch (error) {
    if ((error as Error).message === ABORTED) return null;
    throw error;
  } finally {
    rmSync(shadow, { recursive: true, force: true });
  }
}

/**
 * The adapter as the conflicter sees it, with the words for a file that does not exist yet:
 * "Create X?" instead of "Overwrite X?", no "conflict X" line before the question, and
 * "create X" instead of "force X" once it is accepted.
 */
function relabelled(adapter: PromptAdapter, created: ReadonlySet<string>): PromptAdapter {
  const log = adapter.log;
  const isNew = (args: unknown[]) => created.has(String(args[0]));
  const wrapped = new Proxy(log, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property === 'conflict') return (...args: unknown[]) => (isNew(args) ? target : (value as (...a: unknown[]) => unknown).apply(target, args));
      if (property === 'force') return (...args: unknown[]) => ((isNew(args) ? target['create'] : value) as (...a: unknown[]) => unknown).apply(target, args);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    log: wrapped,
    separator: adapter.separator?.bind(adapter),
    prompt: ((questions: { message?: string }[], answers?: unknown) => {
      const renamed = questions.map((q) => {
        const name = /^Overwrite (.*)\?$/.exec(q.message ?? '')?.[1];
        return name !== undefined && created.has(name) ? { ...q, message: `Create ${name}?` } : q;
      });
      return adapter.prompt(renamed as never, answers as never);
    }) as PromptAdapter['prompt'],
  };
}
