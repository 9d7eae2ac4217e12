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
