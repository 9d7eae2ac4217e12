import { defineConfig } from 'tsup';

/**
 * Two entries: the orchestrator and the worker it forks. lock-core is bundled in, so a run measures the
 * lock-core that was built when it started, even if packages/lock-core/dist is rebuilt meanwhile (a
 * worker forked mid-run would otherwise load a half-written dist).
 */
export default defineConfig({
  entry: { main: 'src/main.ts', worker: 'src/worker.ts' },
  format: ['esm'],
  target: 'node20',
  clean: true,
  sourcemap: true,
  noExternal: ['@edirect/lock-core'],
});
