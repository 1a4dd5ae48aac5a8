// What the audit judges: the application's own code and deploy files. Test code and vendored or
// minified assets are excluded from every rule by this one predicate, so a test that switches a
// protection off to prove it fails, or a minified bundle's `$.post`, is never taken for the app.
// Pure: decided from the path (and, for scripts, the text) alone.

export type Exclusion = 'test code' | 'vendored or minified asset';

const TEST_DIRS = /^(tests?|testing|spec|specs|test_?suite|e2e|functional_tests|integration_tests)$/i;
const TEST_FILE = /^(test_.*|.*_tests?|conftest|tests?)\.py$/i;
const VENDOR_DIRS = new Set(['vendor', 'vendors', 'vendored', 'third_party', 'thirdparty', 'third-party', 'external', 'bower_components', 'node_modules', 'dist', 'build', 'libs', 'lib']);
const MINIFIED_NAME = /[.-](min|bundle|pack|prod|chunk)\.(m?js|css)$|\.[0-9a-f]{8,}\.(m?js|css)$/i;
const ASSET = /\.(m?js|css|map)$/i;

/** Why a path is outside the audit's judgement, or null when it is the project's own code. */
export function excludedAs(path: string): Exclusion | null {
  const segments = path.split('/');
  const base = segments[segments.length - 1]!;
  const dirs = segments.slice(0, -1);
  if (dirs.some((d) => TEST_DIRS.test(d)) || TEST_FILE.test(base)) return 'test code';
  if (ASSET.test(base) && (MINIFIED_NAME.test(base) || dirs.some((d) => VENDOR_DIRS.has(d.toLowerCase())))) {
    return 'vendored or minified asset';
  }
  return null;
}

/** Minified text whatever its name: long lines make up most of it (a bundle renamed app.js). */
export function looksMinified(text: string): boolean {
  if (text.length < 2000) return false;
  const lines = text.split('\n');
  const long = lines.filter((l) => l.length > 500).reduce((n, l) => n + l.length, 0);
  return long > text.length / 2;
}

export const isExcluded = (path: string): boolean => excludedAs(path) !== null;
