import type { ResolvedAcquire } from '../lease/acquire-options.js';
import type { Lease } from '../lease/lease.js';
import type { LeaseInit } from '../lease/lease-init.js';

/** Per-waiter lease settings, passed through to the lease it gets. */
export type LeaseSettings = Pick<LeaseInit, 'autoExtend' | 'maxHold' | 'renewEvery' | 'validFor'>;

/** A timed lock's settings, from its acquire options. */
export function settingsOf(o: ResolvedAcquire): LeaseSettings {
  return { autoExtend: o.autoExtend, maxHold: o.maxHold };
}

/** One caller waiting in a key queue. */
export interface Waiter {
  readonly ttl: number;
  readonly settings: LeaseSettings;
  resolve(lease: Lease): void;
  reject(err: unknown): void;
}
