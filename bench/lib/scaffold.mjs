// Section 1: how long `hardened-flask new --yes --skip-install` takes from a cold process, next
// to `--help`, `--version`, `node -e 0` and cookiecutter rendering a template of the same tree.
//
// Every CLI entry point given (--cli, repeatable) is measured in the same hyperfine run, so a
// bundled entry point can be compared with dist/generators/cli.js directly.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { log, median, mustRun, percentile, run } from './util.mjs';

const PROJECT = 'bench-service';
const PACKAGE = 'bench_service';

function treeSize(dir) {
  let files = 0;
  let bytes = 0;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        files += 1;
        bytes += statSync(p).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

/** Files of a and b that differ (contents), ignoring the line that holds the random dev key. */
function treeDiff(a, b) {
  const list = (dir) => {
    const out = [];
    const walk = (d) => {
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, entry.name);
        if (entry.isDirectory()) walk(p);
        else out.push(relative(dir, p));
      }
    };
    walk(dir);
    return out.sort();
  };
  const [la, lb] = [list(a), list(b)];
  const differ = [...la.filter((f) => !lb.includes(f)), ...lb.filter((f) => !la.includes(f))];
  const strip = (text) => text.replace(/^SECRET_KEY=.*$/m, 'SECRET_KEY=<random>');
  for (const f of la.filter((x) => lb.includes(x))) {
    if (strip(readFileSync(join(a, f), 'utf8')) !== strip(readFileSync(join(b, f), 'utf8'))) differ.push(f);
  }
  return differ;
}

/** Sampled time of a .cpuprofile grouped by npm package (or "cli" for this repo's dist/). */
function profileByPackage(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const groups = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const frame = byId.get(id)?.callFrame;
    const url = frame?.url ?? '';
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    let key = frame?.functionName === 'compileSourceTextModule' ? 'ES module compilation (V8)' : pkg ?? (url.includes('/dist/bundle/') ? 'dist/bundle (yeoman + generator, bundled)' : url.includes('/dist/') ? 'dist (this CLI)' : url.startsWith('node:') ? 'node internals' : url === '' ? frame?.functionName || '(native)' : 'other');
    if (key === '(idle)' || key === '(program)' || key === '(garbage collector)') key = key.slice(1, -1);
    groups.set(key, (groups.get(key) ?? 0) + dt);
  });
  const busy = total - (groups.get('idle') ?? 0);
  return {
    sampledMs: total / 1000,
    busyMs: busy / 1000,
    top: [...groups].filter(([k]) => k !== 'idle').sort((a, b) => b[1] - a[1]).slice(0, 8).map(([name, us]) => ({ name, ms: us / 1000, share: us / busy })),
  };
}

const shellQuote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);

