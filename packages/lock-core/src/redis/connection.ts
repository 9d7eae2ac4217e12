/**
 * The narrow slice of a Redis client this library uses. ioredis's `Redis` and `Cluster` fit it as they
 * are, and so does the in-memory fake of `@edirect/lock-core/testing`.
 */
export interface RedisConnection {
  evalsha(sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
  set(key: string, value: string, nx: 'NX'): Promise<unknown>;
  /** A second connection for subscriptions; the client owns it and closes it. */
  duplicate(): SubscriberConnection;
  /** ioredis: 'ready', 'connecting', 'end', … */
  readonly status?: string;
}

/** What the client needs of the connection it subscribes on. */
export interface SubscriberConnection {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
}
