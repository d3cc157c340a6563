// Package tests: they import 'tripletrec' (the workspace link to web/), i.e. the real wasm build in
// web/dist. Build it first (scripts/build.sh). One file at a time: the machine has two cores.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['tests/js/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
    // --expose-gc lets the memory test prove the FinalizationRegistry safety net.
    execArgv: ['--expose-gc'],
  },
});
