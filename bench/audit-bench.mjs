#!/usr/bin/env node
// Benchmark: `hardened-flask audit` on a generated project grown to 2,000 files.
//
//   npm run build && node bench/audit-bench.mjs [--files 2000] [--runs 5] [--keep]
//
// Generates a fresh project with the built CLI, adds synthetic blueprints, templates, static
// files and tests until the tree holds exactly --files files, checks that it still audits as
// 6 of 6, then times --runs audits (wall clock, whole CLI process: Node start, walk, Python
// analyser, rules, JSON rendering) after one untimed warm-up run, and records the median in
// bench/audit-results.json and bench/audit-results.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const cli = join(repo, 'dist', 'generators', 'cli.js');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const targetFiles = arg('--files', 2000);
const runs = arg('--runs', 5);
const keep = process.argv.includes('--keep');

if (!existsSync(cli)) {
  console.error('bench: dist/generators/cli.js is missing; run `npm run build` first');
  process.exit(2);
}

function countFiles(dir) {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) n += countFiles(join(dir, entry.name));
    else n++;
  }
  return n;
}

function write(root, file, text) {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
}

const base = mkdtempSync(join(tmpdir(), 'hf-audit-bench-'));
try {
  const project = join(base, 'bench-service');
  execFileSync('node', [cli, 'new', project, '--yes', '--skip-install'], { stdio: 'ignore' });
  const pkg = 'bench_service';
  const generated = countFiles(project);

  // Grow the tree with realistic, hardened-looking code: each feature is a blueprint with a
  // view module, a form template, a JSON endpoint, a static script and a test.
  let i = 0;
  const kinds = ['views', 'template', 'api', 'static', 'test', 'model', 'service', 'partial'];
  while (countFiles(project) < targetFiles) {
    const feature = `f${String(Math.floor(i / kinds.length)).padStart(4, '0')}`;
    const kind = kinds[i % kinds.length];
    const dir = `src/${pkg}/features/${feature}`;
    switch (kind) {
      case 'views':
        write(project, `${dir}/views.py`, [
          'from flask import Blueprint, redirect, render_template, request, url_for',
          '',
          `bp = Blueprint("${feature}", __name__, url_prefix="/${feature}")`,
          '',
          '',
          '@bp.get("/")',
          'def index():',
          `    return render_template("${feature}/index.html", items=[])`,
          '',
          '',
          '@bp.post("/")',
          'def create():',
          '    name = request.form.get("name", "").strip()[:100]',
          '    return redirect(url_for(".index", created=name), code=303)',
          '',
        ].join('\n'));
        break;
      case 'template':
        write(project, `src/${pkg}/templates/${feature}/index.html`, [
          '{% extends "base.html" %}',
          '{% block content %}',
          '<form method="post">',
          '  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">',
          '  <input name="name" maxlength="100">',
          '</form>',
          '<ul>{% for item in items %}<li>{{ item.name }}</li>{% endfor %}</ul>',
          '{% endblock %}',
          '',
        ].join('\n'));
        break;
      case 'api':
        write(project, `${dir}/api.py`, [
          'from flask import Blueprint, jsonify, request',
          '',
          `api = Blueprint("${feature}_api", __name__, url_prefix="/api/${feature}")`,
          '',
          '',
          '@api.post("/items")',
          'def add_item():',
          '    payload = request.get_json(silent=True) or {}',
          '    return jsonify(name=str(payload.get("name", ""))[:100]), 201',
          '',
        ].join('\n'));
        break;
      case 'static':
        write(project, `src/${pkg}/static/${feature}.js`, [
          "const token = document.querySelector('meta[name=\"csrf-token\"]').content;",
          `fetch('/api/${feature}/items', {`,
          "  method: 'POST',",
          "  headers: { 'Content-Type': 'application/json', 'X-CSRFToken': token },",
          "  body: JSON.stringify({ name: 'x' }),",
          '});',
          '',
        ].join('\n'));
        break;
      case 'test':
        write(project, `tests/features/test_${feature}.py`, [
          'def test_index(client):',
          `    assert client.get("/${feature}/").status_code == 200`,
          '',
        ].join('\n'));
        break;
      case 'model':
        write(project, `${dir}/models.py`, [
          'from dataclasses import dataclass',
          '',
          '',
          '@dataclass(frozen=True)',
          'class Item:',
          '    name: str',
          '    quantity: int = 0',
          '',
          '    def total(self, price: float) -> float:',
          '        return self.quantity * price',
          '',
        ].join('\n'));
        break;
      case 'service':
        write(project, `${dir}/service.py`, [
          'import os',
          '',
          'PAGE_SIZE = int(os.environ.get("PAGE_SIZE", "20"))',
          '',
          '',
          'def page(items, number):',
          '    start = (number - 1) * PAGE_SIZE',
          '    return items[start : start + PAGE_SIZE]',
          '',
        ].join('\n'));
        break;
      default:
        write(project, `src/${pkg}/templates/${feature}/_row.html`, '<tr><td>{{ item.name }}</td><td>{{ item.quantity }}</td></tr>\n');
    }
    i++;
  }
  const files = countFiles(project);

  const audit = () => spawnSync('node', [cli, 'audit', project, '--format', 'json', '--fail-on', 'partial'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const check = audit();
  const report = JSON.parse(check.stdout);
  if (check.status !== 0 || report.summary.implemented !== 6) {
    console.error(`bench: the grown project does not audit as 6/6 (exit ${check.status}): ${JSON.stringify(report.summary)}`);
    process.exit(1);
  }

  const times = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    const result = audit();
    const ms = performance.now() - start;
    if (result.status !== 0) throw new Error(`audit failed: ${result.stderr}`);
    times.push(Math.round(ms));
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const python = execFileSync(process.env.HARDENED_FLASK_PYTHON || 'python3', ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' }).trim();
  let load = '';
  try {
    load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    load = 'n/a';
  }
  const result = {
    date: new Date().toISOString(),
    files,
    generatedFiles: generated,
    pythonFiles: report.analysis.pythonFiles,
    templateFiles: report.analysis.templateFiles,
    runs,
    timesMs: times,
    medianMs: median,
    minMs: sorted[0],
    maxMs: sorted[sorted.length - 1],
    node: process.version,
    python,
    templateParser: report.analysis.templateParser,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverage: load,
  };
  writeFileSync(join(here, 'audit-results.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md = [
    '# Audit benchmark: last result',
    '',
    'Produced by `node bench/audit-bench.mjs` (after `npm run build`): a project generated with',
    `default answers (${generated} files) grown with synthetic blueprints, templates, static scripts and`,
    `tests to ${files} files, audited as JSON through the CLI ${runs} times after one untimed warm-up.`,
    'Wall-clock time of the whole process (Node start, walk, Python analyser, rules, rendering).',
    '',
    '| files | Python | templates | runs | median | min | max |',
    '|---|---|---|---|---|---|---|',
    `| ${files} | ${result.pythonFiles} | ${result.templateFiles} | ${runs} | **${median} ms** | ${result.minMs} ms | ${result.maxMs} ms |`,
    '',
    `Runs (ms): ${times.join(', ')}. Node ${result.node}, Python ${python}, templates parsed with ${result.templateParser};`,
    `${result.cpus} × ${result.cpuModel}; load average at the end ${load}. ${result.date}.`,
    '',
  ].join('\n');
  writeFileSync(join(here, 'audit-results.md'), md);
  console.log(md);
} finally {
  if (keep) console.log(`kept the project in ${base}`);
  else rmSync(base, { recursive: true, force: true });
}
