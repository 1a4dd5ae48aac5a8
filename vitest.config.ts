import { defineConfig } from 'vitest/config';

// yeoman-test calls process.chdir, which worker threads forbid: every project runs in forks.
export default defineConfig({
  test: {
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'fast',
          include: ['test/unit/**/*.test.ts', 'test/generator/**/*.test.ts'],
          pool: 'forks',
          testTimeout: 60_000,
        },
      },
      {
        // Real Python, servers and a browser: one file at a time on a 2-core machine, so
        // servers do not compete for ports and the cached venv is built once.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
