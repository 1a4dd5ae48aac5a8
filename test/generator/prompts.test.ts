// The interactive path: with a terminal and without --yes, every unanswered question is asked,
// answers go through the same validation, and a re-run in the project asks nothing new.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import helpers from 'yeoman-test';
import { buildQuestions } from '../../generators/app/questions.js';
import { ANSWER_KEYS, defaultAnswers } from '../../generators/lib/answers.js';
import { tempDir } from '../support/project.js';
import { APP_GENERATOR, pretendTerminal } from './support.js';

const tmp = tempDir('hf-prompts-');
afterAll(() => tmp.cleanup());

describe('prompts', () => {
  pretendTerminal();

  it('asks for every answer not given, and only those', () => {
    const all = buildQuestions(defaultAnswers('x'), {}).map((q) => q.name);
    expect(all.sort()).toEqual([...ANSWER_KEYS].sort());
    const some = buildQuestions(defaultAnswers('x'), { domain: 'example.com', ci: 'none' }).map((q) => q.name);
    expect(some).not.toContain('domain');
    expect(some).not.toContain('ci');
  });

  it('validates typed answers with the shared validators', () => {
    const questions = buildQuestions(defaultAnswers('x'), {});
    const domain = questions.find((q) => q.name === 'domain')!;
    expect(domain.validate!('https://bad')).toMatch(/host name/);
    const size = questions.find((q) => q.name === 'maxContentLength')!;
    expect(size.filter!('2m')).toBe(2 * 1024 * 1024);
    // inquirer calls validate with what was typed, before filter: the examples the prompt shows pass.
    for (const typed of ['512k', '1m', '1048576', String(size.default)]) expect(size.validate!(typed), typed).toBe(true);
    expect(domain.validate!('Shop.Example.COM')).toBe(true);
    expect(domain.filter!('Shop.Example.COM')).toBe('shop.example.com');
    expect(questions.map((q) => q.type)).not.toContain('list'); // deprecated in inquirer: select
  });

  it('writes what was answered at the prompts', async () => {
    const target = join(tmp.dir, 'prompted');
    await helpers
      .run(APP_GENERATOR)
      .cd(tmp.dir)
      .withArguments(['prompted'])
      .withOptions({ skipInstall: true } as never)
      .withAnswers({ domain: 'shop.example.com', includeApi: false, gunicornBind: 'tcp', port: 9100, ci: 'gitlab', maxContentLength: '2m' });
    const stored = JSON.parse(readFileSync(join(target, '.yo-rc.json'), 'utf8'))['generator-hardened-flask'];
    expect(stored).toMatchObject({ domain: 'shop.example.com', includeApi: false, gunicornBind: 'tcp', port: 9100, ci: 'gitlab', maxContentLength: 2 * 1024 * 1024 });
    expect(existsSync(join(target, 'src', 'prompted', 'api.py'))).toBe(false);
    expect(existsSync(join(target, '.gitlab-ci.yml'))).toBe(true);
    expect(readFileSync(join(target, 'gunicorn.conf.py'), 'utf8')).toContain('127.0.0.1:9100');

    // A re-run over the project (with --force) takes the stored answers and asks nothing.
    const rerun = await helpers
      .run(APP_GENERATOR)
      .cd(tmp.dir)
      .withArguments(['prompted'])
      .withOptions({ skipInstall: true, force: true } as never);
    expect(rerun.askedQuestions).toEqual([]);
    const again = JSON.parse(readFileSync(join(target, '.yo-rc.json'), 'utf8'))['generator-hardened-flask'];
    expect(again).toEqual(stored);
  });
});
