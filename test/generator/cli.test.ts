// The standalone bin as a user meets it: exit codes, one-line errors, no hang without a TTY,
// nothing written on bad input, and no partial tree after Ctrl-C.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { plannedPaths } from '../../generators/app/planned.js';
import { defaultAnswers } from '../../generators/lib/answers.js';
import { CLI, REPO_ROOT, runCommand, tempDir } from '../support/project.js';
import { readTree } from './support.js';

const tmp = tempDir('hf-cli-');
afterAll(() => tmp.cleanup());
const cli = (args: string[], cwd = tmp.dir) => runCommand('node', [CLI, ...args], { cwd, timeout: 60_000 });

/** A CLI run in the background, for tests that act on it while it runs. */
function spawnCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, { detached = false } = {}) {
  const child = spawn('node', [CLI, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'], detached });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

/** Waits for a file to appear; the guard is generous, it only stops a hang. */
async function waitForFile(path: string, guardMs = 60_000): Promise<void> {
  for (let waited = 0; !existsSync(path); waited += 25) {
    if (waited > guardMs) throw new Error(`${path} never appeared`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

/**
 * Starts `args` in a fresh folder `<tmp>/<name>` and returns once the run is paused by the
 * test-only hold (HARDENED_FLASK_TEST_HOLD): every file staged, nothing in place. Deleting the
 * marker lets it go on.
 */
async function startHeld(name: string, args: string[]) {
  const parent = join(tmp.dir, name);
  mkdirSync(parent);
  const marker = join(tmp.dir, `${name}.hold`);
  const run = spawnCli(args, parent, { HARDENED_FLASK_TEST_HOLD: marker });
  await waitForFile(marker);
  return { parent, marker, run };
}

const countFiles = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? countFiles(join(dir, e.name)) : 1), 0);

/** Every path below `dir` (links not followed), to show that nothing was written. */
function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      out.push(relative(dir, join(folder, entry.name)));
      if (entry.isDirectory()) walk(join(folder, entry.name));
    }
  };
  walk(dir);
  return out.sort();
}

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

  it('warns, without failing, when the domain is still localhost', async () => {
    const local = await cli(['new', 'still-local', '--yes', '--skip-install']);
    expect(local.exitCode, local.stderr).toBe(0);
    expect(local.stdout + local.stderr).toMatch(/warning: the domain is still localhost/);
    const answers = join(tmp.dir, 'domain.json');
    writeFileSync(answers, JSON.stringify({ domain: 'shop.example.com' }));
    const named = await cli(['new', 'has-domain', '--yes', '--skip-install', '--answers', answers]);
    expect(named.exitCode, named.stderr).toBe(0);
    expect(named.stdout + named.stderr).not.toMatch(/localhost/);
  });

  it('exits 2 without a TTY and without --yes, naming --yes (the 60 s guard catches a hang)', async () => {
    // stdin stays an open pipe that never sends anything: a prompt would wait on it forever.
    const result = await cli(['new', 'x']);
    expectOneLineUsageError(result, /--yes/);
    expect(existsSync(join(tmp.dir, 'x'))).toBe(false);
  });

  it('lists every answer with its allowed values and default in new --help', async () => {
    const help = (await cli(['new', '--help'])).stdout;
    for (const key of Object.keys(defaultAnswers('x'))) expect(help, key).toMatch(new RegExp(`^  ${key} .*\\(default: [^)]+\\)$`, 'm'));
    expect(help).toMatch(/^  ci .*github \| gitlab \| both \| none \(default: "github"\)$/m);
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
    // One line, the tool's own words under it, then the command that goes on from there.
    const lines = result.stderr.trim().split('\n').slice(-3);
    expect(lines[0]).toBe('hardened-flask: install step "create .venv" failed; the project is in place');
    expect(lines[1]).toBe('  | no venv module here');
    expect(lines[2]).toMatch(/^retry with: cd \S+install-fails && python3 -m venv .venv && .venv\/bin\/pip install .* -e '\.\[dev\]'$/);
    expect(result.stderr).not.toMatch(/--debug|\n\s+at /);
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

  it('is interrupted by Ctrl-C while the files are on disk but not in place: exit 130, one line, nothing left', async () => {
    const { parent, marker, run } = await startHeld('sigint-staged', ['new', 'interrupted', '--yes', '--skip-install']);
    // The run is paused with every file written into its staging folder, beside the target.
    const staging = readdirSync(parent).filter((name) => name.includes('.staging-'));
    expect(staging).toHaveLength(1);
    expect(countFiles(join(parent, staging[0]!))).toBe(plannedPaths(defaultAnswers('interrupted')).length);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr.trim().split('\n')).toEqual(['hardened-flask: interrupted; nothing was written']);
    expect(readdirSync(parent)).toEqual([]); // no project, no staging folder, no lock
    rmSync(marker, { force: true });
  });

  it('keeps a second run off a target the first is writing, and the first still finishes', async () => {
    const { parent, marker, run: first } = await startHeld('locked', ['new', 'svc', '--yes', '--skip-install']);
    const second = await cli(['new', 'svc', '--yes', '--skip-install', '--force'], parent);
    expectOneLineUsageError(second, /another hardened-flask run is writing \S+svc \(pid \d+\): wait for it/);
    rmSync(marker);
    expect((await first.done).code).toBe(0);
    expect(readdirSync(parent)).toEqual(['svc']);
    expect(countFiles(join(parent, 'svc'))).toBe(plannedPaths(defaultAnswers('svc')).length);
  });

  it('cleans up after a killed run: its lock and staging folder do not block the next run', async () => {
    const { parent, marker, run: first } = await startHeld('killed', ['new', 'svc', '--yes', '--skip-install']);
    first.child.kill('SIGKILL'); // no handler runs: the lock and the staging folder stay behind
    await first.done;
    expect(readdirSync(parent).filter((name) => name.startsWith('.')).length).toBe(2);
    const second = await cli(['new', 'svc', '--yes', '--skip-install'], parent);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(readdirSync(parent)).toEqual(['svc']);
    rmSync(marker, { force: true });
  });

  it('prints the retry command when Ctrl-C stops the install, and keeps the project', async () => {
    // A python3 that waits stands in for a slow `python -m venv`; Ctrl-C goes to the whole
    // process group, as a terminal sends it.
    const fakeBin = join(tmp.dir, 'slow-bin');
    mkdirSync(fakeBin);
    const marker = join(tmp.dir, 'slow-venv.started');
    writeFileSync(join(fakeBin, 'python3'), `#!/bin/sh\ntouch '${marker}'\nexec sleep 60\n`, { mode: 0o755 });
    const run = spawnCli(['new', 'slow-install', '--yes'], tmp.dir, { PATH: `${fakeBin}:${process.env.PATH}` }, { detached: true });
    await waitForFile(marker);
    process.kill(-run.child.pid!, 'SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    const last = result.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^hardened-flask: interrupted; the project is in place, but "create .venv" did not finish; retry with: cd \S+slow-install && python3 -m venv .venv && .venv\/bin\/pip install .* -e '\.\[dev\]'$/);
    expect(existsSync(join(tmp.dir, 'slow-install', 'pyproject.toml'))).toBe(true);
  });

  describe('bad input: exit 2, one line, nothing written', () => {
    const cases: { name: string; setup: (dir: string) => string[]; error: RegExp }[] = [
      { name: 'new ""', setup: () => ['new', '', '--yes'], error: /folder name is empty/ },
      { name: 'a 300-character folder name', setup: () => ['new', 'a'.repeat(300), '--yes'], error: /300 bytes long; filesystems allow at most 255/ },
      {
        name: 'a dangling symbolic link as the target',
        setup: (dir) => (symlinkSync(join(dir, 'nowhere'), join(dir, 'link')), ['new', 'link', '--yes']),
        error: /link is a symbolic link to something that does not exist/,
      },
      {
        name: 'a file as the target',
        setup: (dir) => (writeFileSync(join(dir, 'file'), 'x'), ['new', 'file', '--yes', '--force']),
        error: /file is not a folder/,
      },
      { name: '--answers /dev/zero', setup: () => ['new', 'x', '--yes', '--answers', '/dev/zero'], error: /\/dev\/zero is a device, not a regular file/ },
      {
        name: '--answers FIFO (a pipe nobody writes to)',
        setup: (dir) => (execFileSync('mkfifo', [join(dir, 'fifo')]), ['new', 'x', '--yes', '--answers', 'fifo']),
        error: /fifo is a pipe, not a regular file/,
      },
      { name: '--answers /dev/stdin', setup: () => ['new', 'x', '--yes', '--answers', '/dev/stdin'], error: /\/dev\/stdin is a (pipe|socket), not a regular file/ },
      { name: '--answers a folder', setup: (dir) => (mkdirSync(join(dir, 'answers')), ['new', 'x', '--yes', '--answers', 'answers']), error: /answers is a folder/ },
      {
        name: '--answers larger than 1 MiB',
        setup: (dir) => (writeFileSync(join(dir, 'big.json'), `{"description": "x"}${' '.repeat(1024 * 1024)}`), ['new', 'x', '--yes', '--answers', 'big.json']),
        error: /big.json is larger than 1 MiB/,
      },
      {
        name: '--answers that is not UTF-8',
        setup: (dir) => (writeFileSync(join(dir, 'latin1.json'), Buffer.from('{"description": "caf\xe9"}', 'latin1')), ['new', 'x', '--yes', '--answers', 'latin1.json']),
        error: /latin1.json is not valid UTF-8/,
      },
      {
        name: 'a symbolic link on the way with --force',
        setup: (dir) => {
          mkdirSync(join(dir, 'svc'));
          mkdirSync(join(dir, 'elsewhere'));
          symlinkSync(join(dir, 'elsewhere'), join(dir, 'svc', 'src'));
          return ['new', 'svc', '--yes', '--force'];
        },
        error: /--force cannot write into \S+svc: src is a symbolic link; move it away/,
      },
      {
        name: 'a folder where a file goes and a file where a folder goes, with --force',
        setup: (dir) => {
          mkdirSync(join(dir, 'svc', 'pyproject.toml'), { recursive: true });
          writeFileSync(join(dir, 'svc', 'tests'), 'x');
          return ['new', 'svc', '--yes', '--force'];
        },
        error: /--force cannot write into \S+svc: pyproject.toml is a folder where a file goes; tests is a file where a folder goes; move them away/,
      },
    ];
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, { name, setup, error }) => {
      const dir = join(tmp.dir, `bad-input-${Buffer.from(name).toString('hex').slice(0, 40)}`);
      mkdirSync(dir);
      const args = setup(dir);
      const before = listTree(dir);
      expectOneLineUsageError(await cli([...args, '--skip-install'], dir), error);
      expect(listTree(dir)).toEqual(before);
    });
  });

  describe('audit of a folder it cannot see into: exit 2, one line, no report', () => {
    it('refuses an empty folder', async () => {
      const dir = join(tmp.dir, 'audit-empty');
      mkdirSync(dir);
      const result = await cli(['audit', dir]);
      expectOneLineUsageError(result, /audit-empty is empty: there is no project to audit/);
      expect(result.stdout).toBe('');
    });

    it('refuses an unreadable folder', async () => {
      const open = join(tmp.dir, 'audit-open');
      mkdirSync(open, { mode: 0o755 });
      chmodSync(tmp.dir, 0o755); // mkdtemp's 0700 would hide even the folder's existence
      const dir = join(open, 'audit-locked');
      mkdirSync(dir);
      writeFileSync(join(dir, 'app.py'), 'from flask import Flask\napp = Flask(__name__)\n');
      chmodSync(dir, 0o000);
      try {
        // root reads anything: run the audit as nobody, as an ordinary user would meet it.
        const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'node'] : ['node'];
        const result = await runCommand(asUser[0]!, [...asUser.slice(1), CLI, 'audit', dir], { cwd: tmp.dir, timeout: 60_000 });
        expectOneLineUsageError(result, /audit-locked cannot be read \(EACCES\)/);
        expect(result.stdout).toBe('');
      } finally {
        chmodSync(dir, 0o755);
      }
    });
  });

  describe('--force into an existing folder', () => {
    it('follows a link to a non-empty folder, keeps the link, the other files and .env, and logs force', async () => {
      const dir = join(tmp.dir, 'force-link');
      mkdirSync(join(dir, 'real'), { recursive: true });
      symlinkSync(join(dir, 'real'), join(dir, 'svc'));
      writeFileSync(join(dir, 'real', 'notes.txt'), 'mine');
      writeFileSync(join(dir, 'real', '.env'), 'SECRET_KEY=my-own-dev-key\n');
      writeFileSync(join(dir, 'real', 'README.md'), 'old readme');
      const result = await cli(['new', 'svc', '--yes', '--skip-install', '--force'], dir);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(lstatSync(join(dir, 'svc')).isSymbolicLink()).toBe(true);
      expect(readFileSync(join(dir, 'real', 'notes.txt'), 'utf8')).toBe('mine');
      expect(readFileSync(join(dir, 'real', '.env'), 'utf8')).toBe('SECRET_KEY=my-own-dev-key\n');
      expect(readFileSync(join(dir, 'real', 'README.md'), 'utf8')).not.toBe('old readme');
      expect(existsSync(join(dir, 'real', 'pyproject.toml'))).toBe(true);
      const log = result.stdout + result.stderr;
      expect(log).toMatch(/^\s+force README\.md$/m);
      expect(log).toMatch(/^\s+create pyproject\.toml$/m);
      expect(log).toMatch(/^\s+skip \.env \(yours, kept/m);
      expect(log).not.toMatch(/No change to package\.json|An error occured/);
      expect(readdirSync(dir).sort()).toEqual(['real', 'svc']);
    });

    it('replaces a link at a file position with the file, never writing through it', async () => {
      const dir = join(tmp.dir, 'force-file-link');
      mkdirSync(join(dir, 'svc'), { recursive: true });
      writeFileSync(join(dir, 'precious.txt'), 'do not touch');
      symlinkSync(join(dir, 'precious.txt'), join(dir, 'svc', 'README.md'));
      const result = await cli(['new', 'svc', '--yes', '--skip-install', '--force'], dir);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(readFileSync(join(dir, 'precious.txt'), 'utf8')).toBe('do not touch');
      expect(lstatSync(join(dir, 'svc', 'README.md')).isFile()).toBe(true);
    });
  });
});
