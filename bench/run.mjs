#!/usr/bin/env node
// `npm run bench`: every benchmark of bench/, then bench/RESULTS.md, bench/results.json and
// bench/served-stack.png are rewritten. Benchmarks are not tests; nothing here gates `npm test`.
//
//   node bench/run.mjs [--cli PATH]... [--only scaffold,served,slow,security] [--quick]
//
// --cli      a CLI entry point to measure in the scaffold section (repeatable), optionally with
//            environment settings before it: --cli 'HARDENED_FLASK_NO_BUNDLE=1 dist/generators/cli.js'.
//            Default: the package's `bin` entry as built (with the dist/bundle/ of the new path),
//            and, when the CLI knows HARDENED_FLASK_NO_BUNDLE, the same entry with it set to 1
//            (the unbundled modules: the "before" of the bundle). The first one also generates
//            the project the other sections serve.
// --only     run some sections; the others keep their last figures in results.json/RESULTS.md
//            (each section's figures, and every ratio in it, always come from one run).
// --quick    short runs for trying the harness; writes under .cache/bench-quick/, never bench/.
//
// Everything listens on and connects to 127.0.0.1 only. Load loops are bounded: wrk runs for
// a fixed time (killed 20 s after it), slow clients are ≤ 100 sockets for ≤ 30 s, probes stop
// on a deadline. A Python venv with the generated project's runtime dependencies plus
// cookiecutter and matplotlib is kept in .cache/bench-venv/<hash>/ (profiles use cProfile).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { renderResults } from './lib/report.mjs';
import { scaffoldBench } from './lib/scaffold.mjs';
import { securityBench } from './lib/security.mjs';
import { servedBench } from './lib/served.mjs';
import { slowBench } from './lib/slow.mjs';
import { log, mustRun, run } from './lib/util.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const SECTIONS = ['scaffold', 'served', 'slow', 'security'];
const BENCH_EXTRAS = ['cookiecutter>=2.6', 'matplotlib>=3.8'];

/** `[NAME=VALUE ...] path` -> { path, env, label }. */
function cliEntry(spec) {
  const words = spec.trim().split(/\s+/);
  const env = {};
  while (words.length > 1 && /^[A-Za-z_]\w*=/.test(words[0])) {
    const [name, ...value] = words.shift().split('=');
    env[name] = value.join('=');
  }
  const path = resolve(words.join(' '));
  const rel = relative(ROOT, path);
  const label = [...Object.entries(env).map(([k, v]) => `${k}=${v}`), rel].join(' ');
  return { path, env, label };
}

