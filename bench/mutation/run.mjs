#!/usr/bin/env node
// Mutation testing of the guards: mutmut switches the project's own protection machinery off
// one small edit at a time (a comparison flipped, a branch dropped, a constant changed) and
// runs the generated project's own pytest against each mutant. A mutant the tests let through
// is a guard that could break silently.
//
//   npm run build && node bench/mutation/run.mjs [--max-children 2] [--minutes 60]
//   (npm run bench:mutation)
//
// Generates a project with the built CLI into .cache/mutation/guards (a fixed path, so the
// cached venv's editable install stays valid), installs it with mutmut (MUTMUT_VERSION) into
// .cache/mutation/venv, and mutates only the guard modules (GUARDS: the checks, the secret
// rules, the scans and the template audit; under hardening/ once the package has moved there).
// Writes bench/mutation-results.json, bench/mutation-results.md and its section of bench/RESULTS.md
// (between <!-- mutation --> markers, which `npm run bench` keeps); the survivors' reasons
// come from bench/mutation/survivors.json (written by hand after reading each survivor).
// Not a test: nothing here gates `npm test`. The machine is shared: --max-children defaults
// to 2 and the run is capped (--minutes), after which the figures cover what finished.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MUTMUT_VERSION = '3.8.1'; // works on Python 3.11; pinned so scores compare across runs
const GUARDS = ['checks.py', 'secrets.py', 'secret_scan.py', 'deploy_scan.py', 'template_audit.py'];
const PACKAGE = 'guards';
// The scope rule: statements that only word advice for a human are not mutated (mutmut's
// do_not_mutate_patterns, one regex per line, the whole statement it starts). Every condition,
// comparison, pattern, finding name and detail (which names the file, line and value found) is.
const NOT_MUTATED = [
  { pattern: '^\\s*fix\\s*=', why: '`fix = ...`: the advice printed after a finding' },
  { pattern: '^\\s*message\\s*=', why: '`message = ...`: the text of an exception (the raise and its type are mutated)' },
];

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const cli = join(repo, 'dist', 'generators', 'cli.js');
const cache = join(repo, '.cache', 'mutation');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const maxChildren = arg('--max-children', 2);
const minutes = arg('--minutes', 60);
// --report-only: read the results of the last run in .cache/mutation/guards, without running.
const reportOnly = process.argv.includes('--report-only');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  if (options.check !== false && result.status !== 0) {
    console.error(`bench: ${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${(result.stdout ?? '') + (result.stderr ?? '')}`.slice(-4000));
    process.exit(1);
  }
  return result;
}

if (!existsSync(cli)) {
  console.error('bench: dist/generators/cli.js is missing; run `npm run build` first');
  process.exit(2);
}

// A fresh project at a fixed path, committed: the secret scan and its tests read what git tracks.
mkdirSync(cache, { recursive: true });
const project = join(cache, PACKAGE);
const venv = join(cache, 'venv');
const mutmut = join(venv, 'bin', 'mutmut');
const env = { ...process.env, SECRET_KEY: '', SECRET_KEY_FILE: '', APP_ENV: '', FLASK_DEBUG: '' };
const git = ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false'];
// --resume: keep mutmut's results in .cache/mutation/guards/mutants and bring the project up to
// the current templates instead of starting over. mutmut re-tests every mutant of a function
// whose source changed and the ones not yet run; the survivors are then re-tested by name
// against the current tests (a test added since cannot un-kill a killed mutant, so the killed
// stand). The wall time recorded is the sum over the full run and every resume (sessions.json).
const resume = process.argv.includes('--resume') && existsSync(join(project, 'mutants'));
const sessionsFile = join(cache, 'sessions.json');
const sessions = (resume || reportOnly) && existsSync(sessionsFile) ? JSON.parse(readFileSync(sessionsFile, 'utf8')) : [];
let seconds = 0;
let capped = false;
if (!reportOnly && !resume) {
  rmSync(project, { recursive: true, force: true });
  run('node', [cli, 'new', PACKAGE, '--yes', '--skip-install'], { cwd: cache });
}
const pkgDir = existsSync(join(project, 'src', PACKAGE, 'hardening')) ? `src/${PACKAGE}/hardening` : `src/${PACKAGE}`;
const guards = GUARDS.map((name) => `${pkgDir}/${name}`).filter((path) => existsSync(join(project, path)));
// The bench copy's conftest learns to read the mutated modules as generated and to run the
// picked tests fastest first (conftest-addon.py says why; no assertion changes).
const addon = readFileSync(join(here, 'conftest-addon.py'), 'utf8').replace('__MUTATED__', JSON.stringify(guards));

