import { drift } from '../lease/drift.js';
import type { Lease, LeaseInit } from '../lease/lease.js';

/** Per-waiter lease settings, passed through to the lease it gets. */
export type LeaseSettings = Pick<LeaseInit, 'autoExtend' | 'maxHold' | 'renewEvery' | 'validFor'>;

/** One caller waiting in a key queue. */
export interface Waiter {
  readonly ttl: number;
  readonly settings: LeaseSettings;
  resolve(lease: Lease): void;
  reject(err: unknown): void;
}

/**
 * Whether a lease that Redis granted no earlier than `startedAt` still has more than half its validity
 * left at `now`: enough to hand out as is. Otherwise it is renewed first, so no waiter is handed a lease
 * that is about to run out (this process may have been paused with the grant unread).
 */
export function freshEnough(waiter: Waiter, ttl: number, startedAt: number, now: number): boolean {
  const validity = waiter.settings.validFor ?? ttl - drift(ttl);
  return startedAt + validity - now > validity / 2;
}
