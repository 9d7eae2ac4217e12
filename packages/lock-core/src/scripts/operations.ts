import type { RedisConnection } from '../connection.js';
import type { LockKeys } from '../keys.js';
import type { AttemptMode, AttemptReply, ReleaseReply } from '../timed/key-queue.js';
import { runScript, scripts } from './runner.js';

/** PUBLISH on a single server; SPUBLISH (sharded, one slot) on a cluster. */
export type PublishCommand = 'PUBLISH' | 'SPUBLISH';

/** One acquire.lua call (see the script for the modes). */
export async function attemptAcquire(
  redis: RedisConnection,
  keys: LockKeys,
  publish: PublishCommand,
  token: string,
  ttl: number,
  mode: AttemptMode,
  entry: string,
  oldEntry: string,
): Promise<AttemptReply> {
  const reply = (await runScript(
    redis,
    scripts.acquire,
    [keys.lock, keys.fence, keys.queue],
    [token, ttl, mode, entry, oldEntry, Date.now(), keys.channel, publish],
  )) as [number, number, string?];
  if (reply[0] > 0) return { acquired: true, fence: reply[0] };
  return { acquired: false, pttl: reply[1], holder: reply[2] ?? '' };
}

/** One release.lua call: release `token`'s hold, optionally queueing `requeue` first or withdrawing `leave`. */
export async function releaseLock(
  redis: RedisConnection,
  keys: LockKeys,
  publish: PublishCommand,
  token: string,
  requeue: string,
  leave: string,
): Promise<ReleaseReply> {
  const reply = (await runScript(
    redis,
    scripts.release,
    [keys.lock, keys.fence, keys.queue],
    [token, Date.now(), keys.channel, publish, requeue, leave],
  )) as [number, string?, number?];
  if (reply[1] !== undefined)
    return { released: reply[0] === 1, handedTo: reply[1], fence: Number(reply[2]) };
  return { released: reply[0] === 1 };
}

/** One extend.lua call: 1 extended, 0 the key is gone, -1 another holder has it. */
export async function extendLock(
  redis: RedisConnection,
  keys: LockKeys,
  token: string,
  ttl: number,
): Promise<number> {
  return Number(await runScript(redis, scripts.extend, [keys.lock], [token, ttl]));
}
