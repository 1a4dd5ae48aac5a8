// `yo hardened-flask:audit [dir]`: the same read-only audit as `hardened-flask audit`, for Yeoman
// users. Thin: the analysis is auditProject(), the output renderReport().
import { resolve } from 'node:path';
import Generator from 'yeoman-generator';
import { AuditInputError, toolVersion } from './audit.js';
import { renderReport, withPolicy, type Format } from './output.js';
import { auditWithPolicy } from './policy-source.js';
import { AnalyserUnavailable } from './python.js';
import { exitCodeFor, type FailOn } from './report.js';

const FORMATS: readonly Format[] = ['table', 'md', 'json', 'sarif'];

export default class AuditGenerator extends Generator {
  constructor(args: string[], options: Record<string, unknown>) {
    super(args, options as never);
    this.argument('dir', { type: String, required: false, description: 'The Flask project to audit (default: the current folder)' });
    this.option('format', { type: String, description: 'table (default), md, json or sarif' });
    this.option('fail-on', { type: String, description: 'missing or partial: fail when a protection is at or below it' });
    this.option('policy', { type: String, description: "a preset's policy to check (default: the preset the project records); any violation fails" });
  }

  async audit(): Promise<void> {
    const options = this.options as Record<string, unknown>;
    const dir = resolve(this.env.cwd, (options['dir'] as string | undefined) ?? '.');
    const format = ((options['format'] as string | undefined) ?? 'table') as Format;
    if (!FORMATS.includes(format)) throw new Error(`--format must be one of ${FORMATS.join(', ')}`);
    const failOn = options['failOn'] ?? options['fail-on'];
    if (failOn !== undefined && failOn !== 'missing' && failOn !== 'partial') throw new Error('--fail-on must be missing or partial');
    let text: string;
    let failed: boolean;
    try {
      // `--no-policy` arrives as policy: false.
      const policy = options['policy'] === false ? false : (options['policy'] as string | undefined);
      const { report, section } = await auditWithPolicy(dir, policy, toolVersion());
      text = withPolicy(renderReport(report, format, false), format, section);
      failed = exitCodeFor(report, failOn as FailOn | undefined) === 1 || (section?.violations.length ?? 0) > 0;
    } catch (error) {
      if (error instanceof AuditInputError || error instanceof AnalyserUnavailable || (error as Error)?.name === 'AnswerError') throw new Error((error as Error).message);
      throw error;
    }
    this.log(text.trimEnd());
    if (failed) process.exitCode = 1;
  }
}
