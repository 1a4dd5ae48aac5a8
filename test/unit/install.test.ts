import { describe, expect, it } from 'vitest';
import { installSteps, lastLines, retryHint, shellWord } from '../../generators/lib/install.js';

describe('the install retry hint', () => {
  it('quotes what a shell would expand', () => {
    expect(shellWord('.[dev]')).toBe("'.[dev]'");
    expect(shellWord('/tmp/my project')).toBe("'/tmp/my project'");
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(shellWord('.venv/bin/pip')).toBe('.venv/bin/pip');
  });
  it('resumes from the failed step', () => {
    const steps = installSteps();
    expect(retryHint('/srv/x', steps.slice(2))).toBe("cd /srv/x && .venv/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'");
  });
});

describe("a failing tool's own words", () => {
  it('keeps the last non-empty lines, in order', () => {
    const pip = ['Collecting flask', '', 'ERROR: No matching distribution found for flask>=99', 'note: see above', ''].join('\n');
    expect(lastLines(pip, 2)).toEqual(['ERROR: No matching distribution found for flask>=99', 'note: see above']);
    expect(lastLines('a\r\nb\r\n')).toEqual(['a', 'b']);
  });
});
