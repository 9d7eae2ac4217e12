/**
 * A process's place in a lock's queue in Redis: `<token>|<ttl>|<deadline>|<client>`, read by
 * scripts/lib/handoff.lua. `deadline` (wall-clock ms) says how long the entry counts as alive: the
 * waiter refreshes it while it waits, and a release skips entries past it as dead.
 */
export interface QueueEntry {
  /** The token the lock is handed to. */
  readonly token: string;
  /** The ttl the lock is handed over with, ms. */
  readonly ttl: number;
  /** The list element itself, as the scripts compare it. */
  readonly element: string;
}

export function queueEntry(token: string, ttl: number, deadline: number, clientTag: string): QueueEntry {
  return { token, ttl, element: `${token}|${ttl}|${deadline}|${clientTag}` };
}

/** The token an entry hands the lock to (the element's first field). */
export function entryToken(element: string): string {
  const bar = element.indexOf('|');
  return bar < 0 ? element : element.slice(0, bar);
}
