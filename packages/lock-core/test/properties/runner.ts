import fc from 'fast-check';
import type { Backend } from './backend.js';
import { commands, type Profile, runConfig, stepsExecuted } from './commands.js';
import { settings } from './config.js';
import { World } from './world.js';

export interface ModelStats {
  runs: number;
  steps: number;
  checks: number;
  leases: number;
  terms: number;
}

/**
 * Runs the model: `runs` random runs of up to `steps` commands each, every run on a fresh backend with
 * 2–4 pods. On failure fast-check shrinks the run and throws a report with the seed, the path and the
 * shrunk command list; replay it with PROPERTY_SEED and PROPERTY_PATH (see config.ts).
 */
export async function runModel(o: {
  profile: Profile;
  backend: () => Backend;
  runs: number;
  steps: number;
  /** A seed of its own for a targeted test, so its outcome does not depend on the day. */
  seed?: number;
  /** false: report the first counterexample as found (shrinking a real-time run is slow). */
  shrink?: boolean;
}): Promise<ModelStats> {
  const stats: ModelStats = { runs: 0, steps: 0, checks: 0, leases: 0, terms: 0 };
  const stepsBefore = stepsExecuted();
  const arbitrary = runConfig(o.profile).chain((cfg) =>
    fc.tuple(
      fc.constant(cfg),
      fc.commands(commands(o.profile, cfg), {
        maxCommands: o.steps,
        size: 'max',
        ...(settings.replayPath === undefined ? {} : { replayPath: settings.replayPath }),
      }),
    ),
  );
  const property = fc.asyncProperty(arbitrary, async ([cfg, cmds]) => {
    const backend = o.backend();
    const world = new World(backend, cfg, o.profile.avoid);
    let ok = false;
    try {
      if (settings.verbose) console.log([...cmds].map(String).join('\n'));
      await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds);
      await world.finish();
      ok = true;
    } finally {
      stats.runs++;
      stats.checks += world.checks;
      stats.leases += world.summary.leases;
      stats.terms += world.summary.terms;
      if (!ok) await world.abandon().catch(() => {});
      await backend.dispose();
    }
  });
  const seed = settings.seed ?? o.seed;
  await fc.assert(property, {
    numRuns: o.runs,
    ...(seed === undefined ? {} : { seed }),
    ...(settings.path === undefined ? {} : { path: settings.path }),
    ...(o.shrink === false ? { endOnFailure: true } : {}),
  });
  stats.steps = stepsExecuted() - stepsBefore;
  return stats;
}

export function formatStats(label: string, s: ModelStats): string {
  return `${label}: ${s.runs} runs, ${s.steps} steps, ${s.checks} invariant checks, ${s.leases} leases, ${s.terms} terms`;
}
