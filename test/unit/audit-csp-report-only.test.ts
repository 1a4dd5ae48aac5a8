// A report-only Content-Security-Policy blocks nothing, so the audit must not call the headers
// protection implemented while the app (or Talisman) only reports: the retrofit starts strict CSP
// report-only where inline handlers would break, and the verdict after it has to say so.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditProject } from '../../generators/audit/audit.js';
import { tempDir } from '../support/project.js';

const tmp = tempDir('hf-csp-report-only-');
afterAll(() => tmp.cleanup());

const app = (lines: string) => `import os

from flask import Flask
from flask_talisman import Talisman

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
${lines}


@app.route("/")
def index():
    return "hello"
`;
const POLICY = `content_security_policy={"default-src": "'none'", "script-src": "'self'"}`;

let count = 0;
async function headersOf(source: string) {
  const dir = join(tmp.dir, `p${count++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'app.py'), source);
  const report = await auditProject(dir);
  return report.protections.find((p) => p.id === 'headers')!;
}

describe('a report-only CSP', () => {
  it('is a medium gap when the production config sets CSP_REPORT_ONLY = True', async () => {
    const headers = await headersOf(app(`app.config["CSP_REPORT_ONLY"] = True\nTalisman(app, ${POLICY})`));
    expect(headers.status).toBe('partial');
    const gap = headers.missingImplementation.find((g) => g.rule === 'headers/csp-report-only');
    expect(gap?.severity).toBe('medium');
    expect(gap?.locations).toEqual([{ file: 'app.py', line: 8 }]);
    // the control says what is there, without claiming an enforced policy
    expect(headers.currentlyImplemented.map((c) => c.description)).toContain('Strict Content-Security-Policy, sent report-only');
  });

  it("is a medium gap when Talisman is told content_security_policy_report_only=True", async () => {
    const headers = await headersOf(app(`Talisman(app, ${POLICY}, content_security_policy_report_only=True)`));
    expect(headers.status).toBe('partial');
    expect(headers.missingImplementation.map((g) => `${g.rule}:${g.severity}`)).toEqual(['headers/csp-report-only:medium']);
  });

  it('is no gap when the setting is off, or only on in a development config', async () => {
    const off = await headersOf(app(`app.config["CSP_REPORT_ONLY"] = False\nTalisman(app, ${POLICY})`));
    expect(off.status).toBe('implemented');
    expect(off.currentlyImplemented.map((c) => c.description)).toContain('Strict Content-Security-Policy');
    const dev = await headersOf(
      app(`Talisman(app, ${POLICY})\n\n\nclass DevelopmentConfig:\n    DEBUG = True\n    CSP_REPORT_ONLY = True`),
    );
    expect(dev.missingImplementation.map((g) => g.rule)).not.toContain('headers/csp-report-only');
  });
});
