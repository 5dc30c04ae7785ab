import { defineConfig } from 'vitest/config';

// The tests Stryker runs against each mutant (npm run test:mutation): the pure modules' tests and the hostile-input
// table (in-process CLI runs). The CLI, golden, engine and fuzz tests read the built command, files or a real engine,
// and take too long per mutant.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [
      'test/e2e/**',
      'test/cli/**',
      'test/fuzz.test.ts',
      'test/golden.test.ts',
      'test/docs.test.ts',
      'test/structure.test.ts',
      'test/lock/lock.test.ts',
    ],
    testTimeout: 30_000,
  },
});
