// The retrofit's pure edits (deploy and dependency files, "no line lost"), its argument parser,
// and the Python edit engine on small inputs: exact splices, idempotence, syntax errors untouched.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRetrofitArgs } from '../../generators/retrofit/command.js';
import { runEditor } from '../../generators/retrofit/engine.js';
import { parseJunit, regressions, type TestRun } from '../../generators/retrofit/proof.js';
import {
  addPyprojectDependencies,
  addRequirements,
  fixCompose,
  fixDockerfile,
  fixProcfile,
  lostLines,
} from '../../generators/retrofit/text-edits.js';

describe('deploy-file edits', () => {
  it('swaps flask run and python app.py for gunicorn, and leaves other lines alone', () => {
    const procfile = fixProcfile('release: flask db upgrade\nweb: flask --app app run --host=0.0.0.0\nworker: python worker.py\n');
    expect(procfile.text).toBe('release: flask db upgrade\nweb: gunicorn -c gunicorn.conf.py wsgi:app\nworker: gunicorn -c gunicorn.conf.py wsgi:app\n');
    expect(procfile.changes.map((c) => c.line)).toEqual([2, 3]);
    expect(fixProcfile('web: gunicorn wsgi:app\n').changes).toEqual([]);
    const docker = fixDockerfile('FROM python:3.11\nCMD ["flask", "run", "--host", "0.0.0.0"]\n');
    expect(docker.text).toBe('FROM python:3.11\nCMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]\n');
    expect(docker.changes[0]!.removed).toEqual(['CMD ["flask", "run", "--host", "0.0.0.0"]']);
    expect(fixDockerfile('CMD ["gunicorn", "wsgi:app"]\n').changes).toEqual([]);
    expect(fixCompose('services:\n  web:\n    command: python app.py\n').text).toBe('services:\n  web:\n    command: gunicorn -c gunicorn.conf.py wsgi:app\n');
  });

  it('adds dependencies without rewriting existing lines', () => {
    const req = addRequirements('Flask==3.1.3\ngunicorn', new Set(['flask', 'gunicorn']));
    expect(req.text).toBe('Flask==3.1.3\ngunicorn\nwerkzeug>=3.1.6\nflask-wtf>=1.2.2\nflask-talisman>=1.1.0\n');
    const multi = addPyprojectDependencies('[project]\nname = "x"\ndependencies = [\n  "flask>=3.1"\n]\n', new Set(['flask']))!;
    expect(multi.text).toBe('[project]\nname = "x"\ndependencies = [\n  "flask>=3.1",\n  "werkzeug>=3.1.6",\n  "flask-wtf>=1.2.2",\n  "flask-talisman>=1.1.0",\n  "gunicorn>=23.0.0",\n]\n');
    expect(multi.changes[0]).toMatchObject({ line: 4, removed: ['  "flask>=3.1"'] });
    const inline = addPyprojectDependencies('[project]\ndependencies = ["flask"]\n', new Set(['flask']))!;
    expect(inline.text).toBe('[project]\ndependencies = ["flask", "werkzeug>=3.1.6", "flask-wtf>=1.2.2", "flask-talisman>=1.1.0", "gunicorn>=23.0.0"]\n');
    expect(addPyprojectDependencies('[tool.x]\na = 1\n', new Set())).toBeNull();
  });

  it('lostLines finds a dropped line and accepts the listed replacements', () => {
    expect(lostLines('a\nb\nc\n', 'a\nx\nb\nc\n', [])).toEqual([]);
    expect(lostLines('a\nb\nc\n', 'a\nc\n', [])).toEqual(['b']);
    expect(lostLines('a\nb\nc\n', 'a\nB\nc\n', ['b'])).toEqual([]);
    expect(lostLines('a\nb\n', 'b\na\n', [])).toEqual(['b']);
  });
});

describe('retrofit arguments', () => {
  it('parses the contract flags and refuses bad ones with one line', () => {
    const args = parseRetrofitArgs(['proj', '--yes', '--only', 'csrf,debug', '--test-cmd', 'make test', '--python', 'venv/bin/python', '--format', 'json', '--allow-dirty', '--skip-install']);
    expect(args).toMatchObject({ dir: 'proj', yes: true, only: ['debug', 'csrf'], testCmd: 'make test', python: 'venv/bin/python', format: 'json', allowDirty: true, skipInstall: true });
    expect(parseRetrofitArgs(['--dry-run', '--no-tests'])).toMatchObject({ dir: '.', dryRun: true, noTests: true });
    expect(() => parseRetrofitArgs(['--only', 'csrf,magic'])).toThrow(/--only takes debug,server,secret,csrf,templates,headers/);
    expect(() => parseRetrofitArgs(['--format', 'xml'])).toThrow(/text or json/);
    expect(() => parseRetrofitArgs(['a', 'b'])).toThrow(/one folder/);
    expect(() => parseRetrofitArgs(['--frobnicate'])).toThrow(/unknown option --frobnicate/);
    expect(() => parseRetrofitArgs(['--no-tests', '--test-cmd', 'x'])).toThrow(/contradict/);
  });
});

