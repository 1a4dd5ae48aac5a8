// The audit through the built CLI on freshly generated projects: the generator's own output must
// audit as 6 of 6 implemented, read-only, and the audit must notice when a protection is removed.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answers } from '../../generators/lib/answers.js';
import type { AuditReport, ProtectionId } from '../../generators/audit/model.js';
import { sarifSchemaErrors, tempFolder, treeChecksums } from '../fixtures/audit/support.js';
import { CLI, generateProject, runCommand } from '../support/project.js';

async function audit(dir: string, ...flags: string[]) {
  return runCommand('node', [CLI, 'audit', dir, ...flags], { timeout: 120_000 });
}

async function auditJson(dir: string): Promise<AuditReport> {
  const result = await audit(dir, '--format', 'json');
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as AuditReport;
}

const VARIANTS: [string, Partial<Answers>][] = [
  ['default answers', {}],
  ['no API, tcp bind, no systemd, no CI', { includeApi: false, gunicornBind: 'tcp', systemd: false, ci: 'none' }],
  ['gitlab CI, short HSTS for a first deploy', { ci: 'gitlab', hstsMaxAge: 300 }],
];

describe.each(VARIANTS)('a fresh generation (%s)', (_label, answers) => {
  let parent: { dir: string; cleanup: () => void };
  let project: string;

  beforeAll(async () => {
    parent = tempFolder('hf-audit-e2e-');
    project = await generateProject('fresh-service', answers, parent.dir);
  });
  afterAll(() => parent.cleanup());

  it('audits as 6 of 6 implemented, read-only, and passes --fail-on partial', async () => {
    const before = treeChecksums(project);
    const result = await audit(project, '--format', 'json', '--fail-on', 'partial');
    const report = JSON.parse(result.stdout) as AuditReport;
    const statuses = Object.fromEntries(report.protections.map((p) => [p.id, p.status]));
    const open = report.protections.flatMap((p) => p.missingImplementation.filter((g) => g.severity !== 'low').map((g) => `${p.id}: ${g.description}`));
    expect(open, 'gaps in the generated project').toEqual([]);
    expect(statuses).toEqual({
      debug: 'implemented',
      'wsgi-server': 'implemented',
      'secret-key': 'implemented',
      csrf: 'implemented',
      templating: 'implemented',
      headers: 'implemented',
    });
    expect(report.summary).toEqual({ implemented: 6, partial: 0, missing: 0, total: 6 });
    // The protections the app gets from hardening.init_app are found in the package itself.
    const inHardening = (id: ProtectionId) =>
      report.protections.find((p) => p.id === id)!.currentlyImplemented.some((c) => c.evidence.some((e) => e.file.startsWith('src/fresh_service/hardening/')));
    expect((['debug', 'secret-key', 'csrf', 'templating', 'headers'] as const).filter((id) => !inHardening(id))).toEqual([]);
    expect(report.analysis.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(treeChecksums(project)).toEqual(before);
  });

  it('writes SARIF that validates, and a Markdown review', async () => {
    const sarif = await audit(project, '--format', 'sarif');
    expect(sarif.exitCode).toBe(0);
    expect(sarifSchemaErrors(JSON.parse(sarif.stdout))).toEqual([]);
    const md = await audit(project, '--format', 'md');
    expect(md.stdout).toMatch(/\*\*6 of 6\*\* protections implemented/);
  });
});

/** Each edit turns one protection off in a copy of a generated project. */
const MUTATIONS: { name: string; protection: ProtectionId; edit: (dir: string, pkg: string) => void }[] = [
  {
    name: 'debug on in the base config',
    protection: 'debug',
    edit: (dir, pkg) => replaceIn(join(dir, 'src', pkg, 'config.py'), /DEBUG = False/, 'DEBUG = True'),
  },
  {
    name: 'flask run in the systemd unit',
    protection: 'wsgi-server',
    edit: (dir) => replaceIn(join(dir, 'deploy', 'systemd', 'fresh-service.service'), /^ExecStart=.*$/m, 'ExecStart=/srv/fresh-service/.venv/bin/flask run'),
  },
  {
    name: 'a literal secret key',
    protection: 'secret-key',
    edit: (dir, pkg) => appendTo(join(dir, 'src', pkg, 'config.py'), '\n\nclass Config2(Config):\n    SECRET_KEY = "hunter2"\n'),
  },
  {
    name: 'CSRF never bound',
    protection: 'csrf',
    edit: (dir, pkg) => replaceIn(join(dir, 'src', pkg, 'hardening', 'security.py'), /^\s*csrf\.init_app\(app\)\s*$/m, ''),
  },
  {
    name: '|safe in a template',
    protection: 'templating',
    edit: (dir, pkg) => replaceIn(join(dir, 'src', pkg, 'templates', 'index.html'), '{{ config.SITE_DESCRIPTION }}', '{{ config.SITE_DESCRIPTION|safe }}'),
  },
  {
    name: "'unsafe-inline' scripts",
    protection: 'headers',
    // the policy lives in security-headers.json (security.py sends it, the nginx snippet is rendered from it)
    edit: (dir, pkg) => replaceIn(join(dir, 'src', pkg, 'hardening', 'security-headers.json'), `"script-src": "'self'"`, `"script-src": "'self' 'unsafe-inline'"`),
  },
];

function replaceIn(file: string, from: string | RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`mutation did not apply to ${file}: ${String(from)}`);
  writeFileSync(file, next);
}

function appendTo(file: string, text: string): void {
  writeFileSync(file, readFileSync(file, 'utf8') + text);
}

describe('a generated project with one protection turned off', () => {
  let parent: { dir: string; cleanup: () => void };
  let pristine: string;

  beforeAll(async () => {
    parent = tempFolder('hf-audit-mut-');
    pristine = await generateProject('fresh-service', {}, parent.dir);
  });
  afterAll(() => parent.cleanup());

  it.each(MUTATIONS)('notices $name', async ({ name, protection, edit }) => {
    const copy = join(parent.dir, `mutant-${name.replace(/\W+/g, '-')}`);
    cpSync(pristine, copy, { recursive: true });
    try {
      edit(copy, 'fresh_service');
      const report = await auditJson(copy);
      const changed = report.protections.filter((p) => p.status !== 'implemented').map((p) => p.id);
      expect(changed).toEqual([protection]);
      const failing = await audit(copy, '--fail-on', 'partial');
      expect(failing.exitCode).toBe(1);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
