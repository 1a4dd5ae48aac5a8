// Errors the CLI reports as one line with exit code 2 (bad usage or bad input). Anything else
// is a failure of the work itself: exit code 1.
export class UsageError extends Error {
  override name = 'UsageError';
}
