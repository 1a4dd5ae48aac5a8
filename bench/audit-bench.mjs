#!/usr/bin/env node
// Benchmark: `hardened-flask audit` on a generated project grown to 2,000 files.
//
//   npm run build && node bench/audit-bench.mjs [--files 2000] [--runs 5] [--keep]
//
// Two measurements, recorded in bench/audit-results.json and bench/audit-results.md:
//
// 1. synthetic: a fresh project generated with the built CLI, grown with synthetic blueprints,
//    templates, static files and tests until the tree holds exactly --files files; it must still
//    audit as 6 of 6; --runs audits are timed (wall clock, whole CLI process: Node start, walk,
//    Python analyser, rules, JSON rendering) after one untimed warm-up run. Goal: median <= 1 s.
// 2. realistic: a 1,000-file project of the shape large Flask apps have (an app factory, ~40
//    blueprints with views/forms/models/services of realistic length, Alembic migrations,
//    templates, static JS with vendored bundles, a tests/ tree, Docker and compose files), audited
//    and scanned by bandit (`bandit -r`, the bench's only use of bandit) alternately, --runs times
//    each, in one run. Goal: the audit's median under half of bandit's. BANDIT names the bandit
//    executable (default: `bandit` on PATH; `pip install bandit` in a virtualenv); without it,
//    the second measurement is skipped with a printed reason.
//
// Other helpers share the machine: the load average before and after each measurement is
// recorded beside the times.
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

  const auditOf = (dir) => () => spawnSync('node', [cli, 'audit', dir, '--format', 'json'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const audit = () => spawnSync('node', [cli, 'audit', project, '--format', 'json', '--fail-on', 'partial'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const check = audit();
  const report = JSON.parse(check.stdout);
  if (check.status !== 0 || report.summary.implemented !== 6) {
    console.error(`bench: the grown project does not audit as 6/6 (exit ${check.status}): ${JSON.stringify(report.summary)}`);
    process.exit(1);
  }

  const loadBefore = loadAverage();
  const times = timeRuns(runs, audit, 'audit');
  const synthetic = { files, generatedFiles: generated, pythonFiles: report.analysis.pythonFiles, templateFiles: report.analysis.templateFiles, ...stats(times), loadBefore, loadAfter: loadAverage() };

  // 2. The realistic project, audit and bandit side by side
  const realisticDir = join(base, 'fleet-platform');
  const realisticFiles = writeRealistic(realisticDir, 1000);
  const bandit = process.env.BANDIT || 'bandit';
  const banditVersion = spawnSync(bandit, ['--version'], { encoding: 'utf8' });
  let realistic;
  if (banditVersion.status !== 0) {
    console.warn(`bench: SKIP the realistic comparison: ${bandit} cannot run (pip install bandit, or set BANDIT)`);
  } else {
    const auditRealistic = auditOf(realisticDir);
    const r = JSON.parse(auditRealistic().stdout);
    const runBandit = () => spawnSync(bandit, ['-r', realisticDir, '-q', '-f', 'json', '-o', join(base, 'bandit.json')], { encoding: 'utf8' });
    runBandit(); // warm-up, like the audit's
    const before = loadAverage();
    const auditTimes = [];
    const banditTimes = [];
    for (let n = 0; n < runs; n++) {
      auditTimes.push(...timeRuns(1, auditRealistic, 'audit'));
      banditTimes.push(...timeRuns(1, runBandit, 'bandit', [0, 1]));
    }
    realistic = {
      files: realisticFiles,
      pythonFiles: r.analysis.pythonFiles,
      excluded: r.analysis.excluded,
      statuses: r.protections.map((p) => `${p.id}:${p.status}`),
      audit: stats(auditTimes),
      bandit: { version: banditVersion.stdout.split('\n')[0].trim(), ...stats(banditTimes) },
      ratio: Number((stats(auditTimes).medianMs / stats(banditTimes).medianMs).toFixed(3)),
      loadBefore: before,
      loadAfter: loadAverage(),
    };
  }

  const python = execFileSync(process.env.HARDENED_FLASK_PYTHON || 'python3', ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' }).trim();
  const result = {
    date: new Date().toISOString(),
    runs,
    synthetic,
    realistic: realistic ?? null,
    node: process.version,
    python,
    templateParser: report.analysis.templateParser,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
  };
  writeFileSync(join(here, 'audit-results.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md = [
    '# Audit benchmark: last result',
    '',
    'Produced by `node bench/audit-bench.mjs` (after `npm run build`). Wall-clock time of the whole',
    `CLI process (Node start, walk, Python analyser, rules, JSON rendering), median of ${runs} runs after`,
    'one untimed warm-up. The machine is shared with other helpers (2 cores): the load average',
    '(1, 5, 15 min) before and after each measurement is part of the result.',
    '',
    `## 1. Synthetic project, ${files} files (goal: median <= 1 s)`,
    '',
    `A project generated with default answers (${generated} files) grown with synthetic blueprints,`,
    `templates, static scripts and tests to ${files} files; it audits as 6 of 6.`,
    '',
    '| files | Python analysed | templates | runs | median | min | max | load before | load after |',
    '|---|---|---|---|---|---|---|---|---|',
    `| ${files} | ${synthetic.pythonFiles} | ${synthetic.templateFiles} | ${runs} | **${synthetic.medianMs} ms** | ${synthetic.minMs} ms | ${synthetic.maxMs} ms | ${synthetic.loadBefore} | ${synthetic.loadAfter} |`,
    '',
    `Runs (ms): ${synthetic.timesMs.join(', ')}.`,
    '',
    '## 2. Realistic project, 1,000 files: audit vs bandit (goal: audit under half of bandit)',
    '',
    ...(realistic
      ? [
          `An app factory with ~40 blueprints (views, forms, models, services of realistic length), Alembic`,
          `migrations, templates, static JS with vendored bundles, a tests/ tree, Docker and compose files:`,
          `${realistic.files} files, ${realistic.pythonFiles} Python files analysed (${realistic.excluded.tests} test files and ${realistic.excluded.vendored} vendored assets left out).`,
          `Audit and \`bandit -r\` (${realistic.bandit.version}) run alternately, ${runs} times each.`,
          '',
          '| tool | median | min | max | runs (ms) |',
          '|---|---|---|---|---|',
          `| hardened-flask audit | **${realistic.audit.medianMs} ms** | ${realistic.audit.minMs} ms | ${realistic.audit.maxMs} ms | ${realistic.audit.timesMs.join(', ')} |`,
          `| bandit -r | **${realistic.bandit.medianMs} ms** | ${realistic.bandit.minMs} ms | ${realistic.bandit.maxMs} ms | ${realistic.bandit.timesMs.join(', ')} |`,
          '',
          `Audit / bandit: **${realistic.ratio}** (goal < 0.5). Load before ${realistic.loadBefore}, after ${realistic.loadAfter}.`,
          `Statuses: ${realistic.statuses.join(', ')}.`,
        ]
      : ['Skipped: bandit was not available (`pip install bandit`, or set BANDIT).']),
    '',
    `Node ${result.node}, Python ${python}, templates parsed with ${result.templateParser}; ${result.cpus} × ${result.cpuModel}. ${result.date}.`,
    '',
  ].join('\n');
  writeFileSync(join(here, 'audit-results.md'), md);
  console.log(md);
} finally {
  if (keep) console.log(`kept the projects in ${base}`);
  else rmSync(base, { recursive: true, force: true });
}

function loadAverage() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

function timeRuns(n, run, what, okStatuses = [0]) {
  const out = [];
  for (let r = 0; r < n; r++) {
    const start = performance.now();
    const result = run();
    const ms = performance.now() - start;
    if (!okStatuses.includes(result.status)) throw new Error(`${what} failed (exit ${result.status}): ${result.stderr}`);
    out.push(Math.round(ms));
  }
  return out;
}

function stats(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return { timesMs: times, medianMs: sorted[Math.floor(sorted.length / 2)], minMs: sorted[0], maxMs: sorted[sorted.length - 1] };
}

/**
 * A 1,000-file project shaped like the large Flask apps the audit is meant for: file sizes and
 * kinds in realistic proportions (about 60 % Python), not one template repeated.
 */
function writeRealistic(root, target) {
  const w = (file, text) => write(root, file, text);
  w('requirements.txt', 'Flask==3.1.0\nFlask-WTF==1.2.2\nFlask-SQLAlchemy==3.1.1\nFlask-Talisman==1.1.0\nalembic==1.14.0\ngunicorn==23.0.0\n');
  w('Dockerfile', 'FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nUSER nobody\nCMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]\n');
  w('.dockerignore', '.git\n.env\n.env.*\n!.env.example\n');
  w('docker-compose.yml', 'services:\n  web:\n    build: .\n    command: gunicorn -c gunicorn.conf.py wsgi:app\n    environment:\n      - APP_ENV=production\n  db:\n    image: postgres:16\n');
  w('gunicorn.conf.py', 'bind = "127.0.0.1:8000"\nworkers = 4\ntimeout = 30\n');
  w('deploy/nginx.conf', 'server {\n    listen 443 ssl;\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n');
  w('wsgi.py', 'from platform_app import create_app\n\napp = create_app()\n');
  w('platform_app/config.py', [
    'import os', '', '', 'class Config:', '    DEBUG = False', '    SESSION_COOKIE_SECURE = True', '    SECRET_KEY_FALLBACKS = [k for k in os.environ.get("OLD_KEYS", "").split(",") if k]', '', '',
    'class DevelopmentConfig(Config):', '    DEBUG = True', '', '', 'class TestingConfig(Config):', '    TESTING = True', '', '', 'class ProductionConfig(Config):', '    pass', '', '',
    'def load_secret_key(environ):', '    key = environ.get("SECRET_KEY", "")', '    if len(key) < 32 or "change" in key:', '        raise RuntimeError("SECRET_KEY must be a long random value")', '    return key', '',
  ].join('\n'));
  const features = [];
  for (let f = 0; f < 40; f++) features.push(`feature_${String(f).padStart(2, '0')}`);
  w('platform_app/__init__.py', [
    'import os', '', 'from flask import Flask', 'from flask_talisman import Talisman', 'from flask_wtf.csrf import CSRFProtect', '',
    'from platform_app.config import DevelopmentConfig, ProductionConfig, TestingConfig, load_secret_key', '',
    'csrf = CSRFProtect()', 'CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}', '', '',
    'def create_app():', '    app = Flask(__name__)', '    app.config.from_object(CONFIGS[os.environ.get("APP_ENV", "production")])', '    app.config["SECRET_KEY"] = load_secret_key(os.environ)', '    csrf.init_app(app)',
    '    Talisman(app, content_security_policy={"default-src": "\'self\'"})',
    ...features.map((f) => `    from platform_app.${f}.views import bp as ${f}_bp\n    app.register_blueprint(${f}_bp)`),
    '    return app', '',
  ].join('\n'));
  const body = (n, name) => Array.from({ length: n }, (_, k) => [
    `def ${name}_${k}(items, limit=50, *, include_archived=False):`,
    `    """Step ${k} of the ${name} workflow: filter, sort and summarise the records."""`,
    '    selected = [item for item in items if include_archived or not item.get("archived")]',
    '    selected.sort(key=lambda item: (item.get("priority", 0), item.get("created_at", "")), reverse=True)',
    '    totals = {}',
    '    for item in selected[:limit]:',
    '        bucket = totals.setdefault(item.get("category", "other"), {"count": 0, "value": 0})',
    '        bucket["count"] += 1',
    '        bucket["value"] += int(item.get("value", 0))',
    '    return {"items": selected[:limit], "totals": totals}',
    '', '',
  ].join('\n')).join('');
  w('platform_app/db.py', 'from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n');
  w('platform_app/templates/base.html', '<!doctype html>\n<html><head><meta name="csrf-token" content="{{ csrf_token() }}"></head><body>{% block content %}{% endblock %}</body></html>\n');
  const count = () => countFiles(root);
  let i = 0;
  while (count() < target) {
    const f = features[i % features.length];
    const round = Math.floor(i / features.length);
    const d = `platform_app/${f}`;
    switch (round) {
      case 0:
        w(`${d}/__init__.py`, '');
        w(`${d}/views.py`, [
          'from flask import Blueprint, abort, redirect, render_template, request, url_for', '',
          `from platform_app.${f}.forms import EditForm`, `from platform_app.${f}.models import Record`, `from platform_app.${f} import services`, '',
          `bp = Blueprint("${f}", __name__, url_prefix="/${f}")`, '', '',
          '@bp.get("/")', 'def index():', '    page = max(int(request.args.get("page", 1)), 1)', `    return render_template("${f}/index.html", records=services.page(Record.query, page))`, '', '',
          '@bp.route("/<int:record_id>/edit", methods=["GET", "POST"])', 'def edit(record_id):', '    record = Record.query.get_or_404(record_id)', '    form = EditForm(obj=record)', '    if form.validate_on_submit():', '        form.populate_obj(record)', '        services.save(record)', '        return redirect(url_for(".index"), code=303)', `    return render_template("${f}/edit.html", form=form, record=record)`, '', '',
          '@bp.post("/<int:record_id>/archive")', 'def archive(record_id):', '    record = Record.query.get_or_404(record_id)', '    if record.locked:', '        abort(409)', '    services.archive(record)', '    return redirect(url_for(".index"), code=303)', '',
        ].join('\n'));
        break;
      case 1:
        w(`${d}/models.py`, ['from datetime import datetime, timezone', '', 'from platform_app.db import db', '', '', 'class Record(db.Model):', `    __tablename__ = "${f}_records"`, '    id = db.Column(db.Integer, primary_key=True)', '    name = db.Column(db.String(120), nullable=False)', '    locked = db.Column(db.Boolean, default=False)', '    archived = db.Column(db.Boolean, default=False)', '    created_at = db.Column(db.DateTime, default=lambda: datetime.now(timezone.utc))', '', '    def __repr__(self):', '        return f"<Record {self.id} {self.name!r}>"', ''].join('\n'));
        w(`${d}/forms.py`, ['from flask_wtf import FlaskForm', 'from wtforms import BooleanField, StringField', 'from wtforms.validators import DataRequired, Length', '', '', 'class EditForm(FlaskForm):', '    name = StringField("Name", validators=[DataRequired(), Length(max=120)])', '    locked = BooleanField("Locked")', ''].join('\n'));
        break;
      case 2:
        w(`${d}/services.py`, ['from platform_app.db import db', '', 'PAGE_SIZE = 25', '', '', 'def page(query, number):', '    return query.offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE).all()', '', '', 'def save(record):', '    db.session.add(record)', '    db.session.commit()', '', '', 'def archive(record):', '    record.archived = True', '    db.session.commit()', '', '', body(8, `${f}_report`)].join('\n'));
        break;
      case 3:
        w(`platform_app/templates/${f}/index.html`, ['{% extends "base.html" %}', '{% block content %}', '<table>', '{% for record in records %}', '  <tr><td>{{ record.name }}</td><td>', `    <form method="post" action="{{ url_for('${f}.archive', record_id=record.id) }}">`, '      <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">', '      <button>Archive</button>', '    </form>', '  </td></tr>', '{% endfor %}', '</table>', '{% endblock %}', ''].join('\n'));
        w(`platform_app/templates/${f}/edit.html`, ['{% extends "base.html" %}', '{% block content %}', '<form method="post">', '  {{ form.hidden_tag() }}', '  {{ form.name() }} {{ form.locked() }}', '  <button>Save</button>', '</form>', '{% endblock %}', ''].join('\n'));
        break;
      case 4:
        w(`platform_app/static/js/${f}.js`, ["const token = document.querySelector('meta[name=\"csrf-token\"]').content;", `export function archive(id) {`, `  return fetch('/${f}/' + id + '/archive', { method: 'POST', headers: { 'X-CSRFToken': token } });`, '}', ''].join('\n'));
        w(`platform_app/static/vendor/${f}-widget.min.js`, `!function(){${'var a=1;'.repeat(400)}}();\n`);
        break;
      default: {
        const n = round - 5;
        if (n % 3 === 0) w(`migrations/versions/${String(i).padStart(4, '0')}_${f}_${n}.py`, [`"""${f}: schema change ${n}"""`, '', 'import sqlalchemy as sa', 'from alembic import op', '', `revision = "${String(i).padStart(12, '0')}"`, 'down_revision = None', '', '', 'def upgrade():', `    op.add_column("${f}_records", sa.Column("extra_${n}", sa.String(length=64), nullable=True))`, '', '', 'def downgrade():', `    op.drop_column("${f}_records", "extra_${n}")`, ''].join('\n'));
        else if (n % 3 === 1) w(`tests/${f}/test_views_${n}.py`, ['import pytest', '', '', '@pytest.fixture', 'def record(db_session):', '    return {"name": "x"}', '', '', ...Array.from({ length: 6 }, (_, k) => `def test_case_${k}(client, record):\n    response = client.get("/${f}/")\n    assert response.status_code == 200\n\n`)].join('\n'));
        else w(`${d}/reports_${n}.py`, body(6, `${f}_r${n}`));
      }
    }
    i++;
  }
  return countFiles(root);
}
