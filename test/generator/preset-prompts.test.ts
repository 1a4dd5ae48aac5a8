// The interactive `new --preset` in a real pseudo-terminal (tmux): Enter on every prompt. The
// locked answers are never asked, the preset's defaults are shown and taken.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, tempDir } from '../support/project.js';
import { missingTools } from '../support/tools.js';

const EXAMPLE_PRESET = join(REPO_ROOT, 'examples', 'preset-acme');
const missing = missingTools('preset prompts in a pseudo-terminal', ['tmux']);
const tmp = tempDir('hf-preset-pty-');
afterAll(() => tmp.cleanup());

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Runs `command` in a detached tmux session of its own server; Enter whenever a new prompt shows. */
async function driveWithEnter(command: string, done: string): Promise<string> {
  const socket = `hf-preset-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  tmux('new-session', '-d', '-s', 'new', '-x', '200', '-y', '80', `${command}; echo "EXIT=$?" > ${done}; sleep 600`);
  let screen = '';
  try {
    let answered = 0;
    for (let waited = 0; waited < 90_000 && !existsSync(done); waited += 250) {
      await sleep(250);
      screen = tmux('capture-pane', '-p', '-t', 'new', '-S', '-200');
      // A prompt waiting for input is a line starting with "?" (answered ones turn into "✔").
      const waiting = screen.split('\n').filter((line) => /^\? /.test(line)).length;
      const answeredNow = screen.split('\n').filter((line) => /^✔ /.test(line)).length;
      if (waiting > 0 && answeredNow === answered) {
        tmux('send-keys', '-t', 'new', 'Enter');
        answered = answeredNow + 1;
        for (let i = 0; i < 40 && screen.split('\n').filter((line) => /^✔ /.test(line)).length < answered; i++) {
          await sleep(100);
          screen = tmux('capture-pane', '-p', '-t', 'new', '-S', '-200');
        }
      }
    }
    return tmux('capture-pane', '-p', '-t', 'new', '-S', '-200');
  } finally {
    tmux('kill-server');
  }
}

describe.skipIf(missing.length > 0)('new --preset at the prompts, in a terminal', () => {
  it('asks everything but the locked answers, and Enter takes the preset defaults', async () => {
    // The body limit comes from --answers: the prompt for it is a separate fix (first contact).
    writeFileSync(join(tmp.dir, 'answers.json'), JSON.stringify({ maxContentLength: 1048576 }));
    const done = join(tmp.dir, 'exit');
    const screen = await driveWithEnter(`cd ${tmp.dir} && HARDENED_FLASK_PRESET= node ${CLI} new svc --skip-install --answers answers.json --preset ${EXAMPLE_PRESET}`, done);
    expect(readFileSync(done, 'utf8').trim(), screen).toBe('EXIT=0');
    expect(screen).toMatch(/✔ Public domain .* orders\.acme\.example/);
    expect(screen).toMatch(/✔ CI workflows .*gitlab/);
    expect(screen).not.toMatch(/HSTS max-age/);
    expect(screen).not.toMatch(/systemd unit/);
    const stored = JSON.parse(readFileSync(join(tmp.dir, 'svc', '.yo-rc.json'), 'utf8'))['generator-hardened-flask'];
    expect(stored).toMatchObject({ domain: 'orders.acme.example', ci: 'gitlab', hstsMaxAge: 63072000, systemd: true });
    expect(stored.preset).toMatchObject({ name: 'acme-web', fromDefaults: ['domain', 'ci'] });
    expect(existsSync(join(tmp.dir, 'svc', 'CODEOWNERS'))).toBe(true);
  });
});
