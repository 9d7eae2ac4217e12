import type { RedisConnection, SubscriberConnection } from '../connection.js';

type Handler = (message: string) => void;

/** How long a channel stays subscribed after its last listener left, so hot keys don't churn. */
const LINGER_MS = 10_000;

/**
 * Owns the client's one subscriber connection (a `duplicate()` of the command connection, made on first
 * use) and routes each channel's messages to one handler. `listen` resolves once Redis confirmed the
 * subscription, so a caller can enqueue knowing it will hear its grant.
 */
export class Notifier {
  private sub: SubscriberConnection | null = null;
  private readonly handlers = new Map<string, Handler>();
  private readonly subscribed = new Map<string, Promise<void>>();
  private readonly confirmed = new Set<string>();
  private readonly lingering = new Map<string, NodeJS.Timeout>();
  private readyOnce = false;
  private closed = false;

  constructor(
    private readonly redis: RedisConnection,
    private readonly onError: (err: unknown) => void,
    /** Called when the subscriber reconnects: messages sent meanwhile were lost, so waiters should ask. */
    private readonly onReconnect: () => void,
  ) {}

  isListening(channel: string): boolean {
    return this.confirmed.has(channel) && this.handlers.has(channel);
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
      pending = this.connection()
        .subscribe(channel)
        .then(() => {
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
    if (!this.handlers.delete(channel) || this.closed || this.lingering.has(channel)) return;
    const timer = setTimeout(() => {
      this.lingering.delete(channel);
      if (this.handlers.has(channel) || !this.sub) return;
      this.subscribed.delete(channel);
      this.confirmed.delete(channel);
      this.sub.unsubscribe(channel).catch(() => {
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
    try {
      await sub.quit();
    } catch {
      sub.disconnect();
    }
  }

  private connection(): SubscriberConnection {
    if (this.sub) return this.sub;
    const sub = this.redis.duplicate();
    sub.on('message', (channel, message) => {
      this.handlers.get(channel)?.(message);
    });
    sub.on('error', (err) => {
      if (!this.closed) this.onError(err);
    });
    sub.on('ready', () => {
      if (this.readyOnce && !this.closed) this.onReconnect();
      this.readyOnce = true;
    });
    this.sub = sub;
    return sub;
  }
}
