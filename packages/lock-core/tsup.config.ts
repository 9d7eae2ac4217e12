import { defineConfig } from 'tsup';
import { baseTsup } from '../../tsup.base.js';

export default defineConfig({
  ...baseTsup,
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
});
