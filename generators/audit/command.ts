// `hardened-flask audit [dir]`: flags, output and exit code. Deliberately free of Yeoman imports
// so the command starts fast, and light at the top: the arguments are parsed and the Python
// helper started (python.ts) before the audit's own modules are loaded, so the interpreter's
// start-up overlaps their loading and the walk.
import { promises as fs } from 'node:fs';
import type { AuditReport } from './model.js';
import type { Format } from './output.js';
import type { PolicySection } from './policy.js';
import { AnalyserUnavailable, startAnalyser, type Analyser } from './python.js';
import type { FailOn } from './report.js';

export type { Format } from './output.js';

export const auditCommandHelp = `Usage: hardened-flask audit [dir] [options]

Audit an existing Flask project for the six protections of a hardened service (debug off,
production WSGI server, secret key from the environment, CSRF, safe templating, security
headers) and report each as implemented, partial or missing, with file:line evidence, the
threats it mitigates and the fix for what is missing.

The audit is read-only: it never writes into the project and never imports or runs its code
(Python files are parsed with Python's ast module, templates with jinja2's parser).

Arguments:
  dir                       the project folder (default: the current folder)

Options:
  --format <format>         table (default; colour only on a terminal), md, json (stable
                            schema, see generators/audit/README.md) or sarif (SARIF 2.1.0,
                            for code-scanning upload)
  --fail-on <level>         exit 1 when a protection is "missing", or with "partial" when one
                            is partial or missing (for CI)
  --output <file>           write the report to <file> instead of standard output
  --policy <preset>         check a preset's policy too (a preset file, folder or installed
                            package); without it, the policy of the preset the project
                            records in .yo-rc.json. Any violation exits 1, whatever --fail-on
  --no-policy               ignore the recorded preset's policy
  --debug                   show a stack trace on unexpected errors
  -h, --help                show this help
  -v, --version             show the version

Exit codes: 0 audit done, 1 --fail-on threshold reached or a policy violated, 2 bad usage or
bad input.
Environment: HARDENED_FLASK_PYTHON names the Python interpreter (default: python3).
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface AuditArgs {
  dir: string;
  format: Format;
  failOn?: FailOn;
  output?: string;
  policy?: string;
  noPolicy?: boolean;
  help: boolean;
  version: boolean;
  debug: boolean;
}

const FORMATS: Record<string, Format> = { table: 'table', text: 'table', md: 'md', markdown: 'md', json: 'json', sarif: 'sarif' };

/** Parses the command's own arguments; throws UsageError with a one-line reason. */
export function parseAuditArgs(argv: readonly string[]): AuditArgs {
  const args: AuditArgs = { dir: '.', format: 'table', help: false, version: false, debug: false };
  const positionals: string[] = [];
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (onlyPositionals || !arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) throw new UsageError(`${name} needs a value`);
      i++;
      return next;
    };
    switch (name) {
      case '-h':
      case '--help':
        args.help = true;
        break;
      case '--debug':
        args.debug = true;
        break;
      case '-v':
      case '--version':
        args.version = true;
        break;
      case '-f':
      case '--format': {
        const v = value();
        const format = FORMATS[v.toLowerCase()];
        if (!format) throw new UsageError(`--format must be table, md, json or sarif (got "${v}")`);
        args.format = format;
        break;
      }
      case '--fail-on': {
        const v = value().toLowerCase();
        if (v !== 'missing' && v !== 'partial') throw new UsageError(`--fail-on must be missing or partial (got "${v}")`);
        args.failOn = v;
        break;
      }
      case '-o':
      case '--output': {
        const v = value();
        if (!v.trim()) throw new UsageError('--output needs a file name');
        args.output = v;
        break;
      }
      case '--policy': {
        const v = value();
        if (!v.trim()) throw new UsageError('--policy needs a preset file, folder or package name');
        args.policy = v;
        break;
      }
      case '--no-policy':
        args.noPolicy = true;
        break;
      default:
        throw new UsageError(`unknown option ${name}; see hardened-flask audit --help`);
    }
  }
  if (positionals.length > 1) throw new UsageError(`audit takes one folder, got ${positionals.length}: ${positionals.join(' ')}`);
  if (positionals[0] !== undefined) args.dir = positionals[0];
  if (args.policy !== undefined && args.noPolicy) throw new UsageError('--policy and --no-policy cannot be used together');
  return args;
}

export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether standard output is a terminal (colour for the table). */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

const processIO = (): CommandIO => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  env: process.env,
});

/** Runs the audit command; resolves to the exit code (0 ok, 1 --fail-on reached, 2 bad usage/input). */
export async function auditCommand(argv: string[], io: CommandIO = processIO()): Promise<number> {
  let args: AuditArgs;
  try {
    args = parseAuditArgs(argv);
  } catch (error) {
    io.stderr(`hardened-flask audit: ${(error as Error).message}\n`);
    return 2;
  }
  if (args.help) {
    io.stdout(auditCommandHelp);
    return 0;
  }
  if (args.version) {
    io.stdout(`${(await import('./audit.js')).toolVersion()}\n`);
    return 0;
  }
  const analyser = startAnalyser(io.env);
  try {
    return await runAudit(args, io, analyser);
  } finally {
    analyser.cancel(); // a no-op once the audit sent its request
  }
}

async function runAudit(args: AuditArgs, io: CommandIO, analyser: Analyser): Promise<number> {
  const [{ AuditInputError, toolVersion }, { auditWithPolicy }, { renderReport, withPolicy }, { exitCodeFor }] = await Promise.all([
    import('./audit.js'),
    import('./policy-source.js'),
    import('./output.js'),
    import('./report.js'),
  ]);
  let report: AuditReport;
  let section: PolicySection | undefined;
  try {
    ({ report, section } = await auditWithPolicy(args.dir, args.noPolicy ? false : args.policy, toolVersion(), { env: io.env, analyser }));
  } catch (error) {
    if (error instanceof AuditInputError || error instanceof AnalyserUnavailable || (error as Error).name === 'AnswerError') {
      io.stderr(`hardened-flask audit: ${(error as Error).message}\n`);
    } else {
      io.stderr(`hardened-flask audit: unexpected error: ${(error as Error).message ?? String(error)}${args.debug ? '' : ' (run again with --debug for details)'}\n`);
      if (args.debug) io.stderr(`${(error as Error).stack ?? ''}\n`);
    }
    return 2;
  }
  const colour = args.format === 'table' && !args.output && io.isTTY && !io.env.NO_COLOR && io.env.TERM !== 'dumb';
  const text = withPolicy(renderReport(report, args.format, colour), args.format, section);
  if (args.output) {
    try {
      await fs.writeFile(args.output, text);
    } catch (error) {
      io.stderr(`hardened-flask audit: cannot write ${args.output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      return 2;
    }
    const s = report.summary;
    const violated = section ? `; ${section.violations.length} policy violation${section.violations.length === 1 ? '' : 's'}` : '';
    io.stderr(`hardened-flask audit: ${s.implemented} of ${s.total} implemented, ${s.partial} partial, ${s.missing} missing${violated}; report written to ${args.output}\n`);
  } else {
    io.stdout(text);
  }
  // With a policy in force, a violation fails the gate whatever --fail-on says.
  if (section && section.violations.length > 0) return 1;
  return exitCodeFor(report, args.failOn);
}
