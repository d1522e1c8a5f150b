import { defineConfig } from 'vitest/config';

// Tests spawn real worker threads and child processes from the compiled JavaScript
// (`npm test` builds first), so they run in forked processes, two at a time on this
// 2-core machine, with a timeout generous enough for a noisy shared host.
export default defineConfig({
  test: {
    include: ['{supervisor,workers,shared,recovery,fixtures}/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
