// The report in each output format: a terminal table, Markdown, and SARIF 2.1.0. Pure string
// building; the command decides where the text goes and whether colour is on.
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { PROTECTIONS, RULES } from './catalog.js';
import type { AuditReport, Gap, Location, ProtectionReport, Severity, Status } from './model.js';
import { worstFindings } from './report.js';

const SHORT_TITLES: Record<string, string> = {
  debug: 'Debug off outside development',
  'wsgi-server': 'Production WSGI server',
  'secret-key': 'Secret key from the environment',
  csrf: 'CSRF protection',
  templating: 'Safe templating',
  headers: 'Security headers',
};

export const where = (l: Location): string => `${l.file}:${l.line}`;

function locations(list: readonly Location[], max: number): string {
  if (list.length === 0) return '';
  const shown = list.slice(0, max).map(where).join(', ');
  return list.length > max ? `${shown} (+${list.length - max} more)` : shown;
}

// ---------------------------------------------------------------------------------------------
// Terminal

export interface Palette {
  status(status: Status, text: string): string;
  severity(severity: Severity, text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

const ansi = (code: string) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
export const COLOURS: Palette = {
  status: (status, text) => (status === 'implemented' ? ansi('32') : status === 'partial' ? ansi('33') : ansi('31'))(text),
  severity: (severity, text) => (severity === 'critical' || severity === 'high' ? ansi('31') : severity === 'medium' ? ansi('33') : ansi('2'))(text),
  bold: ansi('1'),
  dim: ansi('2'),
};
export const PLAIN: Palette = { status: (_s, t) => t, severity: (_s, t) => t, bold: (t) => t, dim: (t) => t };

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));

function gapCount(p: ProtectionReport): string {
  const open = p.missingImplementation.filter((g) => g.severity !== 'low');
  if (open.length === 0) return '-';
  const worst = open[0]!.severity;
  return `${open.length} (worst ${worst})`;
}

