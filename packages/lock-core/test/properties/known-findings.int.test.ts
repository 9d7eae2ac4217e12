import { describe, it } from 'vitest';
import { profile } from './commands.js';
import { type Finding, isKnown, settings } from './config.js';
import { RedisBackend } from './redis-backend.js';
import { formatStats, runModel } from './runner.js';
import { Violation } from './world.js';

/**
 * The findings that show on a real Redis in real time too (no stalls, no injected latency: only the
 * network's own), each as in known-findings.test.ts: while listed as open (PROPERTY_KNOWN) its test
 * passes only if the model still finds a counterexample of exactly that finding.
 */
const FINDINGS: Array<[Finding, string, number]> = [
  ['F1', 'a shorter extend leaves the local deadline past Redis expiry', 20],
  ['F3', 'isLockOwner() by the leader shortens the owner lease to ownerTtl: two leaders', 20],
  ['F9', 'ttl 1 and 2 are accepted but never held', 10],
  ['N3', "a pod's own owner-lease paths release each other's grants: leader without lease", 20],
];

describe('findings on Redis (each flips when its fix lands: see PROPERTY_KNOWN)', () => {
  for (const [finding, what, ciRuns] of FINDINGS) {
    const open = isKnown(finding);
    // A soak (PROPERTY_INT_RUNS) runs each at least that often.
    const runs = Math.max(ciRuns, Number(process.env.PROPERTY_INT_RUNS ?? 0));
    it(`${finding}: ${what} (${open ? 'open: a counterexample must still be found' : 'fixed: must hold'})`, {
      timeout: Math.max(300_000, runs * 15_000),
    }, async () => {
      const run = runModel({
        profile: profile('redis', finding),
        backend: () => new RedisBackend(),
        runs,
        steps: settings.steps(25),
        seed: 20261207,
        shrink: false,
      });
      if (!open) {
        console.log(formatStats(`${finding} on Redis (fixed)`, await run));
        return;
      }
      const failure = await run.then(
        () => undefined,
        (err: unknown) => err,
      );
      if (failure === undefined) {
        throw new Error(`${finding} is listed as open, but ${runs} runs on Redis found no counterexample`);
      }
      const cause = (failure as { cause?: unknown }).cause;
      if (!(cause instanceof Violation) || cause.finding !== finding) throw failure;
      console.log(
        `${finding} reproduced on Redis:\n${String((failure as Error).message)
          .split('\n')
          .slice(0, 4)
          .join('\n')}\n${cause.message}`,
      );
    });
  }
});
