import { defineConfig } from 'vitest/config';
import { projects } from './vitest.workspace.js';

export default defineConfig({
  test: {
    projects,
    // A run must end on its own: a leaked handle is a bug, not something to wait out.
    teardownTimeout: 5_000,
  },
});
