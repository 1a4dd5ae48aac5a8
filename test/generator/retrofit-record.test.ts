// The record a retrofit leaves in `.yo-rc.json` for `update`: written, read back and written again
// to the same bytes; other generators' keys kept; a damaged record refused in one line; and the
// files the record renders follow what it says (factory or module app, report-only CSP).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { completeAnswers } from '../../generators/lib/answers.js';
import { UsageError } from '../../generators/lib/errors.js';
import { storedConfig } from '../../generators/lib/preflight.js';
import { writeYoRc } from '../../generators/retrofit/command.js';
import { type RetrofitRecord, retrofitFiles } from '../../generators/retrofit/render.js';
import { readProject } from '../../generators/update/plan.js';

const answers = completeAnswers({ packageName: 'app', ci: 'github' }, 'guestbook');
const record: RetrofitRecord = {
  app: { module: 'notes', var: 'app', factory: 'create_app', package: 'notes', packageDir: 'notes' },
  only: ['debug', 'server', 'secret', 'csrf', 'templates', 'headers'],
  testsDir: 'test',
  reportOnly: true,
  allowlist: [{ file: 'notes/templates/page.html', line: 3, what: '|safe on body: put on the template-audit-allowlist' }],
  testCmd: 'python -m pytest -q test',
};

const dirs: string[] = [];
const project = () => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-retrofit-record-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const yoRc = (dir: string) => JSON.parse(readFileSync(join(dir, '.yo-rc.json'), 'utf8')) as Record<string, Record<string, unknown>>;

describe('the retrofit record in .yo-rc.json', () => {
  it('round-trips: read back as written, and written again to the same bytes', () => {
    const dir = project();
    writeYoRc(dir, answers, record);
    const text = readFileSync(join(dir, '.yo-rc.json'), 'utf8');
    expect(yoRc(dir)['generator-hardened-flask']).toMatchObject({ kind: 'retrofit', projectName: 'guestbook', ci: 'github' });
    const read = readProject(dir);
    expect(read.retrofit).toEqual(record);
    expect(read.answers).toEqual(answers);
    expect(typeof read.version).toBe('string');
    // What update writes back for it, unchanged, is the same file.
    expect(`${JSON.stringify(storedConfig(read.answers, read.version!, undefined, read.retrofit), null, 2)}\n`).toBe(text);
  });

  it("keeps other generators' keys, adds protections of a later run, and leaves a project made by new alone", () => {
    const dir = project();
    writeFileSync(join(dir, '.yo-rc.json'), JSON.stringify({ 'generator-other': { x: 1 } }));
    writeYoRc(dir, answers, { ...record, only: ['server'] });
    writeYoRc(dir, answers, { ...record, only: ['csrf'] });
    expect(yoRc(dir)['generator-other']).toEqual({ x: 1 });
    expect(readProject(dir).retrofit?.only).toEqual(['server', 'csrf']);

    const made = project();
    const ours = storedConfig(answers, '0.2.0');
    writeFileSync(join(made, '.yo-rc.json'), JSON.stringify(ours));
    writeYoRc(made, answers, record);
    expect(yoRc(made)).toEqual(ours);
    expect(readProject(made).retrofit).toBeUndefined();
  });

  for (const [what, damage, message] of [
    ['a kind other than retrofit', (s: Record<string, unknown>) => (s['kind'] = 'copy'), /"kind" must be "retrofit"/],
    ['no record', (s: Record<string, unknown>) => delete s['retrofit'], /needs its "retrofit" record/],
    ['a package outside the project', (s: Record<string, unknown>) => ((s['retrofit'] as RetrofitRecord).app.packageDir = '../elsewhere'), /app\.packageDir outside the project/],
    ['an unknown protection', (s: Record<string, unknown>) => ((s['retrofit'] as { only: string[] }).only = ['debug', 'nope']), /needs "only"/],
  ] as const) {
    it(`refuses a record with ${what} in one line`, () => {
      const dir = project();
      writeYoRc(dir, answers, record);
      const config = yoRc(dir);
      damage(config['generator-hardened-flask']!);
      writeFileSync(join(dir, '.yo-rc.json'), JSON.stringify(config));
      expect(() => readProject(dir)).toThrow(UsageError);
      expect(() => readProject(dir)).toThrow(message);
    });
  }

  it('renders the files the record describes', () => {
    const files = new Map(retrofitFiles(record, answers).map((file) => [file.path, file]));
    expect(files.get('wsgi.py')?.text).toContain('from notes import create_app\n\napp = create_app()\n');
    expect(files.get('test/test_hardening.py')?.text).toContain('from notes.hardening.testing import *');
    expect(files.get('notes/hardening/template-audit-allowlist.toml')?.text).toContain('template = "page.html"');
    expect(files.get('deploy/nginx/guestbook-security-headers.conf')?.text).toContain('Content-Security-Policy-Report-Only');
    expect(files.get('.github/workflows/ci.yml')?.text).toContain('python -m pytest -q test');
    expect(files.has('.env')).toBe(false);
    const enforcing = new Map(retrofitFiles({ ...record, reportOnly: false, only: ['server'] }, answers).map((file) => [file.path, file]));
    expect(enforcing.get('deploy/nginx/guestbook-security-headers.conf')?.text).not.toContain('Report-Only');
    // --only server: none of the hardening package's parts for the other protections.
    expect([...enforcing.keys()].filter((path) => path.startsWith('notes/hardening/'))).toEqual([]);
  });
});
