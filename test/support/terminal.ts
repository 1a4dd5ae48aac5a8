// A command in a real pseudo-terminal (util-linux `script`): the real inquirer prompts, keys typed
// one prompt at a time, the screen read back without colours. For the interactive paths of
// `new` (test/generator/terminal.test.ts) and `retrofit`'s conflicter (test/e2e/retrofit-terminal.test.ts).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { shellWord } from '../../generators/lib/install.js';
import { CLI } from './project.js';

export const ENTER = '\r';
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;

/** `hardened-flask ARGS` under `script`, which gives it a pseudo-terminal as stdin and stdout. */
export class Terminal {
  private readonly child: ChildProcessWithoutNullStreams;
  private raw = '';
  private seen = 0;
  readonly exited: Promise<number | null>;

  constructor(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
    const command = ['node', CLI, ...args].map(shellWord).join(' ');
    this.child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
      cwd,
      env: { ...env, SHELL: '/bin/sh', TERM: 'xterm-256color' },
    });
    this.child.stdout.on('data', (chunk: Buffer) => (this.raw += chunk.toString()));
    this.child.stderr.on('data', (chunk: Buffer) => (this.raw += chunk.toString()));
    this.exited = new Promise((done) => this.child.on('close', done));
  }

  /** What the screen showed so far, without colours and cursor moves. */
  get text(): string {
    return this.raw.replace(ANSI, '');
  }

  /** Waits until `expected` appears after what was already waited for; a hang guard only. */
  async waitFor(expected: string | RegExp, guardMs = 60_000): Promise<void> {
    for (let waited = 0; ; waited += 25) {
      const rest = this.text.slice(this.seen);
      const index = typeof expected === 'string' ? rest.indexOf(expected) : rest.search(expected);
      if (index >= 0) {
        this.seen += index + 1;
        return;
      }
      if (waited > guardMs || this.child.exitCode !== null) {
        throw new Error(`the terminal never showed ${String(expected)}; it showed:\n${this.text.slice(-3000)}`);
      }
      await new Promise((done) => setTimeout(done, 25));
    }
  }

  type(keys: string): void {
    this.child.stdin.write(keys);
  }

  /** Answers the prompt whose message starts with `message` by typing `keys`. */
  async answer(message: string, keys: string): Promise<void> {
    await this.waitFor(`? ${message}`);
    this.type(keys);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
