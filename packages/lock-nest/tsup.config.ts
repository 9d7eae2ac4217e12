import { defineConfig } from 'tsup';
import { baseTsup } from '../../tsup.base.js';

export default defineConfig({
  ...baseTsup,
  entry: { index: 'src/index.ts', testing: 'src/testing.ts' },
  // Nest and the core are the app's own copies: never bundle them.
  external: [/^@nestjs\//, '@edirect/lock-core', 'ioredis', 'reflect-metadata', 'rxjs'],
});
