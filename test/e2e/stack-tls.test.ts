// testssl.sh against the generated nginx site (Mozilla "intermediate") with a throwaway CA:
// no finding of severity MEDIUM or higher. The scan runs on loopback only (--ip 127.0.0.1,
// no DNS look-ups, no phoning out for CRL or OCSP).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, tempDir } from '../support/project.js';
import { type Stack, startGeneratedStack } from '../support/stack.js';
import { missingTools } from '../support/tools.js';

const NAME = 'tls-check';
const DOMAIN = 'tls.example.test';
const SEVERITIES = ['OK', 'INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

interface Finding {
  id: string;
  severity: string;
  finding: string;
}

const missing = missingTools('testssl e2e', ['nginx', 'openssl', 'testssl']);

describe.skipIf(missing.length > 0)('testssl.sh against the generated nginx site', () => {
  let tmp: ReturnType<typeof tempDir>;
  let stack: Stack;
  let findings: Finding[] = [];
  let scanOutput = '';

  beforeAll(async () => {
    tmp = tempDir('hf-tls-');
    ({ stack } = await startGeneratedStack(tmp.dir, NAME, DOMAIN));
    const report = join(tmp.dir, 'testssl.json');
    const scan = await runCommand(
      'testssl',
      [
        '--quiet',
        '--color', '0',
        '--warnings', 'off',
        '--nodns', 'none',
        '--ip', '127.0.0.1',
        '--add-ca', stack.tls.caCertPath,
        '--connect-timeout', '10',
        '--openssl-timeout', '10',
        '--jsonfile', report,
        `https://${DOMAIN}:${stack.httpsPort}/`,
      ],
      { timeout: 600_000, env: { ...process.env, TERM: 'dumb' } },
    );
    scanOutput = scan.stdout + scan.stderr;
    findings = JSON.parse(readFileSync(report, 'utf8')) as Finding[];
  }, 900_000);

  afterAll(async () => {
    await stack?.stop();
    tmp?.cleanup();
  });

  it('completes a scan of the site', () => {
    expect(findings.length, scanOutput).toBeGreaterThan(50);
    expect(findings.find((f) => f.id === 'scanProblem'), scanOutput).toBeUndefined();
  });

  it('reports nothing of severity MEDIUM or higher', () => {
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length]));
    console.info(`testssl findings by severity: ${JSON.stringify(bySeverity)}`);
    const serious = findings.filter((f) => ['MEDIUM', 'HIGH', 'CRITICAL'].includes(f.severity));
    expect(serious.map((f) => `${f.severity} ${f.id}: ${f.finding}`)).toEqual([]);
  });

  it('sees the intended protocols, trust and HSTS', () => {
    const byId = (id: string) => findings.find((f) => f.id === id);
    for (const old of ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1']) expect(byId(old)?.finding, old).toMatch(/not offered/);
    expect(byId('TLS1_2')?.finding).toMatch(/^offered/);
    expect(byId('TLS1_3')?.finding).toMatch(/^offered/);
    expect(byId('cert_chain_of_trust')?.severity).toBe('OK');
    expect(byId('HSTS_time')?.severity).toBe('OK');
  });
});
