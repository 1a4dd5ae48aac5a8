// Runs one of our generator classes through a fresh yeoman-environment. Registered as a class,
// so the environment imports no generator file by path (works bundled, see scripts/bundle.mjs).
import { createEnv } from 'yeoman-environment';

export async function runGenerator(generator: unknown, namespace: string, resolved: string, args: string[], options: object): Promise<void> {
  const env = createEnv({ cwd: process.cwd() });
  env.register(generator as never, { namespace, resolved, packagePath: undefined } as never);
  await env.run([namespace, ...args], { ...options } as never);
}
