// The audit on real trees: broken files, binaries, huge files, symlinks out of the tree, virtual
// environments, 10,000 files; and proof that it is read-only and never runs the project's code.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditProject } from '../../generators/audit/audit.js';
import type { AuditReport } from '../../generators/audit/model.js';
import { copyFixture, FIXTURE_NAMES, tempFolder, treeChecksums } from '../fixtures/audit/support.js';

function write(root: string, file: string, content: string | Buffer): void {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), content);
}

const allGaps = (report: AuditReport) => report.protections.flatMap((p) => p.missingImplementation);
const allFiles = (report: AuditReport) =>
  report.protections.flatMap((p) => [...p.currentlyImplemented.flatMap((c) => c.evidence), ...p.missingImplementation.flatMap((g) => g.locations)]).map((l) => l.file);

describe('a messy tree', () => {
  let tree: { dir: string; cleanup: () => void };
  let outside: { dir: string; cleanup: () => void };
  let report: AuditReport;

  beforeAll(async () => {
    tree = tempFolder();
    outside = tempFolder('hf-outside-');
    const root = tree.dir;
    write(root, 'app.py', 'from flask import Flask\napp = Flask(__name__)\n');
    write(root, 'broken.py', 'def broken(:\n    pass\n');
    write(root, 'zz_after_broken.py', 'from flask import Flask\nx = Flask(__name__)\nx.run(debug=True)\n');
    write(root, 'binary.py', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0x00]));
    write(root, 'huge.py', `# ${'x'.repeat(3 * 1024 * 1024)}\n`);
    write(root, 'latin1.py', Buffer.from('# -*- coding: latin-1 -*-\nNAME = "caf\xe9"\n', 'latin1'));
    write(root, 'templates/bad.html', '{% for x in %}\n');
    write(root, 'templates/binary.html', Buffer.from([0, 1, 2, 3]));
    // Code that must never be looked at: dependencies and virtual environments
    const noisy = 'from flask import Flask\napp = Flask(__name__)\napp.config["SECRET_KEY"] = "leaked"\napp.run(debug=True)\n';
    write(root, '.venv/lib/python3.11/site-packages/evil/app.py', noisy);
    write(root, 'node_modules/pkg/app.py', noisy);
    write(root, 'lib/site-packages/evil.py', noisy);
    write(root, 'myenv/pyvenv.cfg', 'home = /usr/bin\n');
    write(root, 'myenv/lib/evil.py', noisy);
    write(root, 'build/__pycache__/x.py', noisy);
    // Symlinks: one leaves the tree (to a folder full of findings), one loops, one is broken
    write(outside.dir, 'app.py', noisy);
    symlinkSync(outside.dir, join(root, 'linked-outside'));
    symlinkSync(join(outside.dir, 'app.py'), join(root, 'outside.py'));
    symlinkSync(root, join(root, 'loop'));
    symlinkSync(join(root, 'missing-target'), join(root, 'dangling.py'));
    report = await auditProject(root);
  });
  afterAll(() => {
    tree.cleanup();
    outside.cleanup();
  });

  it('reports syntax errors and goes on with the other files', () => {
    expect(report.analysis.errors.map((e) => e.file)).toEqual(['broken.py', 'templates/bad.html']);
    const debug = report.protections.find((p) => p.id === 'debug')!;
    expect(debug.missingImplementation.some((g) => g.locations.some((l) => l.file === 'zz_after_broken.py'))).toBe(true);
  });

  it('skips binary and huge files with a reason', () => {
    const reasons = Object.fromEntries(report.analysis.skipped.map((s) => [s.file, s.reason]));
    expect(reasons['binary.py']).toMatch(/binary/);
    expect(reasons['templates/binary.html']).toMatch(/binary/);
    expect(reasons['huge.py']).toMatch(/larger than/);
  });

  it('reads files in their declared encoding', () => {
    expect(report.analysis.errors.map((e) => e.file)).not.toContain('latin1.py');
  });

  it('does not follow symlinks, and says which ones leave the tree', () => {
    const reasons = Object.fromEntries(report.analysis.skipped.map((s) => [s.file, s.reason]));
    expect(reasons['linked-outside']).toMatch(/leaving the tree/);
    expect(reasons['outside.py']).toMatch(/leaving the tree/);
    expect(reasons['loop']).toMatch(/inside the tree/);
    expect(reasons['dangling.py']).toMatch(/broken/);
  });

  it('never looks into virtual environments, node_modules, site-packages or caches', () => {
    const files = allFiles(report);
    for (const folder of ['.venv', 'node_modules', 'lib/site-packages', 'myenv', 'build/__pycache__', 'linked-outside']) {
      expect(files.some((f) => f.startsWith(folder)), folder).toBe(false);
    }
    expect(allGaps(report).some((g) => g.rule === 'secret-key/literal-key')).toBe(false);
    const skipped = report.analysis.skipped.map((s) => s.file);
    expect(skipped).toEqual(expect.arrayContaining(['.venv', 'node_modules', 'lib/site-packages', 'myenv']));
  });
});

