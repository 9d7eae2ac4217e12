import { describe, it } from 'vitest';
import { profile } from './commands.js';
import { type Finding, isKnown, settings } from './config.js';
import { FakeBackend } from './fake-backend.js';
import { formatStats, runModel } from './runner.js';
import { Violation } from './world.js';

/**
 * One property per finding these tests reach, on the fake: the model with that finding's trigger let
 * through (and weighted up), every other open finding's avoided. While the finding is listed as open
 * (config.ts PROPERTY_KNOWN) the test passes only if the model still finds a counterexample of exactly
 * that finding, and prints it; once a fix lands and the id is taken off the list, the same test demands
 * that the property holds.
 */
/*
 * F1-F9 are the earlier review's. The ones these tests found, by mechanism (source read at cf32448):
 * N1  tryAcquire() and waitTimeout 0 go straight to one attempt that close() neither waits for nor guards
 *     (acquire()'s quick path has the guard): a lease answered after close() is handed out, never
 *     released, and its signal never aborts (close() stopped the alarms).
 * N2  close() does not wait for a key queue's pump (an attempt, its NOSCRIPT retry, the nap after it): it
 *     resolves, then commands follow (passing on a grant, withdrawing an entry) and a pump timer runs; on a
 *     connection quit right after close(), as the README's shutdown does, the grant stays taken till its ttl.
 * N3  The owner lease's token is the instance id for every acquisition: a pod's removeLockOwner(), a claim
 *     by isLockOwner() adopted by its election, or a grant "passed on" because its election already got the
 *     lease another way, releases by that id what the same pod's election has just been handed: the election
 *     leads with no owner key in Redis, and another pod is elected (two leaders; on Redis:
 *     together(pod0.elect(ns); pod0.removeLockOwner())).
 * N4  A renewal in flight when release() is called schedules the next one (the lease is not ended until the
 *     release reply); that one throws LockNotHeldError, which isTransient() calls transient: 'error' events,
 *     every ttl/10, until the reply. Likewise a corrective extend answered after its lease ended.
 * N5  After an attempt's reply the pump only checks that no lease of this queue is held: if the grant of the
 *     same token came by message, was handed to the head and that lease has already ended (expired after a
 *     stall), the same token and fence are handed to the next local waiter: two holders, one fence.
 * N6  Lease#lose aborts the signal before marking the lease ended: inside an abort listener of lease.signal
 *     (or term.signal), isHeld() and remaining() (and election.isLeader) still say the lease is alive.
 */
const FINDINGS: Array<[Finding, string]> = [
  ['F1', 'a shorter extend (or one landing after a longer one) leaves the local deadline past Redis expiry'],
  ['F2', 'fences go backwards after Redis forgets its keys (restart without persistence)'],
  ['F3', 'isLockOwner() by the leader shortens the owner lease to ownerTtl: two leaders'],
  ['F4', 'stop()/close() never settle while onElected waits for term.signal'],
  ['F8', 'a lease or term handed out already past its deadline after a stall'],
  ['F9', 'ttl 1 and 2 are accepted but never held'],
  ['N1', 'a one-shot acquisition answered after close() hands out a lease nobody releases or watches'],
  ['N2', 'close() resolves before work in flight: commands and timers after it'],
  [
    'N3',
    "a pod's own owner-lease paths release each other's grants (token = instance id): leader without lease",
  ],
  ['N4', "background renewal racing the lease's end emits spurious 'error' events"],
  ['N5', 'one grant handed to two local waiters: two holders with the same fence'],
  ['N6', "inside a lease's (or term's) abort listener, isHeld() (isLeader) still says true"],
];

/** Fixed seeds, so a finding's test does not depend on the day; PROPERTY_SEED overrides them. */
const SEED = 20261207;
const RUNS = Number(process.env.PROPERTY_FINDING_RUNS ?? 400);

describe('findings on the fake (each flips when its fix lands: see PROPERTY_KNOWN)', () => {
  for (const [finding, what] of FINDINGS) {
    const open = isKnown(finding);
    it(`${finding}: ${what} (${open ? 'open: a counterexample must still be found' : 'fixed: must hold'})`, {
      timeout: Math.max(120_000, RUNS * 300),
    }, async () => {
      const run = runModel({
        profile: profile('fake', finding),
        backend: () => new FakeBackend(),
        runs: RUNS,
        steps: settings.steps(40),
        seed: SEED,
      });
      if (!open) {
        console.log(formatStats(`${finding} (fixed)`, await run));
        return;
      }
      const failure = await run.then(
        () => undefined,
        (err: unknown) => err,
      );
      if (failure === undefined) {
        throw new Error(
          `${finding} is listed as open (PROPERTY_KNOWN), but ${RUNS} runs found no counterexample. If it was fixed, take it off the list in config.ts.`,
        );
      }
      const cause = (failure as { cause?: unknown }).cause;
      if (!(cause instanceof Violation) || cause.finding !== finding) throw failure;
      console.log(
        `${finding} reproduced:\n${String((failure as Error).message)
          .split('\n')
          .slice(0, 4)
          .join('\n')}\n${cause.message}`,
      );
    });
  }
});
