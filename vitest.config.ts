import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CLI tests spawn the built binary and git; give them room on a 2-core CI machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
