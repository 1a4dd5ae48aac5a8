import { describe, expect, it } from 'vitest';
import { installSteps, retryHint, shellWord } from '../../generators/lib/install.js';

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
