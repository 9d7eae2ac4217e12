/**
 * Every key of one lock shares the hash tag `{<key>}`, so one script touches one Cluster slot.
 *   <prefix>lock:{<key>}          the holder's token, PX expiry
 *   <prefix>lock:{<key>}:fence    fencing counter
 *   <prefix>lock:{<key>}:queue    waiting processes, head first
 *   <prefix>lock:{<key>}:events:<client>   channel of one waiting client: `<token> <fence>`, a grant
 *                                 (the scripts derive it from the lock key; see lib/handoff.lua)
 * The owner lease of a namespace has the same shape under `owner:{<namespace>}`.
 */
export interface LockKeys {
  /** The caller's name for the lock, without prefix. */
  readonly name: string;
  readonly lock: string;
  readonly fence: string;
  readonly queue: string;
  readonly channel: string;
}

export function lockKeys(prefix: string, key: string): LockKeys {
  return shape(key, lockKeyOf(prefix, key));
}

/** The lock's own key alone (`lockKeys(...).lock`), to look up what is known of it. */
export function lockKeyOf(prefix: string, key: string): string {
  return `${prefix}lock:{${key}}`;
}

export function ownerKeys(prefix: string, namespace: string): LockKeys {
  return shape(namespace, `${prefix}owner:{${namespace}}`);
}

function shape(name: string, base: string): LockKeys {
  return { name, lock: base, fence: `${base}:fence`, queue: `${base}:queue`, channel: `${base}:events` };
}
