// The consumer matrix (tests/consumers/consumers.test.ts): the packed package in Node, tsc, four
// bundlers and headless Chromium. Needs the built package (scripts/build.sh).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['tests/consumers/**/*.test.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 600_000,
  },
});
