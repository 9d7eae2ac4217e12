import { notInteger, ReplyError, wrongType } from './errors.js';

type Value = { type: 'string'; value: string } | { type: 'list'; items: string[] };

interface Entry {
  value: Value;
  /** Absolute wall-clock ms (Date.now() scale), or undefined for no expiry. */
  expiresAt: number | undefined;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Redis's `string2ll`: an optional minus and digits, no spaces, no `+`, no leading zeros, within int64.
 * Anything else is the reply `ERR value is not an integer or out of range`, as Redis gives it.
 */
export function parseInteger(text: string): bigint {
  if (!/^(0|-?[1-9]\d*)$/.test(text)) throw notInteger();
  const n = BigInt(text);
  if (n < INT64_MIN || n > INT64_MAX) throw notInteger();
  return n;
}

/**
 * The data of one store: strings and lists with optional expiry. Expiry is lazy and timer-free, as
 * Redis's own lazy path is: a key whose deadline is past is deleted the moment it is looked up. `now` is
 * passed in by the caller, once per command (and once per script, as Redis freezes time for a script),
 * read from `Date.now()`, so fake timers move it.
 *
 * Redis keeps a key through its last millisecond: it is expired only once `now > expiresAt`.
 */
export class Keyspace {
  readonly #entries = new Map<string, Entry>();

  #lookup(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry?.expiresAt !== undefined && now > entry.expiresAt) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #string(key: string, now: number): Entry | undefined {
    const entry = this.#lookup(key, now);
    if (entry && entry.value.type !== 'string') throw wrongType();
    return entry;
  }

  /** The list at `key` (WRONGTYPE if a string), or undefined: Redis never keeps an empty list. */
  #list(key: string, now: number): string[] | undefined {
    const entry = this.#lookup(key, now);
    if (!entry) return undefined;
    if (entry.value.type !== 'list') throw wrongType();
    return entry.value.items;
  }

  /** Removes a list that became empty, as Redis does after every pop or removal. */
  #dropIfEmpty(key: string, items: string[]): void {
    if (items.length === 0) this.#entries.delete(key);
  }

  get(key: string, now: number): string | null {
    const entry = this.#string(key, now);
    return entry?.value.type === 'string' ? entry.value.value : null;
  }

  /** SET: replaces any value of any type, and its expiry unless `expiresAt` is given. */
  set(key: string, value: string, now: number, when: 'always' | 'nx' | 'xx', expiresAt?: number): boolean {
    const exists = this.#lookup(key, now) !== undefined;
    if ((when === 'nx' && exists) || (when === 'xx' && !exists)) return false;
    this.#entries.set(key, { value: { type: 'string', value }, expiresAt });
    return true;
  }

  del(key: string, now: number): number {
    if (!this.#lookup(key, now)) return 0;
    this.#entries.delete(key);
    return 1;
  }

  exists(key: string, now: number): number {
    return this.#lookup(key, now) ? 1 : 0;
  }

  /** INCR: a missing key counts from 0; the expiry is kept, as Redis keeps it. */
  incr(key: string, now: number): number {
    const entry = this.#string(key, now);
    const current = entry?.value.type === 'string' ? parseInteger(entry.value.value) : 0n;
    if (current === INT64_MAX) throw new ReplyError('ERR increment or decrement would overflow');
    const next = current + 1n;
    this.#entries.set(key, {
      value: { type: 'string', value: next.toString() },
      expiresAt: entry?.expiresAt,
    });
    return Number(next);
  }

  /** PEXPIRE: 0 when there is no key; a deadline at or before now deletes the key (and still says 1). */
  pexpire(key: string, ms: number, now: number): number {
    const entry = this.#lookup(key, now);
    if (!entry) return 0;
    const at = now + ms;
    if (at <= now) this.#entries.delete(key);
    else entry.expiresAt = at;
    return 1;
  }

  /** PTTL: -2 no key, -1 no expiry, else the ms left (0 in the key's last millisecond). */
  pttl(key: string, now: number): number {
    const entry = this.#lookup(key, now);
    if (!entry) return -2;
    if (entry.expiresAt === undefined) return -1;
    return Math.max(0, entry.expiresAt - now);
  }

  llen(key: string, now: number): number {
    return this.#list(key, now)?.length ?? 0;
  }

  lpop(key: string, now: number): string | null {
    const items = this.#list(key, now);
    if (!items) return null;
    const head = items.shift() ?? null;
    this.#dropIfEmpty(key, items);
    return head;
  }

  rpush(key: string, values: readonly string[], now: number): number {
    const items = this.#list(key, now);
    if (items) {
      items.push(...values);
      return items.length;
    }
    this.#entries.set(key, { value: { type: 'list', items: [...values] }, expiresAt: undefined });
    return values.length;
  }

  /** LPOS without options: the index of the first match, or null. */
  lpos(key: string, element: string, now: number): number | null {
    const at = this.#list(key, now)?.indexOf(element) ?? -1;
    return at < 0 ? null : at;
  }

  lset(key: string, index: number, element: string, now: number): void {
    const items = this.#list(key, now);
    if (!items) throw new ReplyError('ERR no such key');
    const at = index < 0 ? items.length + index : index;
    if (at < 0 || at >= items.length) throw new ReplyError('ERR index out of range');
    items[at] = element;
  }

  /** LREM: count > 0 from the head, < 0 from the tail, 0 all; returns how many went. */
  lrem(key: string, count: number, element: string, now: number): number {
    const items = this.#list(key, now);
    if (!items) return 0;
    const limit = count === 0 ? Number.POSITIVE_INFINITY : Math.abs(count);
    let removed = 0;
    if (count >= 0) {
      for (let i = 0; i < items.length && removed < limit; ) {
        if (items[i] === element) {
          items.splice(i, 1);
          removed++;
        } else i++;
      }
    } else {
      for (let i = items.length - 1; i >= 0 && removed < limit; i--) {
        if (items[i] === element) {
          items.splice(i, 1);
          removed++;
        }
      }
    }
    this.#dropIfEmpty(key, items);
    return removed;
  }

  /** LRANGE with Redis's index rules: negatives count from the end, out-of-range ends are clamped. */
  lrange(key: string, start: number, stop: number, now: number): string[] {
    const items = this.#list(key, now);
    if (!items) return [];
    const n = items.length;
    const from = Math.max(0, start < 0 ? n + start : start);
    const to = Math.min(n - 1, stop < 0 ? n + stop : stop);
    return from > to ? [] : items.slice(from, to + 1);
  }

  flush(): void {
    this.#entries.clear();
  }
}
