import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // GitHub's workflow parser imports its JSON schemas without import attributes, which Node refuses: vite reads them.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
