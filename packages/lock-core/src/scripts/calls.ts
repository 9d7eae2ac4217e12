import type { LockKeys } from '../protocol/keys.js';
import type { RedisConnection } from '../redis/connection.js';
import { runScript, scripts } from './runner.js';

/**
 * One typed function per script call: named arguments in, a decoded result out. Nothing else in the
 * library knows the scripts' argument order or reply codes (see each .lua file's header).
 */

/** PUBLISH on a single server; SPUBLISH (sharded, one slot) on a cluster. */
export type PublishCommand = 'PUBLISH' | 'SPUBLISH';

/** Where scripts run: the connection, and how their grants are published. */
export interface ScriptTarget {
  readonly redis: RedisConnection;
  readonly publish: PublishCommand;
}

export type AcquireResult =
  | { acquired: true; fence: number }
  /** `holder` is the holder's token ('' for a free lock with waiters queued, from a quick try). */
  | { acquired: false; pttl: number; holder: string };

/** What a failed attempt does with the caller's queue entry (acquire.lua's ARGV[5]). */
export type QueueAction =
  | { do: 'none' }
  /** Push `entry` at the tail. */
  | { do: 'enqueue'; entry: string }
  /** Replace `previous` in place by `entry` (a refresh), or push `entry` if `previous` is gone. */
  | { do: 'refresh'; entry: string; previous: string };

const MODE = { none: 0, enqueue: 1, refresh: 2 } as const;

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

/** One full acquire.lua call: take the lock, or report its holder and act on the queue as asked. */
export function acquire(
  target: ScriptTarget,
  keys: LockKeys,
  a: { token: string; ttl: number; queue?: QueueAction },
): Promise<AcquireResult> {
  const args: Array<string | number> = [a.token, a.ttl, Date.now(), target.publish];
  const q = a.queue ?? { do: 'none' };
  // A plain try sends no mode and no entries: the script reads them only when queueing.
  if (q.do === 'enqueue') args.push(MODE.enqueue, q.entry, '');
  else if (q.do === 'refresh') args.push(MODE.refresh, q.entry, q.previous);
  return runScript(target.redis, scripts.acquire, lockKeysOf(keys), args, acquireResult);
}

function acquireResult(reply: unknown): AcquireResult {
  if (typeof reply === 'number') return { acquired: true, fence: reply };
  const [, pttl, holder] = reply as [0, number, string];
  return { acquired: false, pttl, holder };
}

export interface ReleaseResult {
  /** The caller held the lock and no longer does. */
  released: boolean;
  /** Whom the release handed the lock to, if anyone was queued. */
  handedTo?: { token: string; fence: number };
}

/**
 * One release.lua call: give up `token`'s hold (handing the lock to the first live waiter), optionally
 * queueing `requeue` first (the caller's next local waiter) and withdrawing the entry `leave`.
 */
export function release(
  target: ScriptTarget,
  keys: LockKeys,
  a: { token: string; requeue?: string; leave?: string },
): Promise<ReleaseResult> {
  const args: Array<string | number> = [a.token, Date.now(), target.publish];
  if (a.requeue || a.leave) args.push(a.requeue ?? '', a.leave ?? '');
  return runScript(target.redis, scripts.release, lockKeysOf(keys), args, releaseResult);
}

/** Takes `entry` out of the queue without touching the lock (a waiter that gave up). */
export function withdraw(target: ScriptTarget, keys: LockKeys, entry: string): Promise<ReleaseResult> {
  // An empty token never matches the lock, so this only removes the entry.
  return release(target, keys, { token: '', leave: entry });
}

function releaseResult(reply: unknown): ReleaseResult {
  if (typeof reply === 'number') return { released: reply === 1 };
  const [released, token, fence] = reply as [number, string, number];
  return { released: released === 1, handedTo: { token, fence: Number(fence) } };
}

/** `extended`: the expiry is reset; `gone`: the lock key no longer exists; `taken`: another holder has it. */
export type ExtendResult = 'extended' | 'gone' | 'taken';

/** One extend.lua call: reset the lock's expiry to `ttl` if `token` still holds it. */
export function extend(
  redis: RedisConnection,
  keys: LockKeys,
  a: { token: string; ttl: number },
): Promise<ExtendResult> {
  return runScript(redis, scripts.extend, [keys.lock], [a.token, a.ttl], extendResult);
}

function extendResult(reply: unknown): ExtendResult {
  return reply === 1 ? 'extended' : reply === 0 ? 'gone' : 'taken';
}

function lockKeysOf(keys: LockKeys): string[] {
  return [keys.lock, keys.fence, keys.queue];
}
