// Generating a project with the built CLI, and a Python environment to run it in. The venv is
// cached by a hash of the project's declared dependencies, so the suite installs them once.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import type { Answers } from '../../generators/lib/answers.js';

const run = promisify(execFile);
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO_ROOT, 'dist', 'generators', 'cli.js');
const VENV_CACHE = join(REPO_ROOT, '.cache', 'venvs');

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command and resolves with its exit code and output instead of throwing on failure. */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number; input?: string } = {},
): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      timeout: options.timeout ?? 300_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return { exitCode: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'hf-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `hardened-flask new <parent>/<name> --yes --skip-install` and returns the project folder. */
export async function generateProject(name: string, answers: Partial<Answers> = {}, parent?: string): Promise<string> {
  const base = parent ?? mkdtempSync(join(tmpdir(), 'hf-gen-'));
  const answersFile = join(base, `${name}.answers.json`);
  writeFileSync(answersFile, JSON.stringify(answers));
  const target = join(base, name);
  const result = await runCommand('node', [CLI, 'new', target, '--yes', '--skip-install', '--answers', answersFile], { cwd: base });
  if (result.exitCode !== 0) throw new Error(`generation failed (${result.exitCode}): ${result.stderr}`);
  rmSync(answersFile);
  return target;
}

interface PyProject {
  project: { dependencies?: string[]; 'optional-dependencies'?: Record<string, string[]>; 'requires-python'?: string };
  'build-system'?: { requires?: string[] };
}

/** Everything pip must install for a project: runtime, dev extra and build backend. */
export function declaredRequirements(projectDir: string): string[] {
  const pyproject = parseToml(readFileSync(join(projectDir, 'pyproject.toml'), 'utf8')) as unknown as PyProject;
  const requirements = [
    ...(pyproject.project.dependencies ?? []),
    ...(pyproject.project['optional-dependencies']?.['dev'] ?? []),
    ...(pyproject['build-system']?.requires ?? []),
  ];
  return [...new Set(requirements)].sort();
}

export interface PythonEnv {
  venv: string;
  bin: (command: string) => string;
  /** PATH with the venv first and PYTHONPATH on the project's src/, for tools run in the project. */
  env: NodeJS.ProcessEnv;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Serialises venv creation across test processes with an atomic mkdir lock. */
export async function withLock<T>(lock: string, work: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 500) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waited > 900_000) throw new Error(`timed out waiting for ${lock}`);
      await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function mustRun(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  const result = await runCommand(command, args, { ...options, timeout: 900_000 });
  if (result.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.slice(-2000)}`);
}

const projectName = (projectDir: string): string =>
  (parseToml(readFileSync(join(projectDir, 'pyproject.toml'), 'utf8')) as unknown as { project: { name: string } }).project.name;

async function dropEditablesExcept(pip: string, keep: string | undefined): Promise<void> {
  const listed = await runCommand(pip, ['list', '--editable', '--format', 'json', '--disable-pip-version-check']);
  if (listed.exitCode !== 0) throw new Error(`pip list failed: ${listed.stderr}`);
  const others = (JSON.parse(listed.stdout) as { name: string }[]).map((d) => d.name).filter((name) => name !== keep);
  if (others.length > 0) await mustRun(pip, ['uninstall', '--yes', '--quiet', '--disable-pip-version-check', ...others]);
}

/** A venv with the project's requirements (cached by their hash) and the project installed editable. */
export async function projectPython(projectDir: string, { install = true } = {}): Promise<PythonEnv> {
  const requirements = declaredRequirements(projectDir);
  const hash = createHash('sha256').update(requirements.join('\n')).digest('hex').slice(0, 16);
  const venv = join(VENV_CACHE, hash);
  const bin = (command: string) => join(venv, 'bin', command);
  await withLock(`${venv}.lock`, async () => {
    if (existsSync(join(venv, '.complete'))) return;
    rmSync(venv, { recursive: true, force: true });
    await mustRun('python3', ['-m', 'venv', venv]);
    await mustRun(bin('pip'), ['install', '--quiet', '--disable-pip-version-check', ...requirements]);
    writeFileSync(join(venv, '.complete'), `${requirements.join('\n')}\n`);
  });
  // Flask loads every `flask.commands` entry point installed, so an editable project left in the
  // shared venv by an earlier test (whose folder may be gone) would break every `flask` command.
  await dropEditablesExcept(bin('pip'), install ? projectName(projectDir) : undefined);
  if (install) {
    // The project's own install command; its requirements are already satisfied from the cache.
    await mustRun(bin('pip'), ['install', '--quiet', '--disable-pip-version-check', '--no-build-isolation', '--no-deps', '-e', '.[dev]'], { cwd: projectDir });
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(venv, 'bin')}:${process.env.PATH ?? ''}`,
    VIRTUAL_ENV: venv,
    PYTHONPATH: join(projectDir, 'src'),
    PYTHONDONTWRITEBYTECODE: '1',
  };
  delete env.APP_ENV;
  delete env.SECRET_KEY;
  return { venv, bin, env };
}
