import type { RedisConnection } from '../connection.js';
import type { LockKeys } from '../keys.js';
import { AttemptMode, type AttemptReply, type ReleaseReply } from '../timed/key-queue.js';
import { runScript, scripts } from './runner.js';

/** PUBLISH on a single server; SPUBLISH (sharded, one slot) on a cluster. */
export type PublishCommand = 'PUBLISH' | 'SPUBLISH';

/** One acquire.lua call (see the script for the modes). */
export function attemptAcquire(
  redis: RedisConnection,
  keys: LockKeys,
  publish: PublishCommand,
  token: string,
  ttl: number,
  mode: AttemptMode,
  entry: string,
  oldEntry: string,
): Promise<AttemptReply> {
  const args: Array<string | number> = [token, ttl, Date.now(), publish];
  // A plain try sends no mode and no entries: the script reads them only when queueing.
  if (mode !== AttemptMode.Try) args.push(mode, entry, oldEntry);
  return runScript(redis, scripts.acquire, [keys.lock, keys.fence, keys.queue], args, attemptReply);
}

/**
 * acquire.lua's quick try (token and ttl only): takes a free lock nobody waits for. A free lock with
 * waiters queued comes back as not acquired (holder ''): the caller then queues up with a full call,
 * which serves them first. The uncontended path of `acquire()`, where every argument costs time.
 */
export function quickAcquire(
  redis: RedisConnection,
  keys: LockKeys,
  token: string,
  ttl: number,
): Promise<AttemptReply> {
  return runScript(redis, scripts.acquire, [keys.lock, keys.fence, keys.queue], [token, ttl], attemptReply);
}

function attemptReply(reply: unknown): AttemptReply {
  if (typeof reply === 'number') return { acquired: true, fence: reply };
  const [, pttl, holder] = reply as [0, number, string];
  return { acquired: false, pttl, holder };
}

/** One release.lua call: release `token`'s hold, optionally queueing `requeue` first or withdrawing `leave`. */
export function releaseLock(
  redis: RedisConnection,
  keys: LockKeys,
  publish: PublishCommand,
  token: string,
  requeue: string,
  leave: string,
): Promise<ReleaseReply> {
  const args: Array<string | number> = [token, Date.now(), publish];
  if (requeue !== '' || leave !== '') args.push(requeue, leave);
  return runScript(redis, scripts.release, [keys.lock, keys.fence, keys.queue], args, releaseReply);
}

function releaseReply(reply: unknown): ReleaseReply {
  if (typeof reply === 'number') return { released: reply === 1 };
  const [released, handedTo, fence] = reply as [number, string, number];
  return { released: released === 1, handedTo, fence: Number(fence) };
}

/** One extend.lua call: 1 extended, 0 the key is gone, -1 another holder has it. */
export function extendLock(
  redis: RedisConnection,
  keys: LockKeys,
  token: string,
  ttl: number,
): Promise<number> {
  return runScript(redis, scripts.extend, [keys.lock], [token, ttl], Number);
}
