// Runs the app generator through yeoman-environment. Kept apart from cli.ts so that only `new`
// pays for loading Yeoman, and so that this module can be bundled into one file (scripts/bundle.mjs).
import { fileURLToPath } from 'node:url';
import AppGenerator from './app/index.js';
import type { Answers } from './lib/answers.js';
import { runGenerator } from './lib/run-generator.js';

export interface NewOptions {
  yes: boolean;
  force: boolean;
  skipInstall: boolean;
  /** The answers file, already read and checked by the CLI (read once). */
  answersFromFile?: Partial<Answers>;
  /** The preset named by --preset (HARDENED_FLASK_PRESET is read by the generator itself). */
  preset?: string;
}

export async function runNewProject(target: string, options: NewOptions): Promise<void> {
  await runGenerator(AppGenerator, 'hardened-flask:app', fileURLToPath(new URL('./app/index.js', import.meta.url)), [target], options);
}