describe('the proof', () => {
  const run = (entries: [string, 'passed' | 'failed' | 'skipped'][], exitCode = 0): TestRun => ({ command: 'pytest', exitCode, outcomes: new Map(entries), passed: 0, failed: 0, skipped: 0, output: '' });
  it('reads JUnit XML and names only the tests that passed before and not after', () => {
    const xml = '<testsuite><testcase classname="tests.t" name="a"/><testcase classname="tests.t" name="b"><failure message="x"/></testcase><testcase classname="tests.t" name="c"><skipped/></testcase></testsuite>';
    expect([...parseJunit(xml)]).toEqual([['tests.t::a', 'passed'], ['tests.t::b', 'failed'], ['tests.t::c', 'skipped']]);
    expect(regressions(run([['x', 'passed'], ['y', 'failed']]), run([['x', 'failed'], ['y', 'failed'], ['z', 'failed']]))).toEqual(['x']);
    expect(regressions(run([], 0), run([], 1))).toEqual(['pytest (exit 1)']);
  });
  it('does not count a parametrized id drawn afresh as broken, but does count a module that no longer runs', () => {
    const before = run([['tests.h::test_key[abc]', 'passed'], ['tests.h::test_other', 'passed'], ['tests.own::test_index', 'passed']]);
    const after = run([['tests.h::test_key[def]', 'passed'], ['tests.h::test_other', 'passed'], ['::tests.own', 'failed']]);
    expect(regressions(before, after)).toEqual(['tests.own::test_index']);
  });
});

describe('the Python edit engine', () => {
  const project = (files: Record<string, string>) => {
    const root = mkdtempSync(join(tmpdir(), 'hf-edit-'));
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
    return root;
  };
  const edit = (root: string, python: string[], templates: string[] = []) =>
    runEditor({ root, python, templates, only: ['debug', 'server', 'secret', 'csrf', 'templates', 'headers'], ajax: false, configSplit: false });

  it('splices the init_app call, the key loader and the debug switch, keeping everything else', async () => {
    const source = 'from flask import Flask\n\napp = Flask(__name__)  # the app\napp.secret_key = "hunter2-hunter2"\n\n\n@app.route("/")\ndef index():\n    return "hi"\n\n\nif __name__ == "__main__":\n    app.run(debug=True)\n';
    const root = project({ 'app.py': source });
    try {
      const result = await edit(root, ['app.py']);
      const file = result.files.find((f) => f.path === 'app.py')!;
      expect(file.text).toBe('import os\nfrom flask import Flask\nimport hardening\n\napp = Flask(__name__)  # the app\napp.secret_key = os.environ.get("SECRET_KEY")\nhardening.init_app(app)\n\n\n@app.route("/")\ndef index():\n    return "hi"\n\n\nif __name__ == "__main__":\n    app.run(debug=os.environ.get("APP_ENV") == "development")\n');
      expect(result.app).toMatchObject({ file: 'app.py', var: 'app', factory: null, module: 'app', importLine: 'import hardening' });
      writeFileSync(join(root, 'app.py'), file.text!);
      const again = await edit(root, ['app.py']);
      expect(again.files.every((f) => f.text === null)).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('leaves a file with a syntax error untouched, and tags forms and scripts by position', async () => {
    const root = project({
      'broken.py': 'SECRET_KEY = "x"\ndef broken(:\n',
      'templates/page.html': '<form method="POST"><input name="q"></form>\n<form method="get"></form>\n<script>go()</script>\n<form method="post">\n  {{ form.hidden_tag() }}\n</form>\n',
    });
    try {
      const result = await edit(root, ['broken.py'], ['templates/page.html']);
      const broken = result.files.find((f) => f.path === 'broken.py')!;
      expect(broken.text).toBeNull();
      expect(broken.error).toMatch(/SyntaxError \(left untouched\)/);
      const page = result.files.find((f) => f.path === 'templates/page.html')!;
      expect(page.text).toBe('<form method="POST"><input type="hidden" name="csrf_token" value="{{ csrf_token() }}"><input name="q"></form>\n<form method="get"></form>\n<script nonce="{{ csp_nonce() }}">go()</script>\n<form method="post">\n  {{ form.hidden_tag() }}\n</form>\n');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
