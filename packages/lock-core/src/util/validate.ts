/**
 * Argument checks run before anything touches Redis. Each names the argument and what it got, so a
 * mistake reads as a sentence: `ttl must be a positive integer of milliseconds, got 1.5`.
 */

/** setTimeout's ceiling: a larger delay fires at once, so no ttl or timeout may exceed it. */
export const MAX_MS = 2 ** 31 - 1;

export function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `"${value.slice(0, 40)}…"` : `"${value}"`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

export function assertKey(value: unknown, name = 'key'): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${name} must be a non-empty string, got ${describe(value)}`);
  }
}

/** A lone UTF-16 surrogate: Redis clients send it as U+FFFD, so two such names would be one lock. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text that reaches Redis as it is: no lone surrogate (which the client would replace by U+FFFD). */
export function assertWellFormed(value: string, name: string): void {
  if (LONE_SURROGATE.test(value)) {
    throw new RangeError(
      `${name} must be well-formed Unicode: it has a lone UTF-16 surrogate, which Redis clients send as ` +
        `U+FFFD (so two such names would be one lock), got ${describe(value)}`,
    );
  }
}

/**
 * The name of a lock or a namespace: a non-empty string, well formed, and not opening with "}". Its keys
 * are `lock:{<name>}…`, hash-tagged so that Redis Cluster keeps them in one slot; a name opening with "}"
 * makes the tag empty, and each key of the lock would land in a slot of its own (CROSSSLOT).
 */
export function assertLockName(value: unknown, name = 'key'): asserts value is string {
  assertKey(value, name);
  if (value.startsWith('}')) {
    throw new RangeError(
      `${name} must not start with "}": its keys are hash-tagged {${'<name>'}} so Redis Cluster keeps them ` +
        `in one slot, and a leading "}" leaves the tag empty, got ${describe(value)}`,
    );
  }
  assertWellFormed(value, name);
}

export function assertString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${describe(value)}`);
}

export function assertBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describe(value)}`);
}

export function assertFunction(value: unknown, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new TypeError(`${name} must be a function, got ${describe(value)}`);
}

/** A duration in whole milliseconds, 1 ..= 2^31-1. */
export function assertMs(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a positive integer of milliseconds, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value <= 0 || value > MAX_MS) {
    throw new RangeError(`${name} must be a positive integer of milliseconds up to ${MAX_MS}, got ${value}`);
  }
}

/** The shortest lease, ms: below it the drift margin kept off every lease (1% + 2 ms) leaves no time to hold it. */
export const MIN_TTL_MS = 10;

/** A lease time: whole milliseconds, from MIN_TTL_MS to 2^31-1. */
export function assertTtl(value: unknown, name: string): asserts value is number {
  assertMs(value, name);
  if (value < MIN_TTL_MS) {
    throw new RangeError(
      `${name} must be at least ${MIN_TTL_MS} ms: a lease keeps 1% + 2 ms off its end as a margin for ` +
        `clock drift, so a shorter one would never be held, got ${value}`,
    );
  }
}

/** Like `assertMs`, but 0 is allowed (e.g. a wait timeout of 0 means one attempt). */
export function assertNonNegativeMs(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a non-negative integer of milliseconds, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < 0 || value > MAX_MS) {
    throw new RangeError(`${name} must be an integer of milliseconds from 0 to ${MAX_MS}, got ${value}`);
  }
}

export function assertSignal(value: unknown, name: string): asserts value is AbortSignal {
  if (!(value instanceof AbortSignal)) {
    throw new TypeError(`${name} must be an AbortSignal, got ${describe(value)}`);
  }
}

export function assertPlainObject(value: unknown, name: string): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, got ${describe(value)}`);
  }
}

/** Refuses keys the caller did not mean (a typo like `tll` would otherwise be ignored silently). */
export function assertKnownKeys(
  value: Record<string, unknown>,
  known: readonly string[],
  name: string,
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new TypeError(`${name} has an unknown option "${key}"; known options: ${known.join(', ')}`);
    }
  }
}
