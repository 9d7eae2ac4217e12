import type { RedisConnection } from './connection.js';
import { isCluster } from './topology.js';

type Handler = (message: string) => void;

/**
 * The subscriber connection as the notifier drives it: classic or sharded commands, as ioredis names
 * them. `SubscriberConnection` (the public type) names the classic ones; the sharded ones exist on
 * ioredis's Redis and Cluster, and the options check that before 'sharded' is chosen.
 */
interface Subscriber {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  ssubscribe(channel: string): Promise<unknown>;
  sunsubscribe(channel: string): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
  /** ioredis: 'connecting', 'connect' (ready check under way), 'ready', … The fake is always 'ready'. */
  readonly status?: string;
}

/** ioredis's `Cluster#duplicate(startupNodes?, options?)`. */
interface DuplicatingCluster {
  duplicate(startupNodes: undefined, options: { shardedSubscribers: true }): Subscriber;
}

/** A Cluster's quit() waits on every node; past this the subscriber is simply disconnected. */
const QUIT_WAIT_MS = 2_000;

/** How long a channel stays subscribed after its last listener left, so hot keys don't churn. */
const LINGER_MS = 10_000;

/**
 * Owns the client's one subscriber connection (a `duplicate()` of the command connection, made on first
 * use) and routes each channel's messages to one handler. `listen` resolves once Redis confirmed the
 * subscription, so a caller can enqueue knowing it will hear its grant.
 */
export class Notifier {
  private sub: Subscriber | null = null;
  private readonly handlers = new Map<string, Handler>();
  private readonly subscribed = new Map<string, Promise<void>>();
  private readonly confirmed = new Set<string>();
  private readonly lingering = new Map<string, NodeJS.Timeout>();
  private readyOnce = false;
  private closed = false;
  /**
   * The connection's own `keyPrefix` (an ioredis option): it prefixes the lock's keys in every script, so
   * grants go out on prefixed channels. ioredis prefixes SSUBSCRIBE's channels itself (Redis declares them
   * as keys) but not SUBSCRIBE's: the notifier adds it there. Either way messages arrive with it.
   */
  private readonly channelPrefix: string;

  constructor(
    private readonly redis: RedisConnection,
    private readonly onError: (err: unknown) => void,
    /** Called when the subscriber reconnects: messages sent meanwhile were lost, so waiters should ask. */
    private readonly onReconnect: () => void,
    /** SSUBSCRIBE / 'smessage' (Redis 7 sharded pub/sub, one shard per channel) instead of SUBSCRIBE. */
    private readonly sharded = false,
  ) {
    const prefix = (redis as { options?: { keyPrefix?: unknown } }).options?.keyPrefix;
    this.channelPrefix = typeof prefix === 'string' ? prefix : '';
  }

  /** No channel is subscribed or routed: lets the uncontended path skip building channel names. */
  get isIdle(): boolean {
    return this.confirmed.size === 0 && this.handlers.size === 0;
  }

  /** Redis confirmed a subscription to `channel` (routed now, or lingering since the last wait). */
  isSubscribed(channel: string): boolean {
    return this.confirmed.has(channel);
  }

  isListening(channel: string): boolean {
    return this.confirmed.has(channel) && this.handlers.has(channel);
  }

  /**
   * Routes `channel` to `handler` at once if Redis already confirmed the subscription (a lingering one,
   * say), and says whether it did: then a caller can enqueue now, without waiting for anything.
   */
  resume(channel: string, handler: Handler): boolean {
    if (!this.confirmed.has(channel)) return false;
    void this.listen(channel, handler);
    return true;
  }

  /** Routes `channel` to `handler` and subscribes if needed; rejects if Redis refuses or is away. */
  listen(channel: string, handler: Handler): Promise<void> {
    this.handlers.set(channel, handler);
    const linger = this.lingering.get(channel);
    if (linger) {
      clearTimeout(linger);
      this.lingering.delete(channel);
    }
    let pending = this.subscribed.get(channel);
    if (!pending) {
      pending = this.send('subscribe', channel).then(() => {
        this.confirmed.add(channel);
      });
      pending.catch(() => {
        this.subscribed.delete(channel);
      });
      this.subscribed.set(channel, pending);
    }
    return pending;
  }

