// Generator packages other than the running one, for update tests: a copy of this package with
// template and manifest changes of the test's making (an "old" version), and the package as it
// was at an earlier commit of this repository (checked out, npm ci'd and built once, cached).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runCommand } from './project.js';

export interface PackageEdits {
  version: string;
  /** Template path (under templates/project) → new contents, or null to delete the template. */
  templates?: Record<string, string | null>;
  /** Rows to add to the compiled files manifest, as JS object literals. */
  addRows?: string[];
  /** Template names whose rows are removed from the compiled files manifest. */
  removeRows?: string[];
}

/** Replaces `from` with `to` in a text, failing loudly when the text no longer holds `from`. */
export function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`test fixture out of date: ${JSON.stringify(from)} not found`);
  return text.replace(from, to);
}

export const templateText = (template: string): string => readFileSync(join(REPO_ROOT, 'templates', 'project', template), 'utf8');

/**
 * A copy of the built package in `dir` with the given edits: package.json, templates/ and dist/
 * (without the bundle, so the CLI uses the edited modules), node_modules linked to ours.
 */
export function derivedPackage(dir: string, edits: PackageEdits): string {
  mkdirSync(dir, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ ...pkg, version: edits.version }, null, 2)}\n`);
  cpSync(join(REPO_ROOT, 'templates'), join(dir, 'templates'), { recursive: true });
  cpSync(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  rmSync(join(dir, 'dist', 'bundle'), { recursive: true, force: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  for (const [template, contents] of Object.entries(edits.templates ?? {})) {
    const path = join(dir, 'templates', 'project', template);
    if (contents === null) rmSync(path);
    else writeFileSync(path, contents);
  }
  const filesJs = join(dir, 'dist', 'generators', 'app', 'files.js');
  let rows = readFileSync(filesJs, 'utf8');
  for (const template of edits.removeRows ?? []) {
    const line = rows.split('\n').find((text) => text.includes(`template: '${template}'`));
    if (!line) throw new Error(`no row for ${template}`);
    rows = rows.replace(`${line}\n`, '');
  }
  if (edits.addRows?.length) {
    // PROJECT_FILES is the module's last array.
    const end = rows.lastIndexOf('\n];');
    if (end < 0) throw new Error('test fixture out of date: no array in files.js');
    rows = `${rows.slice(0, end)}\n${edits.addRows.map((row) => `    ${row},`).join('\n')}${rows.slice(end)}`;
  }
  writeFileSync(filesJs, rows);
  return dir;
}

/** Whether this clone has `commit` (a shallow clone may not). */
export async function hasCommit(commit: string): Promise<boolean> {
  return (await runCommand('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: REPO_ROOT })).exitCode === 0;
}

/**
 * This repository's package as it was at `commit`: its tree exported (git archive) into
 * .cache/packages/<commit>, then `npm ci` (which builds it through `prepare`), once; later calls
 * reuse it.
 */
export async function packageAtCommit(commit: string): Promise<string> {
  const dir = join(REPO_ROOT, '.cache', 'packages', commit);
  if (existsSync(join(dir, '.built'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const exported = await runCommand('sh', ['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'sh', commit, dir], { cwd: REPO_ROOT });
  if (exported.exitCode !== 0) throw new Error(`git archive ${commit} failed: ${exported.stderr}`);
  const ci = await runCommand('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, timeout: 900_000 });
  if (ci.exitCode !== 0) throw new Error(`npm ci at ${commit} failed: ${ci.stderr.slice(-2000)}`);
  writeFileSync(join(dir, '.built'), `${commit}\n`);
  return dir;
}
