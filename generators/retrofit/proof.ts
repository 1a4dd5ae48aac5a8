// The proof: the project's own tests before and after, compared test by test.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export interface TestRun {
  command: string;
  exitCode: number;
  /** Test id → outcome, when the runner reports per test (pytest's JUnit XML). */
  outcomes: Map<string, 'passed' | 'failed' | 'skipped'>;
  passed: number;
  failed: number;
  skipped: number;
  output: string;
}

/** The project's interpreter: --python, else .venv or venv, else none. */
export function projectInterpreter(root: string, given?: string): string | undefined {
  if (given) return path.resolve(given);
  for (const dir of ['.venv', 'venv']) {
    const candidate = path.join(root, dir, 'bin', 'python');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export async function hasPytest(python: string): Promise<boolean> {
  const result = await execa(python, ['-c', 'import pytest'], { reject: false, timeout: 60_000 });
  return result.exitCode === 0;
}

/** Runs the tests; `testCmd` (a shell command) overrides the interpreter's pytest/unittest. */
export async function runTests(root: string, python: string | undefined, testCmd: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<TestRun> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'hf-retrofit-'));
  const junit = path.join(scratch, 'junit.xml');
  const runEnv = { ...env, PYTHONDONTWRITEBYTECODE: '1' };
  try {
    let command: string;
    let result;
    if (testCmd) {
      command = testCmd;
      result = await execa('sh', ['-c', testCmd], { cwd: root, env: runEnv, reject: false, all: true, timeout: 1_800_000 });
    } else {
      const interpreter = python ?? 'python3';
      const pytest = await hasPytest(interpreter);
      const args = pytest ? ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${junit}`] : ['-m', 'unittest', 'discover', '-v'];
      command = `${interpreter} ${args.slice(0, pytest ? 3 : 3).join(' ')}`;
      result = await execa(interpreter, args, { cwd: root, env: runEnv, reject: false, all: true, timeout: 1_800_000 });
    }
    const output = String(result.all ?? '');
    const outcomes = existsSync(junit) ? parseJunit(readFileSync(junit, 'utf8')) : parseUnittest(output);
    const count = (o: string) => [...outcomes.values()].filter((v) => v === o).length;
    return { command, exitCode: result.exitCode ?? 1, outcomes, passed: count('passed'), failed: count('failed'), skipped: count('skipped'), output };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** pytest's JUnit XML: one <testcase> per test, a <failure>/<error>/<skipped> child when not passed. */
export function parseJunit(xml: string): Map<string, 'passed' | 'failed' | 'skipped'> {
  const out = new Map<string, 'passed' | 'failed' | 'skipped'>();
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attrs = m[1]!;
    const name = /\bname="([^"]*)"/.exec(attrs)?.[1] ?? '?';
    const cls = /\bclassname="([^"]*)"/.exec(attrs)?.[1] ?? '';
    const body = m[3] ?? '';
    const outcome = /<(failure|error)\b/.test(body) ? 'failed' : /<skipped\b/.test(body) ? 'skipped' : 'passed';
    const id = `${cls}::${name}`;
    // A test that errors in teardown appears twice: the failure wins.
    if (out.get(id) !== 'failed') out.set(id, outcome);
  }
  return out;
}

/** `python -m unittest -v`: "test_x (module.Class.test_x) ... ok". */
export function parseUnittest(output: string): Map<string, 'passed' | 'failed' | 'skipped'> {
  const out = new Map<string, 'passed' | 'failed' | 'skipped'>();
  for (const m of output.matchAll(/^(\w+) \(([\w.]+)\)[^\n]*? \.\.\. (ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)$/gm)) {
    const status = m[3]!;
    out.set(`${m[2]}::${m[1]}`, status === 'ok' || status === 'expected failure' ? 'passed' : status.startsWith('skipped') ? 'skipped' : 'failed');
  }
  return out;
}

/** Tests that passed before and do not pass now; when no per-test outcomes exist, the whole command. */
export function regressions(before: TestRun, after: TestRun): string[] {
  if (before.outcomes.size === 0 || after.outcomes.size === 0) {
    return before.exitCode === 0 && after.exitCode !== 0 ? [`${after.command} (exit ${after.exitCode})`] : [];
  }
  // A test id that is gone while its module still ran is not broken: parametrized ids may be
  // drawn afresh each session (the protection tests' random keys). Gone with its module is.
  const moduleOf = (id: string) => id.split('::')[0]!;
  const ran = new Set([...after.outcomes].filter(([, o]) => o === 'passed').map(([id]) => moduleOf(id)));
  return [...before.outcomes]
    .filter(([id, o]) => o === 'passed' && after.outcomes.get(id) !== 'passed')
    .filter(([id]) => after.outcomes.has(id) || !ran.has(moduleOf(id)))
    .map(([id]) => id);
}
