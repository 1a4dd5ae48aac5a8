// `yo hardened-flask:retrofit [dir]`: the same command as `hardened-flask retrofit`, for Yeoman
// users. Thin: the flags are passed through to retrofitCommand(), which owns plan, conflicter,
// proof and summary, so both front doors behave the same; the questions go through this
// environment's adapter.
import Generator from 'yeoman-generator';
import { processIO, retrofitCommand } from './command.js';
import type { PromptAdapter } from './conflicter.js';

const FLAGS = ['dry-run', 'yes', 'allow-dirty', 'skip-install'] as const;
const VALUES = ['only', 'test-cmd', 'python', 'format'] as const;

export default class RetrofitGenerator extends Generator {
  constructor(args: string[], options: Record<string, unknown>) {
    super(args, options as never);
    this.argument('dir', { type: String, required: false, description: 'The Flask project to harden (default: the current folder)' });
    for (const flag of FLAGS) this.option(flag, { type: Boolean, description: `see hardened-flask retrofit --help (--${flag})` });
    for (const value of VALUES) this.option(value, { type: String, description: `see hardened-flask retrofit --help (--${value})` });
    // Yeoman turns --no-tests into tests=false (it refuses option names starting with no-).
    this.option('tests', { type: Boolean, default: true, description: 'run the tests before and after (--no-tests skips them)' });
  }

  async retrofit(): Promise<void> {
    const options = this.options as Record<string, unknown>;
    const camel = (name: string) => name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const argv = [String(options['dir'] ?? this.env.cwd)];
    for (const flag of FLAGS) if (options[flag] ?? options[camel(flag)]) argv.push(`--${flag}`);
    // Yeoman's own --force (the conflicter's overwrite mode) is --yes.
    if (options['force'] && !argv.includes('--yes')) argv.push('--yes');
    if (options['tests'] === false) argv.push('--no-tests');
    for (const value of VALUES) {
      const given = options[value] ?? options[camel(value)];
      if (typeof given === 'string') argv.push(`--${value}`, given);
    }
    // The conflicter asks through the environment's adapter, as a generator's own files would.
    const code = await retrofitCommand(argv, processIO(this.env.adapter as unknown as PromptAdapter));
    if (code !== 0) process.exitCode = code;
  }
}
