// Errors the CLI reports as one line with exit code 2 (bad usage or bad input). Anything else
// is a failure of the work itself: exit code 1.
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A failure of the work (exit 1) that knows what to show under its one line: the failing tool's
 * own last lines (`detail`) and what to do next (`hint`, e.g. the command to retry).
 */
export class WorkError extends Error {
  override name = 'WorkError';
  constructor(
    message: string,
    readonly detail: readonly string[] = [],
    readonly hint?: string,
  ) {
    super(message);
  }
}
