// A retrofit whose CSP starts report-only (legacy-inline: inline handlers, style=""): the added
// nginx site sends the same policy as Content-Security-Policy-Report-Only, never an enforcing one
// the app does not send, and the project's own deploy check compares nginx's report-only header
// with the app's — it passes as generated and fails when the header is removed, renamed to the
// enforcing one, or widened. Served for real behind nginx and gunicorn when nginx is installed.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePython, fixtureRepo, pytest, retrofitJson, startRetrofitStack } from '../support/retrofit.js';
import type { Stack } from '../support/stack.js';
import { missingTools } from '../support/tools.js';

const DOMAIN = 'localhost';
const DEPLOY_CHECK = 'test_the_projects_deploy_files_weaken_nothing';

let python: string;
let repo: ReturnType<typeof fixtureRepo>;
let name: string;

beforeAll(async () => {
  python = await fixturePython();
  repo = fixtureRepo('legacy-inline');
  name = basename(repo.dir);
  const { result, summary } = await retrofitJson(repo.dir, python, '--yes', '--skip-install', '--no-tests');
  expect(result.exitCode, result.stderr).toBe(0);
  expect(summary.cspReportOnly).toBe(true);
});
afterAll(() => repo?.cleanup());

const snippet = () => join(repo.dir, 'deploy', 'nginx', `${name}-security-headers.conf`);
const site = () => join(repo.dir, 'deploy', 'nginx', `${name}.conf`);

async function deployCheck(): Promise<{ passed: boolean; output: string }> {
  const run = await pytest(repo.dir, python, 'tests/test_hardening.py', '-k', DEPLOY_CHECK);
  expect(run.stdout).toMatch(/\b1 (passed|failed)\b/);
  return { passed: run.exitCode === 0, output: run.stdout };
}

/** Applies one edit to a deploy file, runs the check, and puts the file back. */
async function withEdit(file: string, from: RegExp, to: string): Promise<{ passed: boolean; output: string }> {
  const original = readFileSync(file, 'utf8');
  const changed = original.replace(from, to);
  expect(changed, `${from} not found in ${file}`).not.toBe(original);
  writeFileSync(file, changed);
  try {
    return await deployCheck();
  } finally {
    writeFileSync(file, original);
  }
}

describe('a report-only retrofit: nginx reports only too, and the deploy check holds it to that', () => {
  it('generates a report-only nginx policy, the app\'s, with its report-uri', () => {
    const headers = readFileSync(snippet(), 'utf8');
    expect(headers).toMatch(/^add_header Content-Security-Policy-Report-Only \$\w+_csp always;$/m);
    expect(headers).not.toMatch(/^add_header Content-Security-Policy /m);
    const conf = readFileSync(site(), 'utf8');
    expect(conf).toMatch(/^map \$upstream_http_content_security_policy_report_only \$\w+_csp \{\n\s+"" "default-src 'none'; script-src 'self';[^"]*; report-uri \/csp-report";/m);
    expect(conf).toContain('proxy_hide_header Content-Security-Policy-Report-Only;');
  });

  it('passes the project\'s deploy check as generated', async () => {
    const check = await deployCheck();
    expect(check.passed, check.output).toBe(true);
  });

  it.each([
    ['the report-only header removed', snippet, /^add_header Content-Security-Policy-Report-Only .*\n/m, '', 'sends no Content-Security-Policy-Report-Only'],
    ['an enforcing header instead of the report-only one', snippet, /Content-Security-Policy-Report-Only/, 'Content-Security-Policy', 'sends no Content-Security-Policy-Report-Only'],
    ['script-src widened in nginx\'s own policy', site, /script-src 'self';/, "script-src 'self' 'unsafe-inline';", "Content-Security-Policy-Report-Only: script-src allows 'unsafe-inline'"],
    ['the report-uri dropped from nginx\'s own policy', site, /; report-uri \/csp-report"/, '"', 'Content-Security-Policy-Report-Only: no report-uri'],
  ])('fails with %s', async (_label, file, from, to, says) => {
    const check = await withEdit(file(), from, to);
    expect(check.passed, check.output).toBe(false);
    expect(check.output).toContain(says);
  });

  const missing = missingTools('report-only retrofit behind nginx', ['nginx', 'openssl']);

  describe.skipIf(missing.length > 0)('served behind the generated nginx and gunicorn', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startRetrofitStack(repo.dir, python, DOMAIN);
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it('sends the app\'s report-only policy (with its nonce) on pages, and no enforcing one', async () => {
      const page = await stack.https('/');
      expect(page.status, stack.gunicorn.output()).toBe(200);
      expect(page.headers['content-security-policy']).toBeUndefined();
      const policy = String(page.headers['content-security-policy-report-only']);
      // The app's policy, widened by the CDN the page loads from (CSP_EXTRA_SOURCES).
      expect(policy).toMatch(/script-src 'self' https:\/\/cdn\.jsdelivr\.net 'nonce-[\w+/=-]+'/);
      expect(policy).toContain('report-uri /csp-report');
      // The nonce the page's own inline script carries is the header's.
      const nonce = /'nonce-([^']+)'/.exec(policy)![1]!;
      expect(page.body).toContain(`nonce="${nonce}"`);
    });

    it('sends nginx\'s own report-only policy on responses nginx makes itself', async () => {
      const missingFile = await stack.https('/static/no-such-file.css');
      expect(missingFile.status).toBe(404);
      expect(missingFile.headers['content-security-policy']).toBeUndefined();
      expect(missingFile.headers['content-security-policy-report-only']).toMatch(/^default-src 'none'; script-src 'self'; .*; report-uri \/csp-report$/);
    });
  });
});
