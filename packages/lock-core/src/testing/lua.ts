/**
 * The few pieces of Lua 5.1 (Redis's script engine) whose behaviour the native scripts must copy:
 * `tonumber`, and how a returned table becomes a Redis reply.
 */

/** What `redis.call` hands a script: a bulk string, an integer, or `false` for a nil reply. */
export type CallResult = string | number | false;

/** A value a script may put in the table it returns; `undefined` is Lua's nil. */
export type LuaValue = string | number | boolean | undefined;

/** Lua's `tonumber`: strtod-like on strings (surrounding space, hex, exponents), nil for anything else. */
export function tonumber(value: CallResult | undefined | null): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const s = value.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
  if (/^[-+]?0[xX][0-9a-fA-F]+$/.test(s)) {
    const n = Number.parseInt(s.replace(/^[-+]/, ''), 16);
    return s.startsWith('-') ? -n : n;
  }
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
  if (/^[-+]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[-+]?nan$/i.test(s)) return Number.NaN;
  return undefined;
}

/**
 * How Redis turns a script's returned table into a reply: it reads elements 1, 2, … and stops at the
 * first nil (so `{nil, 5}` is an empty array), numbers are truncated to integers, `false` becomes a nil
 * reply (null through ioredis) and `true` the integer 1.
 */
export function tableReply(table: readonly LuaValue[]): Array<string | number | null> {
  const reply: Array<string | number | null> = [];
  for (const value of table) {
    if (value === undefined) break;
    reply.push(scalarReply(value));
  }
  return reply;
}

export function scalarReply(value: string | number | boolean): string | number | null {
  if (value === false) return null;
  if (value === true) return 1;
  if (typeof value === 'number') return Math.trunc(value);
  return value;
}

/** A Lua error raised while a script runs; Redis replies with it as an `ERR`. */
export class LuaRuntimeError extends Error {}
