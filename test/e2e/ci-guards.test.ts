// The CI guards of a generated project: which CI files each answer brings, that the workflows
// are well-formed (actionlint for GitHub, stages for GitLab), pinned and least-privilege, and
// that on a fresh project exactly the commands the workflow runs pass.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PROJECT_FILES } from '../../generators/app/files.js';
import { type Answers, CI_PROVIDERS, defaultAnswers } from '../../generators/lib/answers.js';
import { planFiles } from '../../generators/lib/manifest.js';
import { generateProject, projectPython, type PythonEnv, runCommand, tempDir } from '../support/project.js';
import { missingTools, which } from '../support/tools.js';
import { ciJobs, commitAll, pipAuditReachable, workflowCommands } from '../support/ci.js';

const CI_FILES = ['.github/workflows/ci.yml', '.github/dependabot.yml', '.gitlab-ci.yml'];
const EXPECTED_CI_FILES: Record<Answers['ci'], string[]> = {
  github: ['.github/workflows/ci.yml', '.github/dependabot.yml'],
  gitlab: ['.gitlab-ci.yml'],
  both: CI_FILES,
  none: [],
};
const PINNED_ACTION = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  permissions?: unknown;
  jobs: Record<string, { permissions?: unknown; steps: Step[] }>;
}

/** actionlint on PATH, or where `go install` puts it. */
function findActionlint(): string | undefined {
  const candidates = [process.env.GOBIN, process.env.GOPATH && join(process.env.GOPATH, 'bin'), join(homedir(), 'go', 'bin')];
  return which('actionlint') ?? candidates.map((dir) => dir && join(dir, 'actionlint')).find((path) => path && existsSync(path));
}

describe('the answer `ci` picks the CI files', () => {
  it.each(CI_PROVIDERS.map((ci) => [ci] as const))('ci=%s', (ci) => {
    const planned = planFiles(PROJECT_FILES, { ...defaultAnswers('svc'), ci }).map((file) => file.to);
    expect(planned.filter((path) => CI_FILES.includes(path)).sort()).toEqual([...EXPECTED_CI_FILES[ci]].sort());
    // The single source of the commands comes with every project, CI or not.
    expect(planned).toContain('scripts/ci_checks.py');
  });
});

describe('the generated CI files', () => {
  const tmp = tempDir('hf-e2e-ci-files-');
  let both: string;
  let newest: string;
  let jobs: Map<string, string[]>;

  beforeAll(async () => {
    both = await generateProject('ci-both', { ci: 'both' }, tmp.dir);
    newest = await generateProject('ci-newest', { ci: 'github', pythonVersion: '3.13' }, tmp.dir);
    jobs = await ciJobs(both);
  });
  afterAll(() => tmp.cleanup());

  it('scripts/ci_checks.py lists the lint, test and security jobs', () => {
    expect([...jobs.keys()]).toEqual(['lint', 'test', 'security']);
    expect(jobs.get('security')).toEqual(['security check', 'template audit', 'bandit', 'pip-audit', 'secret scan']);
  });

  it('the GitHub workflow is least-privilege, SHA-pinned and cached, and calls the single source', () => {
    const workflow = parseYaml(readFileSync(join(both, '.github/workflows/ci.yml'), 'utf8')) as Workflow;
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(Object.keys(workflow.jobs)).toEqual([...jobs.keys()]);
    for (const [name, job] of Object.entries(workflow.jobs)) {
      expect(job.permissions, `${name} must not widen permissions`).toBeUndefined();
      const uses = job.steps.filter((step) => step.uses).map((step) => step.uses!);
      expect(uses.length, name).toBeGreaterThan(0);
      for (const action of uses) expect(action, `${name}: ${action}`).toMatch(PINNED_ACTION);
      const setupPython = job.steps.find((step) => step.uses?.startsWith('actions/setup-python@'));
      expect(setupPython?.with?.['cache'], name).toBe('pip');
      const checkout = job.steps.find((step) => step.uses?.startsWith('actions/checkout@'));
      expect(checkout?.with?.['persist-credentials'], name).toBe(false);
      expect(job.steps.at(-1)?.run, name).toBe(`python scripts/ci_checks.py ${name}`);
    }
  });

  it('Dependabot watches pip and the pinned actions', () => {
    const config = parseYaml(readFileSync(join(both, '.github/dependabot.yml'), 'utf8')) as { updates: { 'package-ecosystem': string }[] };
    expect(config.updates.map((update) => update['package-ecosystem']).sort()).toEqual(['github-actions', 'pip']);
  });

  it('the GitLab file parses, names only defined stages and calls the single source', () => {
    const pipeline = parseYaml(readFileSync(join(both, '.gitlab-ci.yml'), 'utf8')) as Record<string, unknown>;
    const stages = pipeline['stages'] as string[];
    expect(stages).toEqual(['lint', 'test', 'security']);
    const reserved = new Set(['stages', 'workflow', 'variables', 'default', 'include', 'image', 'services', 'cache', 'before_script', 'after_script']);
    const jobNames = Object.keys(pipeline).filter((key) => !reserved.has(key) && !key.startsWith('.'));
    expect(jobNames).toEqual([...jobs.keys()]);
    for (const name of jobNames) {
      const job = pipeline[name] as { stage?: string; script: string[] };
      // A job without `stage` runs in "test", which must then be defined too.
      expect(stages, `${name} names stage ${job.stage ?? 'test'}`).toContain(job.stage ?? 'test');
      expect(job.script).toEqual([`python scripts/ci_checks.py ${name}`]);
    }
    const defaults = pipeline['default'] as { cache?: { paths?: string[] } };
    expect(defaults.cache?.paths).toContain('.cache/pip');
  });

  it('actionlint passes on the generated workflows', async ({ skip }) => {
    const actionlint = findActionlint();
    if (!actionlint && missingTools('actionlint', ['actionlint']).length > 0) skip();
    for (const project of [both, newest]) {
      const result = await runCommand(actionlint!, ['-color=false', '.github/workflows/ci.yml'], { cwd: project });
      expect(result.exitCode, `${project}\n${result.stdout}${result.stderr}`).toBe(0);
    }
  });
});

