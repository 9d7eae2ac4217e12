import { EventEmitter } from 'node:events';
import type { RedisConnection, SubscriberConnection } from '../redis/connection.js';
import type { Reply } from './commands.js';
import { connectionClosed, ReplyError, subscriberMode, wrongArity } from './errors.js';
import type { Sink } from './pubsub.js';
import { Store } from './store.js';

export interface InMemoryRedisEvents {
  connect: [];
  ready: [];
  message: [channel: string, message: string];
  error: [err: Error];
  close: [];
  end: [];
}

/** What ioredis still accepts on a connection with subscriptions. */
const SUBSCRIBER_COMMANDS = new Set(['SUBSCRIBE', 'UNSUBSCRIBE', 'PING', 'QUIT']);

type Arg = string | number;

/**
 * An in-memory stand-in for an ioredis connection, for tests: `new LockClient({ redis: new
 * InMemoryRedis() })`. It runs lock-core's three scripts natively (recognised by SHA, after EVAL or
 * SCRIPT LOAD, as a real server), and GET, SET, DEL, EXISTS, PTTL, LLEN, LRANGE, RPUSH, PUBLISH,
 * SUBSCRIBE, FLUSHALL; anything else is refused with an `ERR` reply naming it, never answered by a guess.
 *
 * Every connection made by `duplicate()` shares the original's data, channels and scripts, like
 * connections to one server: give each simulated pod its own `duplicate()`.
 *
 * Key expiry is computed from `Date.now()` when a key is read, with no timer of its own, so
 * `vi.useFakeTimers()` and `vi.advanceTimersByTime()` move it, and nothing keeps a process alive.
 */
