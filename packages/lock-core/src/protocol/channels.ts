import type { LockKeys } from './keys.js';

/**
 * Grants travel on one channel per lock and waiting client, `<lock key>:events:<client tag>`, which
 * shares the lock's hash tag (so SPUBLISH stays on its shard). The scripts derive it from the lock key
 * in lib/handoff.lua; this is the client's side of the same name.
 */
export function grantChannel(keys: LockKeys, clientTag: string): string {
  return `${keys.channel}:${clientTag}`;
}

/** A grant: the lock now holds `token`, with `fence`. */
export interface Grant {
  readonly token: string;
  readonly fence: number;
}

/** A grant message is `<token> <fence>` (see lib/handoff.lua). */
export function parseGrant(message: string): Grant {
  const space = message.indexOf(' ');
  if (space < 0) return { token: message, fence: Number.NaN };
  return { token: message.slice(0, space), fence: Number(message.slice(space + 1)) };
}
