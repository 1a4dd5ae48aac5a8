// The report in each output format, with the policy section when a policy is in force: shared by
// `hardened-flask audit` (command.ts) and `yo hardened-flask:audit` (index.ts).
import { addPolicyToSarif, renderPolicyMarkdown, renderPolicyTable, type PolicySection } from './policy.js';
import { COLOURS, PLAIN, renderMarkdown, renderSarif, renderTable } from './render.js';
import { renderJson } from './report.js';
import type { AuditReport } from './model.js';

export type Format = 'table' | 'md' | 'json' | 'sarif';

export function renderReport(report: AuditReport, format: Format, colour = false): string {
  switch (format) {
    case 'md':
      return renderMarkdown(report);
    case 'json':
      return renderJson(report);
    case 'sarif':
      return renderSarif(report);
    default:
      return renderTable(report, colour ? COLOURS : PLAIN);
  }
}

/** The policy section in the chosen format (JSON carries it as the report's `policy` field). */
export function withPolicy(text: string, format: Format, section: PolicySection | undefined): string {
  if (!section) return text;
  if (format === 'table') return text + renderPolicyTable(section);
  if (format === 'md') return text + renderPolicyMarkdown(section);
  if (format === 'sarif') return addPolicyToSarif(text, section);
  return text;
}
