import { LockQuorumError } from '../errors/lock-quorum-error.js';
import { drift } from '../lease/drift.js';
import type { LockKeys } from '../protocol/keys.js';
import type { RedisConnection } from '../redis/connection.js';
import * as script from '../scripts/calls.js';
import { type Answer, failures, fanOut } from './fan-out.js';

/**
 * The three quorum steps, each one round trip to every node at once, run with lock-core's own scripts:
 * acquire.lua in try mode is SET NX PX plus a fence INCR (its queue stays empty here, so it never hands
 * off or publishes), extend.lua and release.lua compare the token first.
 */
export interface Nodes {
  readonly redis: readonly RedisConnection[];
  /** A majority: floor(n / 2) + 1. */
  readonly needed: number;
  /** Longest wait for one step's answers, ms. */
  readonly timeout: number;
}

export function majorityOf(n: number): number {
  return Math.floor(n / 2) + 1;
}

export type MajorityAcquire =
  | { outcome: 'acquired'; fence: number; startedAt: number }
  /** Others hold it on too many nodes, or the majority came too late to leave any validity. */
  | { outcome: 'held' }
  | { outcome: 'unreachable'; error: LockQuorumError };

/**
 * Takes `keys` on every node with `token`; acquired when a majority granted it while the lease still has
 * validity left (ttl - elapsed - drift > 0). Otherwise it is released on every node, including those
 * whose answer was lost or late, before this resolves.
 */
export async function acquireOnMajority(
  nodes: Nodes,
  keys: LockKeys,
  token: string,
  ttl: number,
): Promise<MajorityAcquire> {
  const n = nodes.redis.length;
  const validity = ttl - drift(ttl);
  const timeout = Math.min(nodes.timeout, validity);
  const startedAt = performance.now();
  const won = (a: Answer<script.AcquireResult>) => a.kind === 'value' && a.value.acquired;
  const answers = await fanOut(
    n,
    (i) => script.acquire(nodeTarget(nodes, i), keys, { token, ttl }),
    timeout,
    // Settled early by a majority won or a majority held elsewhere; errors alone wait for the rest, so
    // that "unreachable" is told apart from "held" by every answer there is.
    (all) => {
      const wins = all.filter(won).length;
      const held = all.filter((a) => a.kind === 'value' && !a.value.acquired).length;
      return wins >= nodes.needed || held > n - nodes.needed;
    },
  );
  const fences = answers.flatMap((a) => (a.kind === 'value' && a.value.acquired ? [a.value.fence] : []));
  if (fences.length >= nodes.needed && performance.now() < startedAt + validity) {
    // The largest of the granting nodes' counters: see the fencing note in redlock-client.ts.
    return { outcome: 'acquired', fence: Math.max(...fences), startedAt };
  }
  await releaseOnAll(nodes, keys, token).catch(() => {
    // Unreachable nodes keep the key until its ttl: nothing more can be done from here.
  });
  const answered = answers.filter((a) => a.kind === 'value').length;
  if (answered >= nodes.needed) return { outcome: 'held' };
  const cause = new AggregateError(failures(answers, timeout), 'the Redis nodes that did not answer');
  return {
    outcome: 'unreachable',
    error: new LockQuorumError(keys.name, answered, nodes.needed, n, { cause }),
  };
}

/**
 * Resets the expiry on every node that still has `token`. 'extended' when a majority did; 'gone' or
 * 'taken' when the answers rule a majority out; throws a LockQuorumError when too few nodes answered to
 * tell, which the lease treats like an unreachable Redis (it retries until its local deadline).
 */
export async function extendOnMajority(
  nodes: Nodes,
  keys: LockKeys,
  token: string,
  ttl: number,
): Promise<script.ExtendResult> {
  const n = nodes.redis.length;
  const timeout = Math.min(nodes.timeout, ttl - drift(ttl));
  const ok = (a: Answer<script.ExtendResult>) => a.kind === 'value' && a.value === 'extended';
  const refusedBy = (a: Answer<script.ExtendResult>) => a.kind === 'value' && a.value !== 'extended';
  const answers = await fanOut(
    n,
    (i) => script.extend(nodes.redis[i] as RedisConnection, keys, { token, ttl }),
    timeout,
    (all) => all.filter(ok).length >= nodes.needed || all.filter(refusedBy).length > n - nodes.needed,
  );
  const extended = answers.filter(ok).length;
  if (extended >= nodes.needed) return 'extended';
  const refused = answers.filter(refusedBy);
  if (refused.length > n - nodes.needed) {
    return refused.some((a) => a.kind === 'value' && a.value === 'taken') ? 'taken' : 'gone';
  }
  const answered = answers.filter((a) => a.kind === 'value').length;
  const cause = new AggregateError(failures(answers, timeout), 'the Redis nodes that did not answer');
  throw new LockQuorumError(keys.name, answered, nodes.needed, n, { cause });
}

/**
 * Releases `token` on every node and waits for all of them (or the timeout). True if any node still
 * had it. Throws a LockQuorumError only when no node answered at all.
 */
export async function releaseOnAll(nodes: Nodes, keys: LockKeys, token: string): Promise<boolean> {
  const n = nodes.redis.length;
  const answers = await fanOut(
    n,
    (i) => script.release(nodeTarget(nodes, i), keys, { token }),
    nodes.timeout,
    () => false,
  );
  const replies = answers.flatMap((a) => (a.kind === 'value' ? [a.value] : []));
  if (replies.length === 0) {
    const cause = new AggregateError(failures(answers, nodes.timeout), 'the Redis nodes that did not answer');
    throw new LockQuorumError(keys.name, 0, nodes.needed, n, { cause });
  }
  return replies.some((r) => r.released);
}

/** Node `i` as a script target. Quorum locks have no queue, so their scripts never publish a grant. */
function nodeTarget(nodes: Nodes, i: number): script.ScriptTarget {
  return { redis: nodes.redis[i] as RedisConnection, publish: 'PUBLISH', trustReceivers: false };
}
