import type { Options } from 'tsup';

/** The one build shape every published package shares: ESM + CJS, each with its own typings. */
export const baseTsup: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
  treeshake: true,
};