  /** Stops routing `channel`; unsubscribes after a linger unless someone listens again. */
  unlisten(channel: string): void {
    if (this.handlers.size === 0 || !this.handlers.delete(channel)) return;
    if (this.closed || this.lingering.has(channel)) return;
    const timer = setTimeout(() => {
      this.lingering.delete(channel);
      if (this.handlers.has(channel) || !this.sub) return;
      this.subscribed.delete(channel);
      this.confirmed.delete(channel);
      this.send('unsubscribe', channel).catch(() => {
        // A dropped connection unsubscribes everything anyway.
      });
    }, LINGER_MS);
    timer.unref();
    this.lingering.set(channel, timer);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.lingering.values()) clearTimeout(timer);
    this.lingering.clear();
    this.handlers.clear();
    const sub = this.sub;
    this.sub = null;
    if (!sub) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        sub.quit(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('quit timed out')), QUIT_WAIT_MS);
        }),
      ]);
    } catch {
      sub.disconnect();
    } finally {
      clearTimeout(timer);
    }
  }

  /** (S)SUBSCRIBE or (S)UNSUBSCRIBE; a synchronous throw (a Cluster mid-failover may) becomes a rejection. */
  private send(what: 'subscribe' | 'unsubscribe', channel: string): Promise<unknown> {
    let sub: Subscriber;
    try {
      sub = this.connection();
    } catch (err) {
      return Promise.reject(err);
    }
    const name = this.sharded ? channel : this.channelPrefix + channel;
    const write = (): Promise<unknown> => {
      if (!this.sharded) return sub[what](name);
      return what === 'subscribe' ? sub.ssubscribe(name) : sub.sunsubscribe(name);
    };
    return sub.status === 'connect' ? Notifier.pastReadyCheck(sub).then(write) : write();
  }

  /**
   * In status 'connect' (the socket is up, the ready check's INFO not yet answered) ioredis writes a
   * SUBSCRIBE at once, as a command allowed while loading: the connection enters subscriber mode, INFO
   * then fails, and it reconnects with an 'error'. So a command sent then waits for 'ready', or for the
   * first sign that it will not come soon ('error', 'close', 'end'). In any other status ioredis queues
   * commands itself until it is ready.
   */
  private static pastReadyCheck(sub: Subscriber): Promise<void> {
    return new Promise((resolve) => {
      const events = ['ready', 'error', 'close', 'end'];
      const done = (): void => {
        for (const event of events) sub.off(event, done);
        resolve();
      };
      for (const event of events) sub.once(event, done);
    });
  }

  private connection(): Subscriber {
    if (this.sub) return this.sub;
    // On a Cluster, sharded channels need ioredis's per-shard subscriber group, which only a Cluster made
    // with `shardedSubscribers` has; a plain (or Sentinel) connection subscribes on a duplicate as is.
    const sub =
      this.sharded && isCluster(this.redis)
        ? (this.redis as unknown as DuplicatingCluster).duplicate(undefined, { shardedSubscribers: true })
        : (this.redis.duplicate() as unknown as Subscriber);
    const prefix = this.channelPrefix;
    sub.on(this.sharded ? 'smessage' : 'message', (channel: string, message: string) => {
      this.handlers.get(prefix && channel.startsWith(prefix) ? channel.slice(prefix.length) : channel)?.(
        message,
      );
    });
    sub.on('error', (err: Error) => {
      if (!this.closed) this.onError(err);
    });
    const ready = (): void => {
      if (this.readyOnce && !this.closed) this.onReconnect();
      this.readyOnce = true;
    };
    sub.on('ready', ready);
    // A Cluster's shard subscribers are rebuilt (and resubscribed) after a failover without a new 'ready'.
    if (this.sharded) sub.on('subscribersReady', ready);
    this.sub = sub;
    return sub;
  }
}