/** Every file of a project folder (relative paths), without git's, mutmut's and caches. */
function projectFiles(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (['.git', 'mutants', '.venv', '.ruff_cache', '__pycache__', '.pytest_cache', 'setup.cfg'].includes(entry.name)) return [];
    return entry.isDirectory() ? projectFiles(dir, path) : [path];
  });
}

if (!reportOnly && resume) {
  // Generate the current templates beside the project and copy over what changed.
  const freshParent = join(cache, 'fresh');
  rmSync(freshParent, { recursive: true, force: true });
  mkdirSync(freshParent);
  run('node', [cli, 'new', PACKAGE, '--yes', '--skip-install'], { cwd: freshParent });
  const fresh = join(freshParent, PACKAGE);
  const changed = [];
  for (const path of projectFiles(fresh)) {
    const text = readFileSync(join(fresh, path), 'utf8') + (path === 'tests/conftest.py' ? addon : '');
    const target = join(project, path);
    if (!existsSync(target) || readFileSync(target, 'utf8') !== text) {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
      changed.push(path);
    }
  }
  for (const path of projectFiles(project)) if (!existsSync(join(fresh, path))) rmSync(join(project, path)), changed.push(path);
  console.log(`bench: resumed; changed since the last session: ${changed.join(', ') || 'nothing'}`);
  run('git', ['add', '--all'], { cwd: project });
  run('git', [...git, 'commit', '--quiet', '--no-verify', '--allow-empty', '-m', 'templates now'], { cwd: project });
}
/** mutmut's settings for the bench copy. */
function writeSetup() {
  // Everything the tests read besides src/ and tests/ (mutmut copies those two itself): the
  // tests look at the project's own files (.dockerignore, deploy/, workflows...) beside them.
  const alsoCopy = readdirSync(project).filter((name) => !['src', 'tests', 'mutants', '.git', '.venv', '.ruff_cache', 'setup.cfg'].includes(name));
  writeFileSync(
    join(project, 'setup.cfg'),
    [
      '[mutmut]',
      'source_paths=src',
      `only_mutate=${guards.join('\n    ')}`,
      `do_not_mutate_patterns=${NOT_MUTATED.map((rule) => rule.pattern).join('\n    ')}`,
      `also_copy=${alsoCopy.join('\n    ')}`,
      // mutmut also stops a mutant after (tests' time + constant) x multiplier / 2 of WALL time
      // and counts it as killed (a timeout). Niced on a busy machine, a surviving mutant can take
      // many times its tests' time: the constant is raised from mutmut's 1 s so that it is not
      // mistaken for a hang (a lower multiplier tried here turned survivors into timeouts).
      'timeout_multiplier=15',
      'timeout_constant=5',
      '',
    ].join('\n'),
  );
}
if (!reportOnly && resume) writeSetup();
if (!reportOnly && !resume) {
writeSetup();
const conftest = join(project, 'tests', 'conftest.py');
writeFileSync(conftest, readFileSync(conftest, 'utf8') + addon);
run('git', ['init', '--quiet'], { cwd: project });
run('git', ['add', '--all'], { cwd: project });
run('git', [...git, 'commit', '--quiet', '--no-verify', '-m', 'generated'], { cwd: project });
}
if (!reportOnly) {
// The venv: the project's dev dependencies and mutmut, reused while both stay the same.
const stamp = `${MUTMUT_VERSION}\n${readFileSync(join(project, 'pyproject.toml'), 'utf8')}`;
if (!existsSync(join(venv, '.stamp')) || readFileSync(join(venv, '.stamp'), 'utf8') !== stamp) {
  rmSync(venv, { recursive: true, force: true });
  run('python3', ['-m', 'venv', venv]);
  writeFileSync(join(venv, '.stamp'), '');
}
run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-e', `${project}[dev]`, `mutmut==${MUTMUT_VERSION}`]);
writeFileSync(join(venv, '.stamp'), stamp);

// The run itself, capped; mutmut keeps what finished in mutants/ and reports it below. Under
// nice: the machine is shared, and the run only takes the CPU nobody else wants.
const started = Date.now();
const deadline = started + minutes * 60_000;
const mutmutRun = (names) => {
  const left = Math.max(1, Math.floor((deadline - Date.now()) / 1000));
  const result = run('timeout', ['--signal=INT', `${left}s`, 'nice', '-n', '19', mutmut, 'run', '--max-children', String(maxChildren), ...names], { cwd: project, env, check: false });
  capped ||= result.status === 124 || result.status === 130;
  return `${result.stdout}${result.stderr}`;
};
// On a resume the survivors go first (the tests added since are what the resume is for), then
// the mutants not yet run and those of functions whose source changed.
let log = '';
if (resume) {
  const statuses = run(mutmut, ['results', '--all', 'true'], { cwd: project, env, check: false }).stdout;
  const again = [...statuses.matchAll(/^\s*(\S+__mutmut_\d+): (survived|no tests)$/gm)].map((match) => match[1]);
  if (again.length > 0) log += mutmutRun(again);
}
if (!capped) log += mutmutRun([]);
seconds = (Date.now() - started) / 1000;
writeFileSync(join(cache, 'mutmut.log'), log); // why a run checked nothing
sessions.push({ date: new Date().toISOString(), resume, seconds: Math.round(seconds), capped, maxChildren });
writeFileSync(sessionsFile, `${JSON.stringify(sessions, null, 2)}\n`);
}
const listing = run(mutmut, ['results', '--all', 'true'], { cwd: project, env, check: false }).stdout;

