import type { LockKeys } from '../protocol/keys.js';
import type { RedisConnection } from '../redis/connection.js';
import { runScript, scripts } from './runner.js';

/**
 * One typed function per script call: named arguments in, a decoded result out. Nothing else in the
 * library knows the scripts' argument order or reply codes (see each .lua file's header).
 */

/** PUBLISH on a single server; SPUBLISH (sharded, one slot) on a cluster. */
export type PublishCommand = 'PUBLISH' | 'SPUBLISH';

/** Where scripts run, and how their grants reach waiters. */
export interface ScriptTarget {
  readonly redis: RedisConnection;
  readonly publish: PublishCommand;
  /**
   * Whether the count of subscribers a publish reached is to be believed: then a grant nobody heard
   * means a dead waiter, and the release serves the next one at once. True for one server (and Sentinel)
   * and for sharded pub/sub; false for classic pub/sub on a Cluster, where a waiter may listen on another
   * node than the one that publishes.
   */
  readonly trustReceivers: boolean;
}

export type AcquireResult =
  /** `remaining`: a claim found the lock already the caller's and left its expiry alone; ms left. */
  | { acquired: true; fence: number; remaining?: number }
  /** `holder` is the holder's token ('' for a free lock with waiters queued, from a quick try). */
  | { acquired: false; pttl: number; holder: string };

/** A process's entry in a lock's queue: the lock is handed to `token` with the ttl of the call. */
export interface QueueSeat {
  /** This client's tag: grants reach it on `<lock>:events:<client>`. */
  readonly client: string;
  /** How long the entry stays alive without a refresh, ms (server clock). */
  readonly liveFor: number;
}

/**
 * acquire.lua's quick try (token and ttl only): takes a free lock nobody waits for. A free lock with
 * waiters queued comes back as not acquired (holder ''): the caller then queues up with a full call,
 * which serves them first. The uncontended path of `acquire()`, where every argument costs time.
 */
export function quickAcquire(
  redis: RedisConnection,
  keys: LockKeys,
  a: { token: string; ttl: number },
): Promise<AcquireResult> {
  return runScript(redis, scripts.acquire, lockKeysOf(keys), [a.token, a.ttl], acquireResult);
}

/**
 * One full acquire.lua call: take the lock (serving queued waiters first), or report its holder; with
 * `queue`, the caller's entry is queued on failure (or refreshed in place, keeping its turn). `reused`: the
 * token outlives its holds (an owner lease's instance id), so finding the lock already the caller's is a
 * new hold with a new fence, not the same one. `claim`: an owner claim (see acquire.lua).
 */
export function acquire(
  target: ScriptTarget,
  keys: LockKeys,
  a: { token: string; ttl: number; queue?: QueueSeat; reused?: boolean; claim?: true },
): Promise<AcquireResult> {
  const args: Array<string | number> = [a.token, a.ttl, target.publish, heard(target)];
  const how = a.claim ? '' : `${a.reused ? '+' : ''}${a.queue?.client ?? ''}`;
  if (a.claim || how !== '') args.push(how);
  if (a.queue) args.push(a.queue.liveFor);
  return runScript(target.redis, scripts.acquire, lockKeysOf(keys), args, acquireResult);
}

function acquireResult(reply: unknown): AcquireResult {
  if (typeof reply === 'number') return { acquired: true, fence: reply };
  const [acquired, a, b] = reply as [0 | 1, number, number | string];
  if (acquired === 1) return { acquired: true, fence: a, remaining: b as number };
  return { acquired: false, pttl: a, holder: b as string };
}

export interface ReleaseResult {
  /** The caller held the lock and no longer does. */
  released: boolean;
  /** Whom the release handed the lock to, if anyone was queued. */
  handedTo?: { token: string; fence: number };
}

/**
 * One release.lua call: give up `token`'s hold (only the hold with `fence`, when given), handing the lock
 * to the first live waiter; optionally queueing `requeue` first (the caller's next local waiter) and
 * withdrawing the entry of `leave`.
 */
export function release(
  target: ScriptTarget,
  keys: LockKeys,
  a: {
    token: string;
    fence?: number;
    leave?: string;
    requeue?: { token: string; ttl: number; seat: QueueSeat };
  },
): Promise<ReleaseResult> {
  const args: Array<string | number> = [a.token, target.publish, heard(target)];
  const r = a.requeue;
  const fence = a.fence === undefined ? '' : a.fence;
  if (r) args.push(fence, a.leave ?? '', r.token, r.ttl, r.seat.client, r.seat.liveFor);
  else if (a.leave) args.push(fence, a.leave);
  else if (fence !== '') args.push(fence);
  return runScript(target.redis, scripts.release, lockKeysOf(keys), args, releaseResult);
}

/** Takes `token`'s entry out of the queue without touching the lock (a waiter that gave up). */
export function withdraw(target: ScriptTarget, keys: LockKeys, token: string): Promise<ReleaseResult> {
  // An empty token never matches the lock, so this only removes the entry.
  return release(target, keys, { token: '', leave: token });
}

function releaseResult(reply: unknown): ReleaseResult {
  if (typeof reply === 'number') return { released: reply === 1 };
  const [released, token, fence] = reply as [number, string, number];
  return { released: released === 1, handedTo: { token, fence: Number(fence) } };
}

/** `extended`: the expiry is reset; `gone`: the lock key no longer exists; `taken`: another holder has it. */
export type ExtendResult = 'extended' | 'gone' | 'taken';

/**
 * One extend.lua call: reset the lock's expiry to `ttl` if `token` still holds it (only the hold with
 * `fence`, when given: a grant is confirmed with the fence it came with).
 */
export function extend(
  redis: RedisConnection,
  keys: LockKeys,
  a: { token: string; ttl: number; fence?: number },
): Promise<ExtendResult> {
  const args: Array<string | number> = [a.token, a.ttl];
  if (a.fence !== undefined) args.push(a.fence);
  return runScript(redis, scripts.extend, [keys.lock, keys.fence], args, extendResult);
}

function extendResult(reply: unknown): ExtendResult {
  return reply === 1 ? 'extended' : reply === 0 ? 'gone' : 'taken';
}

function heard(target: ScriptTarget): '1' | '0' {
  return target.trustReceivers ? '1' : '0';
}

function lockKeysOf(keys: LockKeys): string[] {
  return [keys.lock, keys.fence, keys.queue];
}
