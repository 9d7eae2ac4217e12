import { fileURLToPath } from 'node:url';
import type { TestProjectInlineConfiguration } from 'vitest/config';

/**
 * The one list of test projects. Vitest 4 ignores this file on its own, so `vitest.config.ts` loads
 * it into `test.projects`.
 *   unit         *.test.ts      no server; the in-memory fake at most; seconds
 *   integration  *.int.test.ts  a real Redis from test/harness/global-setup.ts
 */
const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Tests import the packages by name and get their sources, so no build is needed to test. */
const alias = [
  { find: /^@edirect\/lock-core\/testing$/, replacement: src('./packages/lock-core/src/testing/index.ts') },
  { find: /^@edirect\/lock-core$/, replacement: src('./packages/lock-core/src/index.ts') },
  { find: /^@edirect\/lock\/testing$/, replacement: src('./packages/lock-nest/src/testing.ts') },
  { find: /^@edirect\/lock$/, replacement: src('./packages/lock-nest/src/index.ts') },
  { find: /^@edirect\/config$/, replacement: src('./examples/config-standin/src/index.ts') },
  { find: /^@internal\/redis-server$/, replacement: src('./tools/redis-server/src/index.ts') },
  { find: /^@internal\/test-harness$/, replacement: src('./test/harness/index.ts') },
];

const shared = ['packages/*/test/**', 'examples/*/test/**', 'test/**', 'bench/test/**'];

export const projects: TestProjectInlineConfiguration[] = [
  {
    resolve: { alias },
    test: {
      name: 'unit',
      include: shared.map((dir) => `${dir}/*.test.ts`),
      exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
      environment: 'node',
    },
  },
  {
    resolve: { alias },
    test: {
      name: 'integration',
      include: shared.map((dir) => `${dir}/*.int.test.ts`),
      exclude: ['**/node_modules/**', '**/dist/**'],
      environment: 'node',
      globalSetup: [src('./test/harness/global-setup.ts')],
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  },
];