// `mutmut results --all true` prints "    <module>.<function>__mutmut_<n>: <status>".
const mutants = [...listing.matchAll(/^\s*(\S+__mutmut_\d+): (.+)$/gm)].map((match) => ({ name: match[1], status: match[2].trim() }));
const reasons = existsSync(join(here, 'survivors.json')) ? JSON.parse(readFileSync(join(here, 'survivors.json'), 'utf8')) : {};
const count = (status) => mutants.filter((mutant) => mutant.status === status).length;
// A mutant no test runs ('no tests') got through as surely as one the tests ran and missed;
// a timeout is a kill (the mutant hung the tests), as mutmut counts it.
const survivors = mutants.filter((mutant) => mutant.status === 'survived' || mutant.status === 'no tests');
const equivalent = survivors.filter((mutant) => reasons[mutant.name]?.equivalent);
const killed = count('killed') + count('timeout');
const judged = killed + survivors.length - equivalent.length;
const score = judged > 0 ? (100 * killed) / judged : 0;
// `mutmut show` loads mutmut once per mutant: the diffs of the first SHOWN survivors only.
const SHOWN = 12;
const diff = (name, index) => (index < SHOWN ? run(mutmut, ['show', name], { cwd: project, env, check: false }).stdout.trim() : '');

const unchecked = count('not checked');
const moduleOf = (name) => name.split('.').at(-2) ?? name;
const byModule = [...new Set(mutants.map((mutant) => moduleOf(mutant.name.split('__mutmut_')[0].replace(/\.x[^.]*$/, '.x'))))]
  .map((module) => {
    const mine = mutants.filter((mutant) => moduleOf(mutant.name.split('__mutmut_')[0].replace(/\.x[^.]*$/, '.x')) === module);
    const n = (status) => mine.filter((mutant) => mutant.status === status).length;
    return `${module} ${n('killed') + n('timeout')} killed / ${n('survived') + n('no tests')} survived / ${n('not checked')} not run`;
  })
  .join('; ');
