// The interactive path as a person meets it: `hardened-flask new` in a real pseudo-terminal
// (util-linux `script`), the real inquirer prompts, keys typed one prompt at a time. The prompt
// tests that call `validate`/`filter` directly could not see that inquirer validates before it
// filters; this one can.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildQuestions } from '../../generators/app/questions.js';
import { plannedPaths } from '../../generators/app/planned.js';
import { defaultAnswers } from '../../generators/lib/answers.js';
import { tempDir } from '../support/project.js';
import { ENTER, Terminal } from '../support/terminal.js';
import { missingTools } from '../support/tools.js';

const tmp = tempDir('hf-tty-');
afterAll(() => tmp.cleanup());

const CLEAR_LINE = '\u0015'; // Ctrl-U: readline deletes what was typed
const DOWN = '\u001b[B';
const CTRL_C = '\u0003';

const questions = buildQuestions(defaultAnswers('x'), {});
const message = (name: string) => questions.find((q) => q.name === name)!.message;
/** The answers stored in `.yo-rc.json`, without the generator version recorded beside them. */
const stored = (dir: string) => {
  const { version: _version, ...answers } = JSON.parse(readFileSync(join(dir, '.yo-rc.json'), 'utf8'))['generator-hardened-flask'];
  return answers;
};

describe.skipIf(missingTools('pseudo-terminal prompts', ['script']).length > 0)('hardened-flask new in a terminal', () => {
  it('creates a project when Enter is pressed on every prompt', async () => {
    const parent = join(tmp.dir, 'enter');
    mkdirSync(parent);
    const terminal = new Terminal(['new', 'enter-svc', '--skip-install'], parent);
    try {
      // Every question a default project asks (port only follows gunicornBind tcp), in order.
      const asked = questions.filter((q) => q.name !== 'port');
      expect(asked.length).toBe(12);
      for (const question of asked) await terminal.answer(question.message, ENTER);
      expect(await terminal.exited, terminal.text).toBe(0);
    } finally {
      terminal.kill();
    }
    expect(stored(join(parent, 'enter-svc'))).toEqual(defaultAnswers('enter-svc'));
    expect(readdirSync(parent)).toEqual(['enter-svc']);
    for (const path of plannedPaths(defaultAnswers('enter-svc'))) expect(existsSync(join(parent, 'enter-svc', path)), path).toBe(true);
    // No deprecation notice for `list` prompts, no Yeoman npm chatter.
    expect(terminal.text).not.toMatch(/deprecat|package\.json|An error occured/i);
  }, 120_000);

  it('shows why an answer is wrong, takes the corrected one, and accepts the examples it shows', async () => {
    const parent = join(tmp.dir, 'corrected');
    mkdirSync(parent);
    const terminal = new Terminal(['new', 'fixed-svc', '--skip-install'], parent);
    try {
      await terminal.answer(message('projectName'), `Bad Name${ENTER}`);
      await terminal.waitFor('must be lowercase letters, digits and single hyphens');
      terminal.type(`${CLEAR_LINE}shop-svc${ENTER}`);
      await terminal.answer(message('packageName'), `${CLEAR_LINE}yaml${ENTER}`);
      await terminal.waitFor('would shadow a dependency or tool of the project');
      terminal.type(`${CLEAR_LINE}shop${ENTER}`);
      await terminal.answer(message('description'), ENTER);
      await terminal.answer(message('author'), `Jane Doe <jane@example.com>${ENTER}`);
      await terminal.answer(message('domain'), `${CLEAR_LINE}Shop.Example.COM${ENTER}`); // lowercased, not refused
      await terminal.answer(message('hstsMaxAge'), `${DOWN}${ENTER}`);
      await terminal.answer(message('maxContentLength'), `${CLEAR_LINE}lots${ENTER}`);
      await terminal.waitFor('request body limit must be a whole number');
      terminal.type(`${CLEAR_LINE}512k${ENTER}`); // an example the prompt itself shows
      await terminal.answer(message('includeApi'), ENTER);
      await terminal.answer(message('pythonVersion'), ENTER);
      await terminal.answer(message('gunicornBind'), `${DOWN}${ENTER}`);
      await terminal.answer(message('port'), `${CLEAR_LINE}80${ENTER}`);
      await terminal.waitFor('port must be between 1024 and 65535');
      terminal.type(`${CLEAR_LINE}9100${ENTER}`);
      await terminal.answer(message('systemd'), ENTER);
      await terminal.answer(message('ci'), ENTER);
      expect(await terminal.exited, terminal.text).toBe(0);
    } finally {
      terminal.kill();
    }
    expect(stored(join(parent, 'fixed-svc'))).toEqual({
      ...defaultAnswers('shop-svc'),
      packageName: 'shop',
      author: 'Jane Doe <jane@example.com>',
      domain: 'shop.example.com',
      hstsMaxAge: 300,
      maxContentLength: 512 * 1024,
      gunicornBind: 'tcp',
      port: 9100,
    });
  }, 120_000);

  it('exits 130 with one line and writes nothing on Ctrl-C at a prompt', async () => {
    const parent = join(tmp.dir, 'ctrl-c');
    mkdirSync(parent);
    const terminal = new Terminal(['new', 'gone-svc', '--skip-install'], parent);
    let code: number | null;
    try {
      await terminal.answer(message('projectName'), ENTER);
      await terminal.answer(message('packageName'), CTRL_C);
      code = await terminal.exited;
    } finally {
      terminal.kill();
    }
    expect(code, terminal.text).toBe(130);
    const after = terminal.text.slice(terminal.text.indexOf(message('packageName')));
    expect(after.match(/hardened-flask: .*/g)).toEqual(['hardened-flask: interrupted; nothing was written']);
    expect(terminal.text).not.toMatch(/\n\s+at |Error:/);
    expect(readdirSync(parent)).toEqual([]);
  }, 120_000);
});