describe('read-only', () => {
  it.each(FIXTURE_NAMES)('leaves the %s tree byte-for-byte unchanged', async (name) => {
    const copy = copyFixture(name);
    try {
      const before = treeChecksums(copy.dir);
      await auditProject(copy.dir);
      await auditProject(copy.dir, { env: { ...process.env, HARDENED_FLASK_AUDIT_NO_JINJA: '1' } });
      expect(treeChecksums(copy.dir)).toEqual(before);
    } finally {
      copy.cleanup();
    }
  });
});

describe('never imports or runs the project', () => {
  it('ignores modules that shadow the stdlib or jinja2, PYTHONPATH and PYTHONSTARTUP', async () => {
    const project = tempFolder();
    const witness = tempFolder('hf-witness-');
    const marker = join(witness.dir, 'ran');
    const payload = `open(${JSON.stringify(marker)}, "a").write(__name__ + "\\n")\n`;
    try {
      for (const file of ['sitecustomize.py', 'usercustomize.py', 'ast.py', 'json.py', 're.py', 'os.py', 'app.py', 'jinja2/__init__.py', 'markupsafe/__init__.py']) {
        write(project.dir, file, payload);
      }
      write(project.dir, 'templates/index.html', '{{ x|safe }}\n');
      write(project.dir, '.python-version', 'system\n');
      const before = treeChecksums(project.dir);
      const report = await auditProject(project.dir, {
        env: { ...process.env, PYTHONPATH: project.dir, PYTHONSTARTUP: join(project.dir, 'app.py'), PYTHONSAFEPATH: '' },
      });
      expect(report.analysis.pythonFiles).toBe(9);
      expect(report.analysis.errors).toEqual([]);
      expect(allGaps(report).some((g) => g.rule === 'templating/safe-filter')).toBe(true);
      const { existsSync } = await import('node:fs');
      expect(existsSync(marker), 'a project module was imported').toBe(false);
      expect(treeChecksums(project.dir)).toEqual(before);
    } finally {
      project.cleanup();
      witness.cleanup();
    }
  });
});

describe('a large tree', () => {
  it('audits 10,000 files', async () => {
    const tree = tempFolder();
    try {
      write(tree.dir, 'app.py', 'from flask import Flask\napp = Flask(__name__)\n');
      for (let i = 0; i < 10_000; i++) {
        const folder = `pkg${Math.floor(i / 250)}`;
        if (i % 10 === 0) write(tree.dir, `${folder}/templates/t${i}.html`, `<p>{{ value_${i} }}</p>\n`);
        else if (i % 10 === 1) write(tree.dir, `${folder}/static/s${i}.css`, 'p { color: black }\n');
        else write(tree.dir, `${folder}/m${i}.py`, `def f${i}(x):\n    return x + ${i}\n`);
      }
      const report = await auditProject(tree.dir);
      expect(report.analysis.filesSeen).toBe(10_001);
      expect(report.analysis.pythonFiles).toBe(8_001);
      expect(report.analysis.templateFiles).toBe(1_000);
      expect(report.analysis.errors).toEqual([]);
    } finally {
      tree.cleanup();
    }
  }, 120_000);
});