export async function scaffoldBench({ clis, work, venvBin, runs = 10, warmup = 1, rssRuns = 3 }) {
  const node = process.execPath;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  // The cookiecutter template, made from what the (first) CLI renders with every default.
  log('scaffold: building the cookiecutter template from a rendered project');
  const refParent = join(work, 'ref');
  mkdirSync(refParent);
  await mustRun(node, [clis[0].path, 'new', join(refParent, PROJECT), '--yes', '--skip-install'], { env: { ...process.env, ...clis[0].env } });
  const template = join(work, 'cookiecutter-template');
  const python = join(venvBin, 'python');
  await mustRun(python, [new URL('../py/make_cookiecutter.py', import.meta.url).pathname, join(refParent, PROJECT), template, '--project', PROJECT, '--package', PACKAGE]);
  const ccConfig = join(work, 'cookiecutter-config.yaml');
  writeFileSync(ccConfig, `cookiecutters_dir: "${work}/cc-dir"\nreplay_dir: "${work}/cc-replay"\n`);
  const ccOut = join(work, 'cc-out');
  const cliOut = join(work, 'cli-out');
  const cookiecutter = join(venvBin, 'cookiecutter');
  const ccArgs = ['--no-input', '--config-file', ccConfig, '-o', ccOut, template];
  mkdirSync(ccOut);
  await mustRun(cookiecutter, ccArgs);
  const mismatches = treeDiff(join(refParent, PROJECT), join(ccOut, PROJECT));
  if (mismatches.length > 0) throw new Error(`the cookiecutter template does not reproduce the project: ${mismatches.join(', ')}`);
  const size = treeSize(join(refParent, PROJECT));

  // One hyperfine run for everything, so the ratios come from the same conditions.
  const commands = [{ name: 'node -e 0', argv: [node, '-e', '0'] }];
  clis.forEach((cli, i) => {
    const tag = clis.length > 1 ? ` [${cli.label}]` : '';
    const base = { cli: i, env: cli.env };
    commands.push({ ...base, name: `--help${tag}`, kind: 'help', argv: [node, cli.path, '--help'] });
    commands.push({ ...base, name: `--version${tag}`, kind: 'version', argv: [node, cli.path, '--version'] });
    commands.push({ ...base, name: `new --yes --skip-install${tag}`, kind: 'new', argv: [node, cli.path, 'new', join(cliOut, PROJECT), '--yes', '--skip-install'] });
  });
  commands.push({ name: 'cookiecutter --no-input', kind: 'cookiecutter', argv: [cookiecutter, ...ccArgs] });

  const prepare = `rm -rf ${shellQuote(cliOut)} ${shellQuote(ccOut)} && mkdir -p ${shellQuote(cliOut)} ${shellQuote(ccOut)}`;
  // Environment settings as shell assignments (hyperfine runs commands through sh).
  const shellLine = (c) => [...Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`), ...c.argv.map(shellQuote)].join(' ');
  // The machine may be shared, and load drifts. So the runs are interleaved: one hyperfine
  // invocation per round, every command once (`--runs 1`), the order rotated each round; the
  // first `warmup` rounds are discarded. Each command's runs then span the same stretch of time,
  // and the ratios between commands do not depend on when a burst of other work happened.
  const json = join(work, 'hyperfine.json');
  const hfArgsFor = (order) => {
    const args = ['--runs', '1', '--prepare', prepare, '--export-json', json, '--style', 'none'];
    for (const c of order) args.push(`--command-name=${c.name}`, shellLine(c));
    return args;
  };
  log(`scaffold: hyperfine, ${commands.length} commands × ${runs} interleaved rounds (+${warmup} discarded)`);
  for (const c of commands) c.times = [];
  for (let round = 0; round < warmup + runs; round += 1) {
    const shift = round % commands.length;
    const order = [...commands.slice(shift), ...commands.slice(0, shift)];
    await mustRun('hyperfine', hfArgsFor(order), { cwd: work, timeoutMs: 600_000 });
    const hf = JSON.parse(readFileSync(json, 'utf8'));
    if (round < warmup) continue;
    order.forEach((c, i) => c.times.push(hf.results[i].times[0]));
  }
  const hfArgs = hfArgsFor(commands);

  // Peak RSS: GNU time's %M (max resident set, KiB), a few runs of each command.
  log(`scaffold: peak RSS, ${rssRuns} runs each`);
  for (const c of commands) {
    c.rssKb = [];
    for (let i = 0; i < rssRuns; i += 1) {
      await run('sh', ['-c', prepare]);
      const r = await run('/usr/bin/time', ['-f', 'BENCH_RSS %M', ...c.argv], { cwd: work, env: { ...process.env, ...c.env } });
      if (r.code !== 0) throw new Error(`${c.name} failed under /usr/bin/time: ${r.stderr.slice(-2000)}`);
      c.rssKb.push(Number(/BENCH_RSS (\d+)/.exec(r.stderr)[1]));
    }
  }
  // Where `new` spends its CPU: one run under V8's sampling profiler, samples grouped by package.
  log('scaffold: one CPU profile of new (node --cpu-prof)');
  await run('sh', ['-c', prepare]);
  const profDir = join(work, 'cpu-prof');
  await mustRun(node, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, clis[0].path, 'new', join(cliOut, PROJECT), '--yes', '--skip-install'], { cwd: work, env: { ...process.env, ...clis[0].env } });
  const cpuProfile = profileByPackage(join(profDir, readdirSync(profDir)[0]));
  rmSync(cliOut, { recursive: true, force: true });
  rmSync(ccOut, { recursive: true, force: true });

  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const results = commands.map((c) => {
    const times = c.times;
    const m = mean(times);
    return {
      name: c.name,
      kind: c.kind ?? 'node',
      cli: c.cli === undefined ? null : clis[c.cli].label,
      command: shellLine(c).replaceAll(work, '$WORK').replace(node, 'node'),
      median: median(times),
      mean: m,
      stddev: Math.sqrt(times.reduce((a, t) => a + (t - m) ** 2, 0) / (times.length - 1)),
      min: Math.min(...times),
      max: Math.max(...times),
      p25: percentile(times, 25),
      p75: percentile(times, 75),
      runs: times.length,
      times,
      peakRssMb: Math.max(...c.rssKb) / 1024,
      rssKb: c.rssKb,
    };
  });
  const nodeBase = results[0].median;
  const cc = results.find((r) => r.kind === 'cookiecutter');
  const perCli = clis.map((cli) => {
    const get = (kind) => results.find((r) => r.cli === cli.label && r.kind === kind);
    return {
      cli: cli.label,
      newMedian: get('new').median,
      helpMedian: get('help').median,
      versionMedian: get('version').median,
      newOverNode: get('new').median / nodeBase,
      helpOverNode: get('help').median / nodeBase,
      versionOverNode: get('version').median / nodeBase,
      newOverCookiecutter: get('new').median / cc.median,
      newPeakRssMb: get('new').peakRssMb,
    };
  });
  return {
    finished: new Date().toISOString(),
    tree: { ...size, project: PROJECT },
    runs,
    warmup,
    rssRuns,
    prepare: prepare.replaceAll(work, '$WORK'),
    hyperfine: `hyperfine ${hfArgs.map(shellQuote).join(' ')}`.replaceAll(work, '$WORK').replaceAll(node, 'node'),
    interleaved: true,
    results,
    perCli,
    cpuProfile,
    nodeMedian: nodeBase,
    cookiecutterMedian: cc.median,
  };
}
