import { lockCore } from './lock-core.js';
import { raw } from './raw.js';
import { redisSemaphore } from './redis-semaphore.js';
import { redlock } from './redlock.js';
import { fairRing } from './ring.js';
import { sesameRedlock } from './sesame-redlock.js';
import type { AdapterSpec } from './types.js';

export { QUORUM_LIBRARIES, quorumAdapterById, selectedQuorum } from './quorum.js';
export type { AdapterSpec, Held, LibName, LockAdapter, QuorumAdapterSpec, Seat, Variant } from './types.js';

/** Every library in both variants, in the round-robin order of a scenario. */
export const LIBRARIES: readonly AdapterSpec[] = [
  lockCore('default'),
  redlock('default'),
  sesameRedlock('default'),
  redisSemaphore('default'),
  lockCore('tuned'),
  redlock('tuned'),
  sesameRedlock('tuned'),
  redisSemaphore('tuned'),
];

export const RAW_FLOOR: AdapterSpec = raw();

/** Runs in every contended cell next to the libraries (see ring.ts); `--libs fair-ring` selects it too. */
export const FAIR_RING: AdapterSpec = fairRing();

/** The contended scenario's line-up: the selected libraries, then the fair-ring ceiling. */
export function selectedContended(filter: readonly string[] | undefined): AdapterSpec[] {
  const ring = !filter || filter.some((f) => FAIR_RING.id.includes(f)) ? [FAIR_RING] : [];
  return [...selected(filter), ...ring];
}

/** The libraries a run includes (`--libs`: ids containing one of the given strings). */
export function selected(filter: readonly string[] | undefined): AdapterSpec[] {
  if (!filter) return [...LIBRARIES];
  return LIBRARIES.filter((spec) => filter.some((f) => spec.id.includes(f)));
}

const byId = new Map([...LIBRARIES, RAW_FLOOR, FAIR_RING].map((spec) => [spec.id, spec]));

export function adapterById(id: string): AdapterSpec {
  const spec = byId.get(id);
  if (!spec) throw new Error(`unknown adapter "${id}" (known: ${[...byId.keys()].join(', ')})`);
  return spec;
}

/** `order` rotated left by `by`: each round of a scenario starts with another library. */
export function rotate<T>(order: readonly T[], by: number): T[] {
  const n = order.length;
  if (n === 0) return [];
  const k = ((by % n) + n) % n;
  return [...order.slice(k), ...order.slice(0, k)];
}
