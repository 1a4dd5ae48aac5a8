// Bundles the `new` path (yeoman-environment, yeoman-generator, the app generator) into
// dist/bundle/new-command.js: one module to load instead of ~2,000 small ones. Parts of Yeoman
// that a `new` run never reaches on its usual path (the prompt library when every answer is
// given, installing generators from npm, git, npm registry look-ups) are split into chunks of
// their own and loaded on first use (`lazyModules` below), so a run does not parse and evaluate
// several megabytes it does not need.
// BUNDLE_META=file writes esbuild's metafile there and BUNDLE_SOURCEMAP=1 adds source maps, to see
// what a chunk holds and to profile the bundle by original package.
import { readFileSync, writeFileSync } from 'node:fs';
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

/**
 * Modules replaced by a stand-in that loads the real one (`REAL`) on first use: with a dynamic
 * import, so that esbuild puts the real module and everything only it needs into a chunk, or
 * for synchronous APIs with `require`.
 * Each stand-in keeps the export's shape as its importers use it (checked against the pinned
 * versions: yeoman-environment ~6.3, yeoman-generator ~8.4, @yeoman/adapter).
 * `specifier` is matched against the import as written, `importer` limits a row to imports made
 * from that package's files.
 */
const lazyModules = [
  {
    // The terminal adapter builds its inquirer prompt module in its constructor; inquirer (with
    // rxjs, the editor prompt and its encodings) is only needed once a question is asked.
    specifier: /^\.\.?\/inquirer\.js$/,
    importer: '@yeoman/adapter',
    source: `
      export const createAdapterPromptModule = (parameter) => {
        let real;
        const load = async () => (real ??= (await import(REAL)).createAdapterPromptModule(parameter));
        return async (questions, answers) => (await load())(questions, answers);
      };`,
  },
  {
    // Installing generators into ~/.yo-repository (npm's arborist, pacote, sigstore): never
    // used for our own, registered generator.
    specifier: /^fly-import$/,
    importer: 'yeoman-environment',
    source: `
      export const flyImport = async (...args) => (await import(REAL)).flyImport(...args);
      export class FlyRepository {
        constructor(options) {
          this.options = options;
          this.repositoryPath = options.repositoryPath;
        }
        async real() {
          this.instance ??= new (await import(REAL)).FlyRepository(this.options);
          return this.instance;
        }
        async install(...args) { return (await this.real()).install(...args); }
        async import(...args) { return (await this.real()).import(...args); }
        async resolve(...args) { return (await this.real()).resolve(...args); }
      }`,
  },
  {
    // Looking up dependency versions on the npm registry (this.addDependencies): never used.
    specifier: /^latest-version$/,
    importer: 'yeoman-generator',
    source: 'export default async (...args) => (await import(REAL)).default(...args);',
  },
  // Synchronous APIs cannot wait for a chunk; these stand-ins `require` the real module, which
  // esbuild keeps in the bundle but evaluates only on the first call (its set-up is what costs:
  // spdx-correct sorts its tables at load time).
  {
    // read-pkg normalises only when asked; yeoman-generator reads its package.json with
    // `normalize: false`.
    specifier: /^normalize-package-data$/,
    importer: 'read-pkg',
    source: 'export default (...args) => require(REAL)(...args);',
  },
  {
    // git through simple-git: only for this.git.name()/email(), which this generator does not
    // call (install.ts runs git itself). The enums are live bindings, set before first use.
    specifier: /^simple-git$/,
    importer: 'yeoman-generator',
    source: `
      export let CheckRepoActions;
      export let CleanOptions;
      export function simpleGit(...args) {
        const real = require(REAL);
        CheckRepoActions = real.CheckRepoActions;
        CleanOptions = real.CleanOptions;
        return real.simpleGit(...args);
      }`,
  },
  {
    // Globbing: mem-fs-editor's copy/delete (the generator writes each file itself), and
    // yeoman-environment's search for installed generators (ours is registered as a class).
    // Loading tinyglobby also probes node_modules for picomatch at start-up.
    specifier: /^tinyglobby$/,
    importer: 'mem-fs-editor',
    source: `
      export const glob = (...args) => require(REAL).glob(...args);
      export const globSync = (...args) => require(REAL).globSync(...args);
      export const isDynamicPattern = (...args) => require(REAL).isDynamicPattern(...args);`,
  },
  {
    specifier: /^multimatch$/,
    importer: 'mem-fs-editor',
    source: 'export default (...args) => require(REAL).default(...args);',
  },
  {
    specifier: /^globby$/,
    importer: 'yeoman-environment',
    source: 'export const globbySync = (...args) => require(REAL).globbySync(...args);',
  },
];

const lazySplit = {
  name: 'lazy-modules',
  setup(build) {
    const rowOf = (args) =>
      lazyModules.find((row) => row.specifier.test(args.path) && args.importer.includes(`/node_modules/${row.importer}/`));
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.lazyReal) return undefined;
      const row = rowOf(args);
      if (!row) return undefined;
      const real = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: { lazyReal: true } });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-stand-in', pluginData: { row } };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-stand-in' }, (args) => ({
      contents: args.pluginData.row.source.replaceAll('REAL', JSON.stringify(`lazy-real:${args.path}`)),
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
    build.onResolve({ filter: /^lazy-real:/ }, (args) => ({ path: args.path.slice('lazy-real:'.length) }));
  },
};

const result = await build({
  entryPoints: { 'new-command': 'dist/generators/new-command.js' },
  outdir: 'dist/bundle',
  splitting: true,
  chunkNames: 'lazy-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies inside an ESM bundle need a real `require`, `__filename` and `__dirname`.
  banner: {
    js: [
      "import { createRequire as __bundleRequire } from 'node:module';",
      "import { fileURLToPath as __bundlePath } from 'node:url';",
      // `var`: a bundled module may declare the same names itself (same values: every chunk sits
      // in dist/bundle/), and `var` may be declared twice where `const` may not.
      'var require = __bundleRequire(import.meta.url);',
      'var __filename = __bundlePath(import.meta.url);',
      "var __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
    ].join(' '),
  },
  plugins: [ownPackageJsonReads, lazySplit],
  logLevel: 'warning',
  legalComments: 'none',
  metafile: Boolean(process.env.BUNDLE_META),
  sourcemap: process.env.BUNDLE_SOURCEMAP ? 'external' : false,
});
if (process.env.BUNDLE_META) writeFileSync(process.env.BUNDLE_META, JSON.stringify(result.metafile));
