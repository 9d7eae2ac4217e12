import type { LockKeys } from '../protocol/keys.js';

/** What a lease is made from: the hold Redis granted, and how it is to be kept. */
export interface LeaseInit {
  keys: LockKeys;
  token: string;
  fence: number;
  ttl: number;
  /** performance.now() when the acquisition was sent (or the grant was read). */
  startedAt: number;
  /** Renew in the background until released or `maxHold`. */
  autoExtend: boolean;
  maxHold?: number | undefined;
  /** Renewal period (default ttl/3) and how long after a renewal is sent the lease counts as ours. */
  renewEvery?: number | undefined;
  validFor?: number | undefined;
}
