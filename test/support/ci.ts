// Helpers for the CI-guard e2e tests: the generated project's single source of CI commands,
// the commands its workflow runs, and whether pip-audit's vulnerability service is reachable.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { request } from './http.js';
import { runCommand } from './project.js';

/** Makes `dir` a git work tree with everything committed, as a CI checkout is. */
export async function commitAll(dir: string): Promise<void> {
  const git = (...args: string[]) =>
    runCommand('git', ['-c', 'user.name=ci', '-c', 'user.email=ci@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: dir });
  for (const args of [['init', '--quiet'], ['add', '--all'], ['commit', '--quiet', '--no-verify', '-m', 'generated']]) {
    const result = await git(...args);
    if (result.exitCode !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  }
}

/** The jobs and their step names, as `python scripts/ci_checks.py --list` prints them. */
export async function ciJobs(dir: string, env?: NodeJS.ProcessEnv): Promise<Map<string, string[]>> {
  const result = await runCommand('python3', ['scripts/ci_checks.py', '--list'], { cwd: dir, env });
  if (result.exitCode !== 0) throw new Error(`ci_checks.py --list failed: ${result.stderr}`);
  const jobs = new Map<string, string[]>();
  for (const line of result.stdout.trim().split('\n')) {
    const [job, step] = line.split('\t') as [string, string];
    jobs.set(job, [...(jobs.get(job) ?? []), step]);
  }
  return jobs;
}

/** Every `run:` of the workflow's jobs except the install step, in order. */
export function workflowCommands(path: string): { job: string; run: string }[] {
  const workflow = parseYaml(readFileSync(path, 'utf8')) as { jobs: Record<string, { steps: { name?: string; run?: string }[] }> };
  return Object.entries(workflow.jobs).flatMap(([job, { steps }]) =>
    steps.filter((step) => step.run && step.name !== 'Install').map((step) => ({ job, run: step.run!.trim() })),
  );
}

/**
 * pip-audit's default service is PyPI's per-release JSON API. Some machines (this one: a
 * mirror that serves the package index only) reach PyPI but not that API; pip-audit then
 * cannot audit anything, and with --strict it fails.
 */
export async function pipAuditReachable(): Promise<{ ok: boolean; reason: string }> {
  const url = 'https://pypi.org/pypi/pip/24.0/json';
  try {
    const response = await request(url, { timeoutMs: 10_000 });
    if (response.status === 200) return { ok: true, reason: `${url} answered 200` };
    return { ok: false, reason: `GET ${url} answered ${response.status}` };
  } catch (error) {
    return { ok: false, reason: `GET ${url} failed: ${(error as Error).message}` };
  }
}
