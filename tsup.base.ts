import type { Options } from 'tsup';

/** The one build shape every published package shares: ESM + CJS, each with its own typings. */
export const baseTsup: Options = {
  // Both formats, so a CommonJS app can `require()` the packages and ESM code `import` them natively; each
  // entry gets its own .d.ts/.d.cts so attw (pnpm check:exports) sees correct typings under both resolutions.
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
  // One self-contained file per entry and format: tsup splits ESM only (its CJS splitting is experimental),
  // so without this the two formats would ship different file layouts.
  splitting: false,
  // No `treeshake: true`: esbuild already drops unused code when it bundles, and tsup's extra Rollup pass
  // (8.5.1) wrote a second `//# sourceMappingURL=` comment at the end of every .js/.cjs.
};
