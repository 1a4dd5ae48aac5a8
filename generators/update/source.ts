// Where a version's templates come from: the running package, a folder given with --from PATH,
// or a published version fetched once with `npm pack` into a cache.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../lib/errors.js';
import { GENERATOR_NAME } from '../lib/ownership.js';
import { packageVersion } from '../lib/paths.js';
import { loadTemplateSet, runningTemplateSet, type TemplateSet } from './templates.js';

const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** True when the text names a version (`0.2.0`) rather than a folder. */
export const looksLikeVersion = (text: string): boolean => VERSION.test(text);

/** Compares x.y.z versions numerically (a pre-release sorts before its release). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core, pre] = v.split('-', 2) as [string, string | undefined];
    return { parts: core.split('.').map(Number), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

function cacheRoot(): string {
  const base = process.env.HARDENED_FLASK_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hardened-flask');
  return join(base, 'packages');
}

/** The package of a published version, unpacked into the cache the first time it is needed. */
export function fetchPublished(version: string): string {
  const target = join(cacheRoot(), version);
  if (existsSync(join(target, 'package.json'))) return target;
  const work = `${target}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const pack = spawnSync('npm', ['pack', '--silent', `${GENERATOR_NAME}@${version}`, '--pack-destination', work], { encoding: 'utf8' });
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  if (pack.status !== 0 || !tarball) {
    rmSync(work, { recursive: true, force: true });
    const why = (pack.stderr || pack.error?.message || '').trim().split('\n').pop() ?? '';
    throw new UsageError(`cannot fetch ${GENERATOR_NAME}@${version} with npm${why ? ` (${why})` : ''}: pass --from PATH with that version's package or a built checkout`);
  }
  const untar = spawnSync('tar', ['-xzf', tarball], { cwd: work, encoding: 'utf8' });
  if (untar.status !== 0) throw new Error(`cannot unpack ${tarball}: ${untar.stderr.trim()}`);
  rmSync(target, { recursive: true, force: true });
  renameSync(join(work, 'package'), target);
  rmSync(work, { recursive: true, force: true });
  return target;
}

/** The template set for `--from`/`--to` text (a folder or a version), or for a recorded version. */
export async function templateSetFor(spec: string, cwd: string): Promise<TemplateSet> {
  if (looksLikeVersion(spec) && !existsSync(resolve(cwd, spec))) {
    if (spec === packageVersion()) return runningTemplateSet();
    return loadTemplateSet(fetchPublished(spec));
  }
  return loadTemplateSet(resolve(cwd, spec));
}
