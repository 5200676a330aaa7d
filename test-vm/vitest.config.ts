import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Boot tests carry their own (shorter) per-step and per-VM deadlines; these are backstops.
    testTimeout: 180_000,
    // beforeAll may download the Debian kernel package once (fixture deadline 300 s).
    hookTimeout: 400_000,
    // Two test files (two TCG guests) at a time keeps the whole matrix well under the 20 min
    // of issue #8 on 2 cores; the step deadlines assume a guest may share the CPU with another.
    maxWorkers: 2,
  },
});
