import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Boot tests carry their own (shorter) per-step and per-VM deadlines; these are backstops.
    testTimeout: 180_000,
    // beforeAll may download the Debian kernel package once (fixture deadline 300 s).
    hookTimeout: 400_000,
  },
});
