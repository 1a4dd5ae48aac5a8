// Building the report from facts, and the decisions made on a finished report (exit codes).
import { SCHEMA_VERSION, type AnalysisInfo, type AuditReport, type Gap, type ProjectFacts, type ProtectionId, type Status } from './model.js';
import { evaluate } from './rules.js';

export const TOOL_NAME = 'hardened-flask audit';

export interface BuildInput {
  root: string;
  version: string;
  facts: ProjectFacts;
  analysis: AnalysisInfo;
}

export function buildReport(input: BuildInput): AuditReport {
  const protections = evaluate(input.facts);
  const count = (status: Status) => protections.filter((p) => p.status === status).length;
  const byFile = (a: { file: string; line?: number }, b: { file: string; line?: number }) =>
    a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) : a.file < b.file ? -1 : 1;
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: input.version },
    root: input.root,
    summary: {
      implemented: count('implemented'),
      partial: count('partial'),
      missing: count('missing'),
      total: protections.length,
    },
    protections,
    analysis: {
      ...input.analysis,
      errors: [...input.analysis.errors].sort(byFile),
      skipped: [...input.analysis.skipped].sort(byFile),
    },
  };
}

export type FailOn = 'missing' | 'partial';

/** 1 when a protection is at or below the threshold (`missing`, or `partial` which includes missing). */
export function exitCodeFor(report: AuditReport, failOn: FailOn | undefined): 0 | 1 {
  if (!failOn) return 0;
  const failing = report.protections.some((p) => p.status === 'missing' || (failOn === 'partial' && p.status === 'partial'));
  return failing ? 1 : 0;
}

export function renderJson(report: AuditReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const RANK = { critical: 4, high: 3, medium: 2, low: 1 } as const;

/**
 * The report's worst findings across the six protections, worst first (ties keep the protections'
 * order): what a reviewer reads first. Low notes are never among them.
 */
export function worstFindings(report: AuditReport, max = 3): (Gap & { protection: ProtectionId })[] {
  return report.protections
    .flatMap((p) => p.missingImplementation.filter((g) => g.severity !== 'low').map((g) => ({ ...g, protection: p.id })))
    .sort((a, b) => RANK[b.severity] - RANK[a.severity])
    .slice(0, max);
}
