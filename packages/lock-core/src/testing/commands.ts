import { notImplemented, ReplyError, syntaxError, wrongArity } from './errors.js';
import { type Keyspace, parseInteger } from './keyspace.js';
import type { PubSub } from './pubsub.js';

/** A reply as ioredis hands it over: bulk strings, integers as numbers, nil as null, arrays. */
export type Reply = string | number | null | Reply[];

export interface CommandContext {
  readonly keyspace: Keyspace;
  readonly pubsub: PubSub;
  /** Date.now() when the command (or the script calling it) started. */
  readonly now: number;
}

interface Command {
  /** Redis's arity: the exact argument count including the name, or its negative as a minimum. */
  readonly arity: number;
  run(ctx: CommandContext, args: string[]): Reply;
}

const int = (text: string): number => Number(parseInteger(text));

let lastMs = -1;
let micro = 0;
/**
 * TIME from Date.now() (which fake timers move): the fake's clock has ms, so within one ms each reading
 * counts on a µs, as a real clock would have moved between two commands. Fences drawn from it after a
 * data loss (a flush) stay above those drawn before, even when the fake clock stands still.
 */
function time(now: number): Reply {
  if (now !== lastMs) {
    lastMs = now;
    micro = 0;
  } else if (micro < 999) micro++;
  return [String(Math.floor(now / 1000)), String((now % 1000) * 1000 + micro)];
}

/**
 * An expiry in ms from now. Redis refuses 0, negatives and deadlines past int64; the fake also refuses
 * deadlines past 2^53 ms (some 285,000 years), which a JS number cannot hold exactly.
 */
function expiryMs(text: string, scale: number, command: string, now: number): number {
  const ms = int(text) * scale;
  if (ms <= 0 || !Number.isSafeInteger(ms + now)) {
    throw new ReplyError(`ERR invalid expire time in '${command}' command`);
  }
  return ms;
}

/** SET key value [NX | XX] [EX seconds | PX milliseconds]. */
function set(ctx: CommandContext, [key = '', value = '', ...options]: string[]): Reply {
  let when: 'always' | 'nx' | 'xx' = 'always';
  let ttl: { text: string; scale: number } | undefined;
  for (let i = 0; i < options.length; i++) {
    const option = (options[i] ?? '').toUpperCase();
    const next = options[i + 1];
    if ((option === 'NX' || option === 'XX') && when === 'always') {
      when = option === 'NX' ? 'nx' : 'xx';
    } else if ((option === 'EX' || option === 'PX') && !ttl && next !== undefined) {
      ttl = { text: next, scale: option === 'EX' ? 1000 : 1 };
      i++;
    } else if (['GET', 'KEEPTTL', 'EXAT', 'PXAT'].includes(option)) {
      throw notImplemented(`SET … ${option}`);
    } else {
      throw syntaxError();
    }
  }
  const ms = ttl ? expiryMs(ttl.text, ttl.scale, 'set', ctx.now) : undefined;
  const written = ctx.keyspace.set(key, value, ctx.now, when, ms === undefined ? undefined : ctx.now + ms);
  return written ? 'OK' : null;
}

function pexpire(ctx: CommandContext, [key = '', ms = '', ...options]: string[]): Reply {
  if (options.length > 0) throw notImplemented(`PEXPIRE … ${options[0]?.toUpperCase()}`);
  const n = int(ms);
  if (!Number.isSafeInteger(n + ctx.now)) {
    throw new ReplyError("ERR invalid expire time in 'pexpire' command");
  }
  return ctx.keyspace.pexpire(key, n, ctx.now);
}

const each = (keys: string[], f: (key: string) => number): number => keys.reduce((sum, k) => sum + f(k), 0);

const COMMANDS: Record<string, Command> = {
  GET: { arity: 2, run: (c, [k = '']) => c.keyspace.get(k, c.now) },
  SET: { arity: -3, run: set },
  DEL: { arity: -2, run: (c, keys) => each(keys, (k) => c.keyspace.del(k, c.now)) },
  EXISTS: { arity: -2, run: (c, keys) => each(keys, (k) => c.keyspace.exists(k, c.now)) },
  INCR: { arity: 2, run: (c, [k = '']) => c.keyspace.incr(k, c.now) },
  PEXPIRE: { arity: -3, run: pexpire },
  PTTL: { arity: 2, run: (c, [k = '']) => c.keyspace.pttl(k, c.now) },
  LLEN: { arity: 2, run: (c, [k = '']) => c.keyspace.llen(k, c.now) },
  LPOP: {
    arity: -2,
    run: (c, [k = '', ...rest]) => {
      if (rest.length > 0) throw notImplemented('LPOP with a count');
      return c.keyspace.lpop(k, c.now);
    },
  },
  RPUSH: { arity: -3, run: (c, [k = '', ...values]) => c.keyspace.rpush(k, values, c.now) },
  LPOS: {
    arity: -3,
    run: (c, [k = '', element = '', ...options]) => {
      if (options.length > 0) throw notImplemented(`LPOS … ${options[0]?.toUpperCase()}`);
      return c.keyspace.lpos(k, element, c.now);
    },
  },
  LSET: {
    arity: 4,
    run: (c, [k = '', index = '', element = '']) => {
      c.keyspace.lset(k, int(index), element, c.now);
      return 'OK';
    },
  },
  LREM: { arity: 4, run: (c, [k = '', n = '', element = '']) => c.keyspace.lrem(k, int(n), element, c.now) },
  LRANGE: {
    arity: 4,
    run: (c, [k = '', start = '', stop = '']) => c.keyspace.lrange(k, int(start), int(stop), c.now),
  },
  TIME: { arity: 1, run: (c) => time(c.now) },
  PUBLISH: { arity: 3, run: (c, [channel = '', message = '']) => c.pubsub.publish(channel, message) },
  FLUSHALL: {
    arity: -1,
    run: (c, options) => {
      const mode = options[0]?.toUpperCase();
      if (options.length > 1 || (mode !== undefined && mode !== 'SYNC' && mode !== 'ASYNC')) {
        throw syntaxError();
      }
      c.keyspace.flush();
      return 'OK';
    },
  },
  PING: {
    arity: -1,
    run: (_c, args) => {
      if (args.length > 1) throw wrongArity('ping');
      return args[0] ?? 'PONG';
    },
  },
};

/** The data commands the fake implements, by upper-case name. */
export const DATA_COMMANDS: readonly string[] = Object.keys(COMMANDS);

/** Runs one data command (`name` upper-case, `args` already strings) against a store's keyspace. */
export function runCommand(ctx: CommandContext, name: string, args: string[]): Reply {
  const command = COMMANDS[name];
  if (!command) throw notImplemented(`the ${name} command`);
  const argc = args.length + 1;
  if (command.arity >= 0 ? argc !== command.arity : argc < -command.arity) throw wrongArity(name);
  return command.run(ctx, args);
}