describe('on a fresh project, the commands the workflow runs pass', () => {
  const tmp = tempDir('hf-e2e-ci-run-');
  let project: string;
  let python: PythonEnv;
  let commands: { job: string; run: string }[];
  let reachable: { ok: boolean; reason: string };

  beforeAll(async () => {
    project = await generateProject('fresh', {}, tmp.dir);
    python = await projectPython(project);
    // CI checks out a commit; the secret scan reads what git tracks.
    await commitAll(project);
    commands = workflowCommands(join(project, '.github/workflows/ci.yml'));
    reachable = await pipAuditReachable();
  });
  afterAll(() => tmp.cleanup());

  it('runs one command per job, the same ones scripts/ci_checks.py names', () => {
    expect(commands).toEqual([
      { job: 'lint', run: 'python scripts/ci_checks.py lint' },
      { job: 'test', run: 'python scripts/ci_checks.py test' },
      { job: 'security', run: 'python scripts/ci_checks.py security' },
    ]);
  });

  // pip-audit alone needs the vulnerability service; every job is asserted without it, and
  // pip-audit on its own below, where the one reason it may not run is a visible skip.
  it.each(['lint', 'test', 'security'])('the %s job passes (pip-audit proved apart)', async (job) => {
    const { run } = commands.find((command) => command.job === job)!;
    const result = await runCommand('bash', ['-e', '-c', `${run} --skip pip-audit`], { cwd: project, env: python.env, timeout: 600_000 });
    const output = result.stdout + result.stderr;
    const failed = [...output.matchAll(/^FAIL {2}(\S+) \/ (.+) \(exit \d+\)$/gm)].map((match) => match[2]);
    expect(result.exitCode, `${run} failed (${failed.join(', ')}):\n${output.slice(-6000)}`).toBe(0);
    expect(output).toMatch(/^all steps passed$/m);
    if (job === 'security') expect(output).toMatch(/^SKIP {2}security \/ pip-audit \(--skip\)$/m);
  });

  it('the security job\'s pip-audit step passes against the vulnerability service', async ({ skip }) => {
    // The network is the only reason this may not run, under CI=true too (no tool is missing:
    // pip-audit is a dev dependency of the project). Skipped is reported as skipped, never passed.
    if (!reachable.ok) {
      console.warn(`SKIP pip-audit: its vulnerability service is unreachable from this machine (${reachable.reason})`);
      skip(`pip-audit: vulnerability service unreachable (${reachable.reason})`);
    }
    const listed = await runCommand('bash', ['-e', '-c', 'python scripts/ci_checks.py security --list'], { cwd: project, env: python.env });
    const steps = listed.stdout.split('\n').filter(Boolean).map((line) => line.split('\t')[1]!);
    expect(steps).toContain('pip-audit');
    const others = steps.filter((step) => step !== 'pip-audit').flatMap((step) => ['--skip', step]);
    const result = await runCommand('bash', ['-e', '-c', `python scripts/ci_checks.py security ${others.join(' ')}`], {
      cwd: project,
      env: python.env,
      timeout: 600_000,
    });
    const output = result.stdout + result.stderr;
    expect(result.exitCode, output.slice(-6000)).toBe(0);
    expect(output).toMatch(/^PASS {2}security \/ pip-audit \(/m);
  });
});
