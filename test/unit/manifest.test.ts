import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_FILES } from '../../generators/app/files.js';
import { defaultAnswers } from '../../generators/lib/answers.js';
import { destinationFor, planFiles } from '../../generators/lib/manifest.js';
import { REPO_ROOT } from '../support/project.js';

const TEMPLATES = join(REPO_ROOT, 'templates', 'project');

function listTemplates(dir = TEMPLATES): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? listTemplates(path) : [relative(TEMPLATES, path)];
  });
}

describe('destinationFor', () => {
  const answers = { ...defaultAnswers('my-service'), packageName: 'svc' };
  it('maps template paths to project paths', () => {
    expect(destinationFor('src/__pkg__/config.py.ejs', answers)).toBe('src/svc/config.py');
    expect(destinationFor('deploy/nginx/__project__.conf.ejs', answers)).toBe('deploy/nginx/my-service.conf');
    expect(destinationFor('_gitignore', answers)).toBe('.gitignore');
    expect(destinationFor('.env.example.ejs', answers)).toBe('.env.example');
    expect(destinationFor('static/app.js', answers)).toBe('static/app.js');
  });
});

describe('the project manifest', () => {
  it('names every template once, and every row has a template', () => {
    const rows = PROJECT_FILES.map((row) => row.template).sort();
    expect(new Set(rows).size).toBe(rows.length);
    // templates/hardening/ rows are checked against that folder in test/generator/hardening.test.ts.
    expect(rows.filter((row) => !row.startsWith('../hardening/'))).toEqual(listTemplates().sort());
  });

  it('plans distinct destinations for every combination of branching answers', () => {
    for (const includeApi of [true, false])
      for (const systemd of [true, false])
        for (const ci of ['github', 'gitlab', 'both', 'none'] as const) {
          const planned = planFiles(PROJECT_FILES, { ...defaultAnswers('x'), includeApi, systemd, ci });
          const destinations = planned.map((file) => file.to);
          expect(new Set(destinations).size).toBe(destinations.length);
          expect(destinations.includes('src/x/api.py')).toBe(includeApi);
        }
  });

  it('keeps the dev .env private', () => {
    const env = planFiles(PROJECT_FILES, defaultAnswers('x')).find((file) => file.to === '.env');
    expect(env?.mode).toBe(0o600);
  });
});
