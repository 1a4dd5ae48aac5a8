// retrofit on a terminal, as a person meets it: every planned file goes through Yeoman's
// conflicter (@yeoman/conflicter's own prompt, in a real pseudo-terminal), created and edited
// files alike. One run overwrites a file, skips another, reads a diff and then takes all: what was
// skipped stays as it was and the summary leaves it for a human, with the audit's verdict. A
// skip that breaks the rest is caught by the project's tests and rolled back. "abort" and Ctrl-C
// write nothing (exit 0 and 130).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENTER, Terminal } from '../support/terminal.js';
import { cleanEnv, fixturePython, fixtureRepo, git } from '../support/retrofit.js';
import { missingTools } from '../support/tools.js';

const status = (dir: string) => git(dir, 'status', '--porcelain', '--untracked-files=all', '--ignored');

describe.skipIf(missingTools('retrofit conflicter in a terminal', ['script']).length > 0)('retrofit in a terminal (Yeoman\'s conflicter)', () => {
  let python: string;
  const cleanups: (() => void)[] = [];
  beforeAll(async () => {
    python = await fixturePython();
  });
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  /** `hardened-flask retrofit .` on a fresh copy of the fixture, in a pseudo-terminal. */
  const start = (fixture: string) => {
    const repo = fixtureRepo(fixture);
    cleanups.push(repo.cleanup);
    const terminal = new Terminal(['retrofit', '.', '--python', python, '--skip-install'], repo.dir, cleanEnv());
    cleanups.push(() => terminal.kill());
    return { dir: repo.dir, terminal };
  };

  it('overwrites one file, skips another, shows a diff, then takes all; the skip is left for a human', async () => {
    const { dir, terminal } = start('module-app');
    // The plan's order: the edited templates, app.py, then the new files.
    await terminal.answer('Overwrite templates/base.html? (ynadxH)', `y${ENTER}`);
    await terminal.answer('Overwrite templates/index.html? (ynadxH)', `n${ENTER}`);
    await terminal.answer('Overwrite app.py? (ynadxH)', `d${ENTER}`);
    // Yeoman's diff of app.py against the file on disk, then the same question again.
    await terminal.waitFor(/^-app\.config\["SECRET_KEY"\] = "dev-secret-key-do-not-use"$/m);
    await terminal.waitFor(/^\+hardening\.init_app\(app\)$/m);
    await terminal.answer('Overwrite app.py? (ynadxH)', `a${ENTER}`);
    const code = await terminal.exited;
    const screen = terminal.text;
    expect(code, screen).toBe(0);

    // The conflicter's own log lines; "all" answered every later file, new ones included.
    expect(screen).toMatch(/^\s+force templates\/base\.html$/m);
    expect(screen).toMatch(/^\s+skip templates\/index\.html$/m);
    expect(screen).toMatch(/^\s+force app\.py$/m);
    expect(screen).toMatch(/^\s+create hardening\/__init__\.py$/m);
    expect(screen).not.toContain('? Create ');

    const changed = status(dir);
    expect(changed).toContain(' M templates/base.html\n');
    expect(changed).toContain(' M app.py\n');
    expect(changed).toContain(' M Procfile\n');
    expect(changed).toContain('?? hardening/__init__.py\n');
    expect(changed).not.toContain('templates/index.html');

    // The summary: the skipped lines are not applied, each is left for a human under its
    // protection, and the audit after the change says what that leaves.
    expect(screen).toMatch(/^Retrofitted /m);
    expect(screen).toContain('  · templates/index.html:5 csrf_token() added to a POST form');
    expect(screen).toContain('  ! templates/index.html:5 skipped at the prompt: csrf_token() added to a POST form (not done; left for a human)');
    expect(screen).toContain('  ! templates/index.html:15 skipped at the prompt: nonce added to an inline <script> (not done; left for a human)');
    expect(screen).toMatch(/^csrf: missing → partial$/m);
    expect(screen).toContain('! left (high): A form in templates/index.html posts without csrf_token(). [templates/index.html:5]');
    expect(screen).toMatch(/^debug: missing → implemented$/m);
    // The proof ran around what was accepted: the project's 4 tests before, and after with the added ones.
    expect(screen).toMatch(/^tests \(.*pytest -q\): before 4 passed, 0 failed, 0 skipped; after \d{3} passed, 2 failed/m);
    // index.html's inline script kept no nonce: the added protection tests say so, for a human
    // (they were not passing before, so this is no regression and nothing is rolled back).
    expect(screen).toContain('! added protection test fails (for a human): tests.test_hardening::test_scripts_carry_the_page_nonce');
    expect(screen).toContain('! added protection test fails (for a human): tests.test_hardening::test_page_has_no_inline_script_or_style');
  }, 300_000);

  it('rolls back when a skipped file leaves the accepted ones broken, as the tests show', async () => {
    const { dir, terminal } = start('module-app');
    for (const file of ['templates/base.html', 'templates/index.html', 'app.py']) await terminal.answer(`Overwrite ${file}?`, `y${ENTER}`);
    // A new file asks too ("Create", not "Overwrite"); without it app.py's init_app call fails.
    await terminal.answer('Create hardening/__init__.py? (ynadxH)', `n${ENTER}`);
    await terminal.answer('Create hardening/checks.py? (ynadxH)', `a${ENTER}`);
    const code = await terminal.exited;
    const screen = terminal.text;
    expect(code, screen).toBe(1);
    expect(screen).toMatch(/^\s+skip hardening\/__init__\.py$/m);
    expect(screen).toMatch(/test\(s\) that passed before fail after: .*every file was restored/);
    expect(screen).toMatch(/^Rolled back /m);
    expect(screen).toContain('! hardening/__init__.py:1 skipped at the prompt: not created; left for a human');
    expect(status(dir)).toBe('');
  }, 300_000);

  it('exits 130 with one line and writes nothing on Ctrl-C at the conflicter\'s prompt', async () => {
    const { dir, terminal } = start('module-app');
    await terminal.answer('Overwrite templates/base.html?', `y${ENTER}`);
    await terminal.answer('Overwrite templates/index.html?', '\u0003');
    const code = await terminal.exited;
    expect(code, terminal.text).toBe(130);
    expect(terminal.text.match(/hardened-flask: .*/g)).toEqual(['hardened-flask: interrupted; nothing was written']);
    expect(status(dir)).toBe('');
  }, 120_000);

  it('writes nothing and exits 0 when "abort" is answered, even after files were accepted', async () => {
    const { dir, terminal } = start('module-app');
    for (const file of ['templates/base.html', 'templates/index.html', 'app.py']) await terminal.answer(`Overwrite ${file}?`, `y${ENTER}`);
    await terminal.answer('Create hardening/__init__.py? (ynadxH)', `x${ENTER}`);
    const code = await terminal.exited;
    const screen = terminal.text;
    expect(code, screen).toBe(0);
    expect(screen).toContain('Aborting ...');
    expect(screen).toMatch(/^Aborted \(nothing written\) /m);
    // No test ran (the proof comes after the questions), and not a byte of the project changed.
    expect(screen).not.toMatch(/^tests \(/m);
    expect(status(dir)).toBe('');
    expect(git(dir, 'log', '--oneline').trim().split('\n')).toHaveLength(1);
  }, 120_000);
});
