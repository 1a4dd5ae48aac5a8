// `yo hardened-flask:audit [dir]`: the thin Yeoman front door logs the same report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import helpers from 'yeoman-test';
import AuditGenerator from '../../generators/audit/index.js';
import { copyFixture, treeChecksums } from '../fixtures/audit/support.js';

interface LogSpy {
  mock: { calls: { arguments: unknown[] }[] };
}

async function runAudit(dir: string, options: Record<string, unknown> = {}) {
  const result = await helpers
    .run(AuditGenerator as never, { namespace: 'hardened-flask:audit' })
    .withArguments([dir])
    .withOptions(options as never);
  const log = (result.env.adapter as unknown as { log: LogSpy }).log;
  return log.mock.calls.map((call) => call.arguments.map(String).join(' '));
}

describe('yo hardened-flask:audit', () => {
  let copy: { dir: string; cleanup: () => void };
  beforeAll(() => {
    copy = copyFixture('half-hardened');
  });
  afterAll(() => copy.cleanup());

  it('logs the table for the folder given', async () => {
    const before = treeChecksums(copy.dir);
    const text = (await runAudit(copy.dir)).join('\n');
    expect(text).toMatch(/2 of 6 protections implemented, 4 partial, 0 missing/);
    expect(text).toMatch(/Missing implementation/);
    expect(treeChecksums(copy.dir)).toEqual(before);
  });

  it('takes --format', async () => {
    const lines = await runAudit(copy.dir, { format: 'json' });
    const json = lines.find((line) => line.startsWith('{'))!;
    expect(JSON.parse(json).summary).toEqual({ implemented: 2, partial: 4, missing: 0, total: 6 });
  });

  it('sets a failing exit code with --fail-on', async () => {
    const previous = process.exitCode;
    try {
      await runAudit(copy.dir, { failOn: 'partial' });
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = previous;
    }
  });
});
