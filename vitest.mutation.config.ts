import { defineConfig } from 'vitest/config';

// The unit tests Stryker runs against each mutant (npm run test:mutation): no engine, no built command needed.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/fuzz.test.ts', 'test/hardening.test.ts', 'test/lock/lock.test.ts', 'test/cli/build.test.ts'],
    testTimeout: 30_000,
  },
});