function parseArgs(argv) {
  const args = { clis: [], only: SECTIONS, quick: false };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--cli') args.clis.push(cliEntry(argv[++i]));
    else if (a.startsWith('--cli=')) args.clis.push(cliEntry(a.slice(6)));
    else if (a === '--only') args.only = argv[++i].split(',');
    else if (a.startsWith('--only=')) args.only = a.slice(7).split(',');
    else if (a === '--quick') args.quick = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 16).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown argument ${a} (see --help)\n`);
      process.exit(2);
    }
  }
  for (const s of args.only) {
    if (!SECTIONS.includes(s)) {
      process.stderr.write(`bench: unknown section ${s}; sections: ${SECTIONS.join(', ')}\n`);
      process.exit(2);
    }
  }
  if (args.clis.length === 0) {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const bin = resolve(ROOT, typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin ?? {})[0] ?? 'dist/generators/cli.js');
    args.clis = [cliEntry(bin)];
    if (existsSync(bin) && readFileSync(bin, 'utf8').includes('HARDENED_FLASK_NO_BUNDLE')) {
      args.clis.push(cliEntry(`HARDENED_FLASK_NO_BUNDLE=1 ${bin}`));
    }
  }
  for (const cli of args.clis) {
    if (!existsSync(cli.path)) {
      process.stderr.write(`bench: ${cli.path} does not exist (run npm run build first)\n`);
      process.exit(2);
    }
  }
  return args;
}

async function version(command, args, pattern = /.*/) {
  const r = await run(command, args).catch(() => ({ stdout: '', stderr: '' }));
  return (pattern.exec(`${r.stdout}${r.stderr}`.trim())?.[0] ?? '?').trim();
}

async function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? '?',
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    nginx: await version('nginx', ['-v'], /nginx\/\S+/),
    openssl: await version('openssl', ['version'], /OpenSSL \S+/),
    wrk: await version('wrk', ['-v'], /wrk \S+/),
    hyperfine: await version('hyperfine', ['--version']),
  };
}

/** The generated project's runtime dependencies (pyproject [project].dependencies). */
function runtimeRequirements(projectDir) {
  const pyproject = parseToml(readFileSync(join(projectDir, 'pyproject.toml'), 'utf8'));
  return [...(pyproject.project?.dependencies ?? [])].sort();
}

async function benchVenv(requirements) {
  const all = [...requirements, ...BENCH_EXTRAS];
  const hash = createHash('sha256').update(all.join('\n')).digest('hex').slice(0, 16);
  const venv = join(ROOT, '.cache', 'bench-venv', hash);
  if (!existsSync(join(venv, '.complete'))) {
    log(`creating the bench venv ${venv} (once; pip install ${all.join(' ')})`);
    rmSync(venv, { recursive: true, force: true });
    mkdirSync(dirname(venv), { recursive: true });
    await mustRun('python3', ['-m', 'venv', venv]);
    await mustRun(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...all], { timeoutMs: 900_000 });
    writeFileSync(join(venv, '.complete'), `${all.join('\n')}\n`);
  }
  const freeze = await mustRun(join(venv, 'bin', 'python'), ['-c',
    'import importlib.metadata as m, platform, json; print(json.dumps({"python": platform.python_version(), **{n: m.version(n) for n in ("flask","werkzeug","flask-wtf","flask-talisman","gunicorn","jinja2","itsdangerous","cookiecutter","matplotlib")}}))']);
  return { venv, bin: join(venv, 'bin'), versions: JSON.parse(freeze.stdout) };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const outDir = args.quick ? join(ROOT, '.cache', 'bench-quick') : BENCH;
  mkdirSync(outDir, { recursive: true });
  const started = Date.now();
  const resultsFile = join(outDir, 'results.json');
  const previous = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {};
  const results = { ...previous, machine: await machine(), loadavg: {} };
  results.loadavg.start = os.loadavg();
  // Short paths: the gunicorn unix socket path must stay under 108 bytes.
  const work = mkdtempSync(join(os.tmpdir(), 'hf-bench-'));
  try {
    // The project every served section uses: the default answers, named like the scaffold run.
    log(`generating the bench project with ${args.clis[0].label}`);
    const parent = join(work, 'project');
    mkdirSync(parent);
    const projectDir = join(parent, 'bench-service');
    await mustRun(process.execPath, [args.clis[0].path, 'new', projectDir, '--yes', '--skip-install'], { env: { ...process.env, ...args.clis[0].env } });
    const answers = JSON.parse(readFileSync(join(projectDir, '.yo-rc.json'), 'utf8'))['generator-hardened-flask'];
    const python = await benchVenv(runtimeRequirements(projectDir));
    results.python = python.versions;
    const project = {
      projectDir,
      serviceName: answers.projectName,
      packageName: answers.packageName,
      domain: answers.domain,
      installDir: `/srv/${answers.projectName}`,
      venvBin: python.bin,
    };
    const q = args.quick;
    for (const section of args.only) {
      const before = os.loadavg();
      const t0 = Date.now();
      const prefix = join(work, section);
      mkdirSync(prefix, { recursive: true });
      if (section === 'scaffold') {
        results.scaffold = await scaffoldBench({ clis: args.clis, work: join(work, 'scaffold'), venvBin: python.bin, runs: q ? 3 : 10, rssRuns: q ? 1 : 3 });
      } else if (section === 'served') {
        results.served = await servedBench({ project, prefix, seconds: q ? 2 : 5, rounds: q ? 2 : 4, warmupSeconds: q ? 1 : 2, limitedSeconds: q ? 2 : 5 });
      } else if (section === 'slow') {
        results.slow = await slowBench({ project, prefix, seconds: q ? 15 : 30, baselineSeconds: q ? 2 : 5 });
      } else if (section === 'security') {
        results.security = await securityBench({ project, prefix, seconds: q ? 2 : 5, rounds: q ? 2 : 4, batches: q ? 5 : 25, batch: q ? 40 : 120, profileCount: q ? 300 : 1500 });
      }
      results[section].wallSeconds = (Date.now() - t0) / 1000;
      results[section].loadavg = { before, after: os.loadavg() };
      results[section].quick = q;
      log(`${section}: done in ${results[section].wallSeconds.toFixed(0)} s`);
    }
    results.loadavg.end = os.loadavg();
    results.lastRun = {
      finished: new Date().toISOString(),
      sections: args.only,
      wallSeconds: (Date.now() - started) / 1000,
      command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    };
    writeFileSync(resultsFile, `${JSON.stringify(results, null, 1)}\n`);
    if (results.served) {
      await mustRun(join(python.bin, 'python'), [join(BENCH, 'py', 'chart.py'), resultsFile, join(outDir, 'served-stack.png')]);
    }
    // The mutation section is written by bench/mutation/run.mjs (npm run bench:mutation): kept as it is.
    const previous = existsSync(join(outDir, 'RESULTS.md')) ? readFileSync(join(outDir, 'RESULTS.md'), 'utf8') : '';
    const mutation = /<!-- mutation:start -->[\s\S]*<!-- mutation:end -->\n/.exec(previous)?.[0] ?? '';
    writeFileSync(join(outDir, 'RESULTS.md'), renderResults(results) + (mutation ? `\n${mutation}` : ''));
    log(`wrote ${join(outDir, 'RESULTS.md')} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
