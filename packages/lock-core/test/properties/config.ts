/**
 * Model-based tests of LockClient (fast-check `fc.commands`): several pods drive random interleavings of
 * every public call, with time moving, and world.ts checks the invariants after every step.
 *
 *   model.test.ts                the model on the in-memory fake under fake timers (many runs)
 *   model.int.test.ts            the same model on a real Redis in real time (fewer runs)
 *   known-findings(.int).test.ts one property per finding the model reaches, with its trigger let through
 *   world.ts                     pods, everything they hand out, the invariants and which finding explains
 *                                a violation; commands.ts the commands and their weights; runner.ts the
 *                                fast-check harness; fake-backend.ts / redis-backend.ts time and Redis
 *
 * Knobs, all from the environment so a failure can be replayed and a CI run kept short:
 *   PROPERTY_RUNS          runs of the fake model (default 200)
 *   PROPERTY_INT_RUNS      runs of the Redis model (default 20)
 *   PROPERTY_FINDING_RUNS  runs of each finding's property on the fake (default 400)
 *   PROPERTY_STEPS         most commands per run (default 60 on the fake, 30 on Redis, 40 or 25 for findings)
 *   PROPERTY_SEED          replay: the seed fast-check printed
 *   PROPERTY_PATH          replay: the path fast-check printed (goes straight to the shrunk counterexample)
 *   PROPERTY_REPLAY_PATH   replay: the replayPath="…" printed after the command list (fc.commands needs it)
 *   PROPERTY_KNOWN         findings still open, comma-separated (default below). For each one listed, the
 *                          models avoid its trigger (or do not fail on its symptom), and its own test in
 *                          known-findings passes only while it still reproduces. When a fix lands, take its
 *                          id off: its test then demands that the property holds, and the models exercise
 *                          its trigger again. PROPERTY_KNOWN= (empty) runs everything unguarded.
 *   PROPERTY_VERBOSE       1: print every run's command list
 * A replay runs the same file with the same PROPERTY_KNOWN, e.g.
 *   PROPERTY_SEED=20261207 PROPERTY_PATH="11:8:3" PROPERTY_REPLAY_PATH="QD2AJ:V" \
 *     pnpm exec vitest run --project unit packages/lock-core/test/properties/known-findings.test.ts -t F1
 */
export type Finding = 'F1' | 'F2' | 'F3' | 'F4' | 'F8' | 'F9' | 'N1' | 'N2' | 'N3' | 'N4' | 'N5' | 'N6';

/**
 * The findings these tests reach that are not fixed yet: none. F1-F9 were the earlier review's; N1-N6 were
 * found by these tests (each described in known-findings.test.ts, with the invariant that catches it in
 * world.ts); all are fixed, so every model runs unguarded and every finding's test demands its property.
 */
export const DEFAULT_KNOWN = '';

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`${name} must be a non-negative integer, got ${raw}`);
  return n;
}

export const settings = {
  runs: int('PROPERTY_RUNS', 200),
  intRuns: int('PROPERTY_INT_RUNS', 20),
  steps: (fallback: number) => int('PROPERTY_STEPS', fallback),
  seed: process.env.PROPERTY_SEED ? Number.parseInt(process.env.PROPERTY_SEED, 10) : undefined,
  path: process.env.PROPERTY_PATH || undefined,
  replayPath: process.env.PROPERTY_REPLAY_PATH || undefined,
  verbose: process.env.PROPERTY_VERBOSE === '1',
  known: new Set(
    (process.env.PROPERTY_KNOWN ?? DEFAULT_KNOWN)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean) as Finding[],
  ),
};

/** True while `finding` is listed as open: its trigger is avoided and its own test is expected to fail. */
export const isKnown = (finding: Finding): boolean => settings.known.has(finding);
