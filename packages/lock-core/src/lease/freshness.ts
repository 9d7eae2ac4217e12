import type { ExtendResult } from '../scripts/calls.js';
import { drift } from './drift.js';

/**
 * How long a lease counts as held after the call that set its expiry in Redis was sent, ms: the ttl less
 * the clock-drift margin, or less still when asked (an election's `renewDeadline`), never more.
 */
export function validityOf(ttl: number, validFor?: number): number {
  const most = ttl - drift(ttl);
  return validFor === undefined ? most : Math.min(validFor, most);
}

/**
 * Whether a lease whose expiry Redis set no earlier than `sentAt` still has more than half its validity
 * left: enough to hand out as it is. A reply or a grant that arrives later than that (Redis stalled, the
 * process was paused, the grant sat unread) is confirmed by a renewal first, so no caller is ever handed
 * a lease past, or close to, its deadline.
 */
export function isFresh(sentAt: number, validity: number, now = performance.now()): boolean {
  return sentAt + validity - now > validity / 2;
}

/**
 * Renewals tried for a win that came back late. A stall usually ends within one; a link slower than half
 * the validity never gets fresher, so the second takes whatever validity is left.
 */
const CONFIRMATIONS = 2;

/** How a confirmation ended: a start for the lease, the lock lost meanwhile, or no time left to hold it. */
export type Confirmation = { startedAt: number } | { lost: true } | { tooShort: RangeError };

/**
 * Renews a lock just won until a renewal comes back fresh: resolves with that renewal's send time (the
 * lease's new start); `lost` when the lock went meanwhile. When even the last renewal comes back with no
 * validity left, the ttl is shorter than this link's round trips (or Redis stalls on and on): `tooShort`,
 * an error for the caller, rather than a lease past its deadline or a wait that never ends. Rejects with
 * what Redis rejects with.
 */
export async function confirmFresh(
  renew: () => Promise<ExtendResult>,
  ttl: number,
  validity: number,
): Promise<Confirmation> {
  for (let i = 1; ; i++) {
    const sentAt = performance.now();
    if ((await renew()) !== 'extended') return { lost: true };
    if (isFresh(sentAt, validity)) return { startedAt: sentAt };
    if (i < CONFIRMATIONS) continue;
    // The link is this slow every time: take what is left, if anything (never a lease past its deadline).
    const roundTrip = performance.now() - sentAt;
    if (sentAt + validity > performance.now()) return { startedAt: sentAt };
    return {
      tooShort: new RangeError(
        `ttl ${ttl} ms leaves no time to hold the lock: ${CONFIRMATIONS + 1} round trips to Redis in a row ` +
          `took more than half of it (the last ${roundTrip.toFixed(1)} ms); use a ttl well above the round trip`,
      ),
    };
  }
}

/**
 * Where a lease won by a call sent at `sentAt` starts: then, if the reply came back fresh; otherwise at a
 * confirming renewal's send time. Null when the lock was lost meanwhile; rejects with RangeError when the
 * ttl is too short to hold it on this link. Either way, what was won is given back first (`giveBack`).
 */
export async function startOfWin(
  sentAt: number,
  ttl: number,
  validity: number,
  renew: () => Promise<ExtendResult>,
  giveBack: () => Promise<unknown>,
): Promise<number | null> {
  if (isFresh(sentAt, validity)) return sentAt;
  const confirmation = await confirmFresh(renew, ttl, validity);
  if ('startedAt' in confirmation) return confirmation.startedAt;
  await giveBack().catch(() => {});
  if ('tooShort' in confirmation) throw confirmation.tooShort;
  return null;
}
