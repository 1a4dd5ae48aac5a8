// What update says: the plan as a table of files, and the summary of what it did. Pure text.
import type { FileChange, UpdatePlan } from './plan.js';

const REASONS: Record<FileChange['reason'], string> = {
  current: 'already current',
  'new-version': 'unchanged by you: new version',
  'yours-kept': 'changed only by you: kept',
  'both-changed': 'changed by you and the template: 3-way merge',
  'base-mismatch': 'base not reproducible: 2-way merge',
  added: 'new in the template',
  'added-over-yours': 'new in the template, you have one: 2-way merge',
  'deleted-by-you': 'deleted by you: stays deleted',
  dropped: 'dropped by the template, unchanged: removed',
  'dropped-changed': 'dropped by the template, changed by you: kept',
  once: 'written once, never touched',
};

function verb(change: FileChange): string {
  if (change.conflicts > 0) return 'conflict';
  if (change.effect === 'delete') return 'delete';
  if (change.effect === 'write') return change.before === undefined ? 'create' : change.reason === 'both-changed' ? 'merge' : 'update';
  return 'keep';
}

/** The files that change, or need the user's attention, one line each. */
export function planLines(plan: UpdatePlan): string[] {
  const shown = plan.changes.filter((change) => change.effect !== 'none' || change.notice);
  const width = Math.max(0, ...shown.map((change) => change.path.length));
  return shown.map((change) => {
    const conflicts = change.conflicts > 0 ? ` (${change.conflicts} conflict${change.conflicts === 1 ? '' : 's'}${change.rej !== undefined ? `, see ${change.path}.rej` : ''})` : '';
    return `  ${verb(change).padEnd(8)} ${change.path.padEnd(width)}  ${REASONS[change.reason]}${conflicts}`;
  });
}

export function planText(plan: UpdatePlan): string {
  const answers = plan.answersChanged.length > 0 ? `, answers changed: ${plan.answersChanged.join(', ')}` : '';
  const lines = [`Update ${plan.fromVersion} → ${plan.toVersion} (owner-aware merge${answers})`];
  if (plan.preset) lines.push(`Preset ${plan.preset.name} ${plan.preset.from ?? '(none)'} → ${plan.preset.to}`);
  const files = planLines(plan);
  lines.push(...(files.length > 0 ? files : ['  nothing to change: the project matches the new version']));
  for (const warning of plan.warnings) lines.push(`warning: ${warning}`);
  for (const change of plan.changes) if (change.notice) lines.push(`note: ${change.path}: ${change.notice}`);
  return lines.join('\n');
}

export const changedFiles = (plan: UpdatePlan): FileChange[] => plan.changes.filter((change) => change.effect !== 'none');
export const conflictedFiles = (plan: UpdatePlan): FileChange[] => plan.changes.filter((change) => change.conflicts > 0);
