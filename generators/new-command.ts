// Runs the app generator through yeoman-environment. Kept apart from cli.ts so that only `new`
// pays for loading Yeoman, and so that this module can be bundled into one file (scripts/bundle.mjs).
import { fileURLToPath } from 'node:url';
import { createEnv } from 'yeoman-environment';
import AppGenerator from './app/index.js';

export interface NewOptions {
  yes: boolean;
  force: boolean;
  skipInstall: boolean;
  answers?: string;
  preset?: string;
}

export async function runNewProject(target: string, options: NewOptions): Promise<void> {
  const env = createEnv({ cwd: process.cwd() });
  // Registered as a class, so the environment imports no generator file by path (works bundled).
  env.register(AppGenerator as never, {
    namespace: 'hardened-flask:app',
    resolved: fileURLToPath(new URL('./app/index.js', import.meta.url)),
    packagePath: undefined,
  } as never);
  await env.run(['hardened-flask:app', target], { ...options } as never);
}
