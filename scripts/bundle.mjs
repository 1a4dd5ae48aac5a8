// Bundles the `new` path (yeoman-environment, yeoman-generator, the app generator) into one
// file, dist/bundle/new-command.js: one module to load instead of ~2,000 small ones.
// Prettier and execa stay external: they are imported lazily, only when formatting/installing.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

/**
 * yeoman-environment and yeoman-generator read their own package.json relative to their own
 * file at run time. In a bundle every module shares the bundle's location, so those reads are
 * replaced with the JSON they would have read.
 */
const ownPackageJsonReads = {
  name: 'inline-own-package-json',
  setup(build) {
    build.onLoad({ filter: /node_modules[\\/]yeoman-(environment|generator)[\\/]dist[\\/].*\.js$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      const packageDir = args.path.slice(0, args.path.lastIndexOf('/dist/'));
      const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
      const literal = JSON.stringify({ name: pkg.name, version: pkg.version });
      const before = source;
      source = source
        .replace(/JSON\.parse\(readFileSync\(pathJoin\(_dirname, '\.\.\/package\.json'\), 'utf8'\)\)/, literal)
        .replace(/require\('\.\.\/package\.json'\)/, literal)
        .replace(/JSON\.parse\(readFileSync\(join\(PROJECT_ROOT, 'package\.json'\)\)\.toString\(\)\)/, literal);
      if (source !== before) return { contents: source, loader: 'js', resolveDir: dirname(args.path) };
      return undefined;
    });
  },
};

await build({
  entryPoints: ['dist/generators/new-command.js'],
  outfile: 'dist/bundle/new-command.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['prettier', 'execa'],
  // CommonJS dependencies inside an ESM bundle need a real `require`, `__filename` and `__dirname`.
  banner: {
    js: [
      "import { createRequire as __bundleRequire } from 'node:module';",
      "import { fileURLToPath as __bundlePath } from 'node:url';",
      'const require = __bundleRequire(import.meta.url);',
      'const __filename = __bundlePath(import.meta.url);',
      "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
    ].join(' '),
  },
  plugins: [ownPackageJsonReads],
  logLevel: 'warning',
  legalComments: 'none',
});
