// Retrofit fixtures as real projects: copied into a temporary git work tree, with one cached venv
// holding what the fixtures and the hardening package need (built once per requirement set).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CLI, REPO_ROOT, runCommand, tempDir, withLock, type CommandResult } from './project.js';
import { type Stack, startStack } from './stack.js';
import type { RetrofitSummary } from '../../generators/retrofit/command.js';

export const RETROFIT_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'retrofit');
const REQUIREMENTS = ['flask>=3.1.3', 'werkzeug>=3.1.6', 'flask-wtf>=1.2.2', 'flask-talisman>=1.1.0', 'gunicorn>=23.0.0', 'pytest>=8'];

/** A venv with the fixtures' and the hardening package's requirements; returns its python. */
export async function fixturePython(): Promise<string> {
  const hash = createHash('sha256').update(REQUIREMENTS.join('\n')).digest('hex').slice(0, 16);
  const venv = join(REPO_ROOT, '.cache', 'venvs', `retrofit-${hash}`);
  const python = join(venv, 'bin', 'python');
  await withLock(`${venv}.lock`, async () => {
    if (existsSync(join(venv, '.complete'))) return;
    rmSync(venv, { recursive: true, force: true });
    const made = await runCommand('python3', ['-m', 'venv', venv]);
    if (made.exitCode !== 0) throw new Error(`venv failed: ${made.stderr}`);
    const pip = await runCommand(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...REQUIREMENTS], { timeout: 900_000 });
    if (pip.exitCode !== 0) throw new Error(`pip install failed: ${pip.stderr.slice(-2000)}`);
    writeFileSync(join(venv, '.complete'), `${REQUIREMENTS.join('\n')}\n`);
  });
  return python;
}

const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });
}

/** The fixture copied into a fresh, committed git work tree. */
export function fixtureRepo(name: string): { dir: string; cleanup: () => void } {
  const parent = tempDir(`hf-retrofit-${name}-`);
  const dir = join(parent.dir, name);
  cpSync(join(RETROFIT_FIXTURES, name), dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'the project before the retrofit');
  return { dir, cleanup: parent.cleanup };
}

export function commitAll(dir: string, message: string): void {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', message);
}

/** `hardened-flask retrofit <dir> ...` with the fixtures' venv, without a terminal. */
export function retrofit(dir: string, python: string, ...flags: string[]): Promise<CommandResult> {
  return runCommand('node', [CLI, 'retrofit', dir, '--python', python, ...flags], { timeout: 300_000, env: cleanEnv() });
}

export async function retrofitJson(dir: string, python: string, ...flags: string[]): Promise<{ result: CommandResult; summary: RetrofitSummary }> {
  const result = await retrofit(dir, python, '--format', 'json', ...flags);
  let summary: RetrofitSummary;
  try {
    summary = JSON.parse(result.stdout) as RetrofitSummary;
  } catch {
    throw new Error(`retrofit printed no JSON (exit ${result.exitCode}): ${result.stderr}\n${result.stdout.slice(0, 2000)}`);
  }
  return { result, summary };
}

/** The environment without the variables a developer's shell may hold that the projects read. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  for (const name of ['APP_ENV', 'SECRET_KEY', 'SECRET_KEY_FILE', 'FLASK_DEBUG', 'FLASK_APP', 'VIRTUAL_ENV']) delete env[name];
  return env;
}

export function pytest(dir: string, python: string, ...args: string[]): Promise<CommandResult> {
  return runCommand(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', ...args], { cwd: dir, env: cleanEnv(), timeout: 300_000 });
}

/**
 * A retrofitted fixture served as its added deploy files say: gunicorn (from the systemd unit,
 * on a unix socket) behind the added nginx site, for `domain` (the retrofit's default is
 * localhost). One worker: the fixtures keep their data in memory, so every request sees it.
 */
export function startRetrofitStack(dir: string, python: string, domain = 'localhost'): Promise<Stack> {
  const name = basename(dir);
  return startStack({
    projectDir: dir,
    names: { serviceName: name, domain, installDir: `/srv/${name}` },
    gunicornBind: 'unix',
    prefix: join(dir, '..', 'stack'),
    venvDir: join(python, '..', '..'),
    pythonPath: dir,
    extraEnv: { WEB_CONCURRENCY: '1' },
  });
}
