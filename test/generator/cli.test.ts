// The standalone bin as a user meets it: exit codes, one-line errors, no hang without a TTY,
// nothing written on bad input, and no partial tree after Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_FILES } from '../../generators/app/files.js';
import { defaultAnswers } from '../../generators/lib/answers.js';
import { planFiles } from '../../generators/lib/manifest.js';
import { CLI, REPO_ROOT, runCommand, tempDir } from '../support/project.js';
import { readTree } from './support.js';

const tmp = tempDir('hf-cli-');
afterAll(() => tmp.cleanup());
const cli = (args: string[], cwd = tmp.dir) => runCommand('node', [CLI, ...args], { cwd, timeout: 60_000 });

function expectOneLineUsageError(result: { exitCode: number; stderr: string; stdout: string }, pattern: RegExp) {
  expect(result.exitCode).toBe(2);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('hardened-flask', () => {
  it('prints help and version fast, without loading Yeoman', async () => {
    const help = await cli(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/new <dir>/);
    const newHelp = await cli(['new', '--help']);
    expect(newHelp.stdout).toMatch(/--answers FILE/);
    for (const args of [['--version'], ['new', '--version'], ['audit', '--version']]) {
      const version = await cli(args);
      expect(version.exitCode, args.join(' ')).toBe(0);
      expect(version.stdout.trim(), args.join(' ')).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect((await cli(['audit', '--help'])).stdout).toMatch(/--format/);
  });

  it('exits 2 at once without a TTY and without --yes, naming --yes', async () => {
    const started = Date.now();
    const result = await cli(['new', 'x']);
    expect(Date.now() - started).toBeLessThan(1000 + 500); // process start included; budget is 1 s of work
    expectOneLineUsageError(result, /--yes/);
    expect(existsSync(join(tmp.dir, 'x'))).toBe(false);
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['new'], /exactly one folder/],
    [['new', 'a', 'b', '--yes'], /exactly one folder/],
    [['new', 'x', '--yes', '--bogus'], /Unknown option '--bogus'/],
    [['new', 'x', '--yes', '--answers', 'missing.json'], /does not exist/],
  ])('refuses %j with exit 2 and one line', async (args, pattern) => {
    expectOneLineUsageError(await cli(args), pattern);
  });

  it.each([
    [{ packageName: 'flask' }, /shadow a dependency/],
    [{ packageName: 'class' }, /keyword/],
    [{ domain: 'https://x' }, /host name/],
    [{ description: 'two\nlines' }, /single line/],
    [{ projectName: '../escape' }, /project name/],
    [{ port: 80 }, /port/],
    [{ unknownKey: 1 }, /unknown answer/],
  ])('refuses the answer %j, writing nothing', async (answers, pattern) => {
    const dir = join(tmp.dir, `bad-${Buffer.from(JSON.stringify(answers)).toString('hex')}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'answers.json'), JSON.stringify(answers));
    expectOneLineUsageError(await cli(['new', 'svc', '--yes', '--answers', 'answers.json'], dir), pattern);
    expect(readdirSync(dir)).toEqual(['answers.json']);
  });

  it('refuses a non-empty target unless --force, and keeps unrelated files with --force', async () => {
    const dir = join(tmp.dir, 'occupied');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    expectOneLineUsageError(await cli(['new', dir, '--yes', '--skip-install']), /not empty.*--force/);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    const forced = await cli(['new', dir, '--yes', '--skip-install', '--force']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(readdirSync(dir)).toContain('notes.txt');
    expect(readdirSync(dir)).toContain('pyproject.toml');
  });

  it('keeps the project and prints the retry command when an install step fails', async () => {
    // A python3 that fails stands in for a broken interpreter; git init still runs for real.
    const fakeBin = join(tmp.dir, 'fake-bin');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'python3'), '#!/bin/sh\necho "no venv module here" >&2\nexit 1\n', { mode: 0o755 });
    const result = await runCommand('node', [CLI, 'new', 'install-fails', '--yes'], {
      cwd: tmp.dir,
      env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH}` },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/\[1\/3\] git init/);
    expect(result.stderr).toMatch(/install step "create .venv" failed \(no venv module here\); the project is in place, retry with: cd \S+install-fails && python3 -m venv .venv && .venv\/bin\/pip install .* -e '\.\[dev\]'$/m);
    expect(existsSync(join(tmp.dir, 'install-fails', 'pyproject.toml'))).toBe(true);
    expect(existsSync(join(tmp.dir, 'install-fails', '.git'))).toBe(true);
  });

  it('writes the same bytes from the bundle as from the modules', async () => {
    expect(existsSync(join(REPO_ROOT, 'dist', 'bundle', 'new-command.js')), 'npm run build makes the bundle').toBe(true);
    const trees = [];
    for (const noBundle of ['0', '1']) {
      const parent = join(tmp.dir, `bundle-${noBundle}`);
      mkdirSync(parent);
      const result = await runCommand('node', [CLI, 'new', 'same', '--yes', '--skip-install'], {
        cwd: parent,
        env: { ...process.env, HARDENED_FLASK_NO_BUNDLE: noBundle },
      });
      expect(result.exitCode, result.stderr).toBe(0);
      const tree = readTree(join(parent, 'same'));
      tree.delete('.env'); // the one file with a random value
      trees.push(tree);
    }
    expect(trees[0]!.size).toBeGreaterThan(20);
    expect(trees[0]).toEqual(trees[1]);
  });

  it('leaves no partial tree when interrupted with Ctrl-C at any moment', async () => {
    const expected = planFiles(PROJECT_FILES, defaultAnswers('interrupted')).length + 2; // + .yo-rc.json and the ownership record
    const countFiles = (dir: string): number =>
      readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? countFiles(join(dir, e.name)) : 1), 0);
    for (const delayMs of [150, 600, 900, 1200, 1500]) {
      const parent = join(tmp.dir, `sigint-${delayMs}`);
      mkdirSync(parent);
      const child = spawn('node', [CLI, 'new', 'interrupted', '--yes', '--skip-install'], { cwd: parent, stdio: 'ignore' });
      setTimeout(() => child.kill('SIGINT'), delayMs);
      await new Promise((done) => child.on('exit', done));
      const left = readdirSync(parent);
      expect(left.filter((name) => name.includes('staging')), `after ${delayMs} ms`).toEqual([]);
      if (left.includes('interrupted')) expect(countFiles(join(parent, 'interrupted')), `after ${delayMs} ms`).toBe(expected);
    }
  });
});
