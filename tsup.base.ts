import type { Options } from 'tsup';

/** The one build shape every published package shares: ESM + CJS, each with its own typings. */
export const baseTsup: Options = {
  // Both formats, because Nest apps are still mostly CommonJS while new Node code is ESM; each entry gets
  // its own .d.ts/.d.cts so attw (pnpm check:exports) sees correct typings under both resolutions.
  format: ['esm', 'cjs'],
  dts: {
    // `/** @internal */` members stay in the source (and in the JS) but not in the published typings.
    // Only the typings build gets this option: `tsc --noEmit` must keep seeing those members.
    compilerOptions: { stripInternal: true },
  },
  sourcemap: true,
  clean: true,
  // The lowest Node the packages support (`engines`), so esbuild down-levels nothing that Node 20 runs.
  target: 'node20',
  splitting: false,
  // No `treeshake: true`: esbuild already drops unused code when it bundles, and tsup's extra Rollup pass
  // (8.5.1) wrote a second `//# sourceMappingURL=` comment at the end of every .js/.cjs.
};