export class InMemoryRedis
  extends EventEmitter<InMemoryRedisEvents>
  implements RedisConnection, SubscriberConnection
{
  #store = new Store();
  #status: 'connecting' | 'ready' | 'end' = 'connecting';
  readonly #channels = new Set<string>();
  readonly #sink: Sink = (channel, message) => {
    if (this.#status !== 'end') this.emit('message', channel, message);
  };

  constructor() {
    super();
    // Like ioredis, 'ready' comes after the constructor returns, so listeners added at once hear it.
    // Commands sent before it are served anyway (ioredis queues them until it is connected).
    queueMicrotask(() => {
      if (this.#status !== 'connecting') return;
      this.#status = 'ready';
      this.emit('connect');
      this.emit('ready');
    });
  }

  /** ioredis's connection status: 'connecting', then 'ready', and 'end' after quit() or disconnect(). */
  get status(): string {
    return this.#status;
  }

  /** A new connection to the same in-memory server (for subscriptions, or another simulated pod). */
  duplicate(): InMemoryRedis {
    const copy = new InMemoryRedis();
    copy.#store = this.#store;
    return copy;
  }

  // ---- scripts ------------------------------------------------------------------------------------

  evalsha(sha: string, numKeys: number | string, ...args: Arg[]): Promise<unknown> {
    return this.#run('EVALSHA', [sha, numKeys, ...args]);
  }

  eval(script: string, numKeys: number | string, ...args: Arg[]): Promise<unknown> {
    return this.#run('EVAL', [script, numKeys, ...args]);
  }

  script(subcommand: string, ...args: Arg[]): Promise<unknown> {
    return this.#run('SCRIPT', [subcommand, ...args]);
  }

  // ---- data ---------------------------------------------------------------------------------------

  get(key: string): Promise<string | null> {
    return this.#run('GET', [key]) as Promise<string | null>;
  }

  /** SET key value [NX | XX] [EX seconds | PX ms]: 'OK', or null when NX/XX kept it from writing. */
  set(key: string, value: string | number, ...options: Arg[]): Promise<'OK' | null> {
    return this.#run('SET', [key, value, ...options]) as Promise<'OK' | null>;
  }

  del(...keys: string[]): Promise<number> {
    return this.#run('DEL', keys) as Promise<number>;
  }

  exists(...keys: string[]): Promise<number> {
    return this.#run('EXISTS', keys) as Promise<number>;
  }

  pttl(key: string): Promise<number> {
    return this.#run('PTTL', [key]) as Promise<number>;
  }

  llen(key: string): Promise<number> {
    return this.#run('LLEN', [key]) as Promise<number>;
  }

  lrange(key: string, start: number | string, stop: number | string): Promise<string[]> {
    return this.#run('LRANGE', [key, start, stop]) as Promise<string[]>;
  }

  rpush(key: string, ...elements: Arg[]): Promise<number> {
    return this.#run('RPUSH', [key, ...elements]) as Promise<number>;
  }

  flushall(): Promise<'OK'> {
    return this.#run('FLUSHALL', []) as Promise<'OK'>;
  }

  ping(message?: string): Promise<string> {
    return this.#run('PING', message === undefined ? [] : [message]) as Promise<string>;
  }

  /** ioredis's generic `call`: any command above by name; every other command is refused, named. */
  call(command: string, ...args: Arg[]): Promise<unknown> {
    return this.#run(String(command).toUpperCase(), args);
  }

  // ---- pub/sub ------------------------------------------------------------------------------------

  publish(channel: string, message: string): Promise<number> {
    return this.#run('PUBLISH', [channel, message]) as Promise<number>;
  }

  /** Resolves with the number of channels this connection is subscribed to, as ioredis does. */
  subscribe(...channels: string[]): Promise<number> {
    return this.#run('SUBSCRIBE', channels) as Promise<number>;
  }

  /** Without channels, unsubscribes from all. Resolves with the number still subscribed. */
  unsubscribe(...channels: string[]): Promise<number> {
    return this.#run('UNSUBSCRIBE', channels) as Promise<number>;
  }

  // ---- lifecycle ----------------------------------------------------------------------------------

  async quit(): Promise<'OK'> {
    if (this.#status === 'end') throw connectionClosed();
    this.#end();
    return 'OK';
  }

  disconnect(): void {
    if (this.#status !== 'end') this.#end();
  }

  #end(): void {
    this.#status = 'end';
    for (const channel of this.#channels) this.#store.pubsub.unsubscribe(channel, this.#sink);
    this.#channels.clear();
    queueMicrotask(() => {
      this.emit('close');
      this.emit('end');
    });
  }

  /** Every command goes through here: async, so a refusal is a rejection, never a synchronous throw. */
  async #run(name: string, rawArgs: readonly unknown[]): Promise<unknown> {
    if (this.#status === 'end') throw connectionClosed();
    if (this.#channels.size > 0 && !SUBSCRIBER_COMMANDS.has(name)) throw subscriberMode();
    const args = rawArgs.map((arg, i) => {
      if (typeof arg === 'string') return asSent(arg);
      if (typeof arg === 'number') return String(arg);
      throw new ReplyError(
        `ERR InMemoryRedis takes strings and numbers only, got ${typeof arg} as argument ${i + 1} of ${name}`,
      );
    });
    if (name === 'SUBSCRIBE') return this.#subscribe(args);
    if (name === 'UNSUBSCRIBE') return this.#unsubscribe(args);
    return this.#store.exec(name, args) satisfies Reply;
  }

  #subscribe(channels: string[]): number {
    if (channels.length === 0) throw wrongArity('subscribe');
    for (const channel of channels) {
      this.#channels.add(channel);
      this.#store.pubsub.subscribe(channel, this.#sink);
    }
    return this.#channels.size;
  }

  #unsubscribe(channels: string[]): number {
    for (const channel of channels.length > 0 ? channels : [...this.#channels]) {
      this.#channels.delete(channel);
      this.#store.pubsub.unsubscribe(channel, this.#sink);
    }
    return this.#channels.size;
  }
}

/**
 * A string as Redis receives it from ioredis, which encodes it as UTF-8: a lone surrogate becomes U+FFFD,
 * so two names that differ only there are one key on Redis, and are one here too.
 */
function asSent(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
