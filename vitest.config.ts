import { defineConfig } from 'vitest/config';

// GPU tests share one software adapter on a 2-core machine: run files one at a time,
// and give llvmpipe time to compile shaders.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