export function renderTable(report: AuditReport, palette: Palette = PLAIN): string {
  const out: string[] = [];
  const { summary } = report;
  out.push(palette.bold(`${report.tool.name}: ${report.root}`));
  out.push(`${summary.implemented} of ${summary.total} protections implemented, ${summary.partial} partial, ${summary.missing} missing`);
  const worst = worstFindings(report);
  if (worst.length > 0) {
    out.push('', palette.bold('Worst findings'));
    for (const g of worst) {
      const at = locations(g.locations, 1);
      out.push(`   ${palette.severity(g.severity, pad(g.severity, 8))} ${g.description}${at ? ` ${palette.dim(`[${at}]`)}` : ''}`);
    }
  }
  out.push('');
  const rows = report.protections.map((p) => [
    String(p.number),
    SHORT_TITLES[p.id] ?? p.title,
    p.status,
    locations(p.currentlyImplemented.flatMap((c) => c.evidence), 1) || '-',
    gapCount(p),
  ]);
  const header = ['#', 'Protection', 'Status', 'Evidence', 'Gaps'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  out.push(palette.bold(header.map((h, i) => pad(h, widths[i]!)).join('  ').trimEnd()));
  report.protections.forEach((p, index) => {
    const cells = rows[index]!.map((cell, i) => pad(cell, widths[i]!));
    cells[2] = palette.status(p.status, cells[2]!);
    out.push(cells.join('  ').trimEnd());
  });

  const withGaps = report.protections.filter((p) => p.missingImplementation.length > 0);
  if (withGaps.length > 0) {
    out.push('', palette.bold('Missing implementation'));
    for (const p of withGaps) {
      out.push(`${p.number}. ${SHORT_TITLES[p.id] ?? p.title} (${palette.status(p.status, p.status)})`);
      for (const g of p.missingImplementation) {
        const at = locations(g.locations, 3);
        out.push(`   ${palette.severity(g.severity, pad(g.severity, 8))} ${g.description}${at ? ` ${palette.dim(`[${at}]`)}` : ''}`);
        out.push(`            ${palette.dim(`fix: ${g.fix}`)}`);
      }
    }
  }
  const { analysis } = report;
  out.push('');
  out.push(
    palette.dim(
      `${analysis.filesSeen} files seen: ${analysis.pythonFiles} Python, ${analysis.templateFiles} templates, ${analysis.deployFiles} deploy/config; ` +
        `templates parsed with ${analysis.templateParser}.`,
    ),
  );
  for (const e of analysis.errors) out.push(palette.dim(`could not analyse ${e.file}:${e.line}: ${e.message}`));
  const outside = analysis.skipped.filter((s) => s.reason.includes('leaving the tree'));
  if (analysis.skipped.length > 0) {
    out.push(palette.dim(`${analysis.skipped.length} paths skipped${outside.length ? ` (${outside.length} symlinks leaving the tree)` : ''}; --format json lists them.`));
  }
  for (const note of analysis.notes) out.push(palette.dim(`note: ${note}`));
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Markdown

const mdCell = (text: string) => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);
const mdText = (text: string) => text.replace(/([<>])/g, '\\$1');

export function renderMarkdown(report: AuditReport): string {
  const out: string[] = [];
  const { summary } = report;
  const name = report.root.split(/[\\/]/).filter(Boolean).pop() ?? report.root;
  out.push(`# Flask security audit: ${mdText(name)}`, '');
  out.push(
    `**${summary.implemented} of ${summary.total}** protections implemented, ${summary.partial} partial, ${summary.missing} missing ` +
      `(${report.tool.name} ${report.tool.version}, schema ${report.schemaVersion}).`,
    '',
  );
  out.push('| # | Protection | Status | Open gaps |', '|---|---|---|---|');
  for (const p of report.protections) out.push(`| ${p.number} | ${mdCell(p.title)} | **${p.status}** | ${mdCell(gapCount(p))} |`);
  for (const p of report.protections) {
    out.push('', `## ${p.number}. ${mdText(p.title)}: ${p.status}`, '');
    out.push(`**Mitigation strategy.** ${mdText(p.mitigationStrategy)}`, '');
    out.push('**Threats mitigated.**', '');
    for (const t of p.threats) out.push(`- ${mdText(t.name)} (${t.severity})`);
    out.push('', `**Impact.** ${mdText(p.impact)}`, '');
    out.push('**Currently implemented.**', '');
    if (p.currentlyImplemented.length === 0) out.push('- Nothing found.');
    for (const c of p.currentlyImplemented) {
      const at = c.evidence.slice(0, 6).map((l) => code(where(l))).join(', ');
      const more = c.evidence.length > 6 ? ` and ${c.evidence.length - 6} more` : '';
      out.push(`- ${mdText(c.description)}${at ? `: ${at}${more}` : ''}`);
    }
    out.push('', '**Missing implementation.**', '');
    if (p.missingImplementation.length === 0) out.push('- None.');
    for (const g of p.missingImplementation) {
      const at = g.locations.slice(0, 6).map((l) => code(where(l))).join(', ');
      const more = g.locations.length > 6 ? ` and ${g.locations.length - 6} more` : '';
      out.push(`- **${g.severity}** ${mdText(g.description)}${at ? ` (${at}${more})` : ''} ${code(g.rule)}  `);
      out.push(`  Fix: ${mdText(g.fix)}`);
    }
  }
  const { analysis } = report;
  out.push('', '## Analysis', '');
  out.push(
    `- ${analysis.filesSeen} files seen: ${analysis.pythonFiles} Python, ${analysis.templateFiles} templates, ` +
      `${analysis.deployFiles} deploy and configuration files; Python ${analysis.python ?? 'unknown'}; templates parsed with ${analysis.templateParser}.`,
  );
  for (const e of analysis.errors) out.push(`- Could not analyse ${code(`${e.file}:${e.line}`)}: ${mdText(e.message)}`);
  for (const s of analysis.skipped.slice(0, 50)) out.push(`- Skipped ${code(s.file)}: ${mdText(s.reason)}`);
  if (analysis.skipped.length > 50) out.push(`- ... and ${analysis.skipped.length - 50} more skipped paths.`);
  for (const note of analysis.notes) out.push(`- Note: ${mdText(note)}`);
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };
export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

const camel = (id: string) =>
  id
    .split(/[/-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

export function renderSarif(report: AuditReport): string {
  const ruleIndex = new Map(RULES.map((r, i) => [r.id, i]));
  const allEvidence = report.protections.flatMap((p) => p.currentlyImplemented.flatMap((c) => c.evidence));
  const results = report.protections.flatMap((p) =>
    p.missingImplementation.map((g) => {
      // Code scanning needs a location for every result: a gap about something absent points at
      // the protection's own evidence, else at any file the audit relied on.
      const anchor = g.locations[0] ?? p.currentlyImplemented.flatMap((c) => c.evidence)[0] ?? allEvidence[0] ?? report.analysis.errors[0];
      return sarifResult(p, g, anchor, ruleIndex.get(g.rule) ?? 0);
    }),
  );
  const sarif = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'hardened-flask-audit',
            fullName: `${report.tool.name} ${report.tool.version}`,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            rules: RULES.map((r) => {
              const protection = PROTECTIONS.find((p) => p.id === r.protection)!;
              return {
                id: r.id,
                name: camel(r.id),
                shortDescription: { text: r.title },
                fullDescription: { text: `${r.title}. Protection ${protection.number}: ${protection.title}.` },
                help: { text: r.fix, markdown: `**Fix.** ${r.fix}` },
                defaultConfiguration: { level: LEVEL[r.severity] },
                properties: {
                  tags: ['security', `protection-${protection.number}`, protection.id],
                  precision: 'medium',
                  'security-severity': SECURITY_SEVERITY[r.severity],
                },
              };
            }),
          },
        },
        originalUriBaseIds: { PROJECTROOT: { uri: pathToFileURL(report.root.endsWith('/') ? report.root : `${report.root}/`).href } },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: report.analysis.errors.map((e) => ({
              level: 'warning',
              message: { text: `Could not analyse ${e.file}: ${e.message}` },
              locations: [physical({ file: e.file, line: e.line })],
            })),
          },
        ],
        results,
        properties: {
          schemaVersion: report.schemaVersion,
          summary: report.summary,
          protections: report.protections.map((p) => ({ id: p.id, number: p.number, status: p.status })),
        },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

function physical(l: Location) {
  return {
    physicalLocation: {
      artifactLocation: { uri: encodeURI(l.file), uriBaseId: 'PROJECTROOT' },
      region: { startLine: Math.max(1, l.line) },
    },
  };
}

function sarifResult(p: ProtectionReport, g: Gap, anchor: Location | undefined, index: number) {
  const fingerprint = createHash('sha256').update(`${g.rule}|${g.description}|${g.locations.map(where).join(',')}`).digest('hex').slice(0, 32);
  return {
    ruleId: g.rule,
    ruleIndex: index,
    level: LEVEL[g.severity],
    message: { text: `${g.description} Fix: ${g.fix}` },
    locations: anchor ? [physical(anchor)] : [],
    ...(g.locations.length > 1 ? { relatedLocations: g.locations.slice(1).map((l, i) => ({ id: i + 1, ...physical(l) })) } : {}),
    partialFingerprints: { 'hardenedFlaskAudit/v1': fingerprint },
    properties: { severity: g.severity, protection: p.id, protectionStatus: p.status, 'security-severity': SECURITY_SEVERITY[g.severity] },
  };
}