const totalSeconds = sessions.reduce((sum, session) => sum + session.seconds, 0);
const lastCapped = sessions.at(-1)?.capped ?? capped;
const result = {
  date: new Date().toISOString(),
  command: sessions.some((session) => session.resume)
    ? `node bench/mutation/run.mjs --max-children ${maxChildren}, then --resume after tests were added`
    : `node bench/mutation/run.mjs --max-children ${maxChildren} --minutes ${minutes}`,
  mutmut: MUTMUT_VERSION,
  guards,
  notMutated: NOT_MUTATED,
  seconds: Math.round(totalSeconds),
  sessions,
  capped: lastCapped,
  total: mutants.length,
  byStatus: Object.fromEntries([...new Set(mutants.map((mutant) => mutant.status))].map((status) => [status, count(status)])),
  killed,
  survived: survivors.length,
  equivalent: equivalent.length,
  score: Math.round(score * 10) / 10,
  survivors: survivors.map((mutant, index) => ({ ...mutant, reason: reasons[mutant.name]?.reason ?? 'not yet read', diff: diff(mutant.name, index) })),
};
writeFileSync(join(repo, 'bench', 'mutation-results.json'), `${JSON.stringify(result, null, 2)}\n`);
const minutesOf = (s) => `${Math.round(s / 60)} min`;
const md = [
  '# Mutation testing of the guards',
  '',
  `Written by \`npm run bench:mutation\` (\`${result.command}\`) on ${result.date}; do not edit by hand`,
  '(survivors\' reasons: `bench/mutation/survivors.json`).',
  '',
  `mutmut ${MUTMUT_VERSION} over ${guards.map((path) => `\`${path}\``).join(', ')}, against the generated project's own pytest.`,
  `${result.total} mutants: ` + Object.entries(result.byStatus).map(([status, n]) => `${n} ${status}`).join(', ') + '.' +
    (unchecked > 0 ? ` **Incomplete**: ${unchecked} mutants did not run before the time cap; the score covers the ${mutants.length - unchecked} that did.` : ''),
  `By module: ${byModule}.`,
  `Wall time ${result.seconds} s (${minutesOf(result.seconds)}) at ${[...new Set(sessions.map((session) => session.maxChildren ?? 2))].join(' or ') || maxChildren} children under \`nice -n 19\` on a shared 2-core machine` +
    (sessions.length > 1 ? `, over ${sessions.length} sessions: ${sessions.map((session) => `${session.resume ? 'resume' : 'full run'} ${minutesOf(session.seconds)}`).join(', ')}.` : '.'),
  '',
  `**Score: ${result.score} %** of non-equivalent mutants killed (${killed} of ${judged}; ${equivalent.length} survivors judged equivalent).`,
  '',
  'Scope: every function of the modules above is mutated except statements that only word text for a human',
  '(mutmut `do_not_mutate_patterns`, the whole statement a matching line starts):',
  ...NOT_MUTATED.map((rule) => `- \`${rule.pattern}\`: ${rule.why}`),
  '',
  'The bench copy of the project differs from a generated one in its `tests/conftest.py` alone',
  '(`bench/mutation/conftest-addon.py`): reads of a mutated module\'s file return the module as generated, not',
  'mutmut\'s trampoline file holding every mutant (which made each whole-project check 10x slower), and the tests',
  'mutmut picks for a mutant run fastest first. No test or assertion is changed. Its `setup.cfg` raises mutmut\'s',
  'timeout constant to 5 s (multiplier 15): a timeout counts as a kill, and a niced survivor on a busy machine must',
  'not be taken for a hang. Re-run with `npm run bench:mutation` (a full run), then',
  '`node bench/mutation/run.mjs --resume` after adding tests (survivors re-tested by name, then what did not run).',
  '',
  '## Survivors',
  '',
  ...(survivors.length === 0 ? ['None.'] : result.survivors.map((mutant) => `- \`${mutant.name}\`${reasons[mutant.name]?.equivalent ? ' (equivalent)' : ''}: ${mutant.reason}`)),
  '',
].join('\n');
writeFileSync(join(repo, 'bench', 'mutation-results.md'), md);
// The same section in bench/RESULTS.md, between markers that `npm run bench` keeps.
const resultsFile = join(repo, 'bench', 'RESULTS.md');
const section = `<!-- mutation:start -->\n${md.replace(/^# /, '## ')}<!-- mutation:end -->\n`;
const current = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
const marked = /<!-- mutation:start -->[\s\S]*<!-- mutation:end -->\n/;
writeFileSync(resultsFile, marked.test(current) ? current.replace(marked, () => section) : `${current.trimEnd()}\n\n${section}`);
console.log(md);
