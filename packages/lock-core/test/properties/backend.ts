import type { RedisConnection } from '@edirect/lock-core';

/** How slow one pod's link to Redis is, ms (0: as fast as the backend goes). */
export interface LinkDelays {
  /** Before a command reaches the server (it then runs later, at the server's time). */
  request: number;
  /** Before a reply reaches the pod (the command ran already). */
  reply: number;
  /** Before a pub/sub message reaches the pod's subscriber connection. */
  message: number;
}

/**
 * What the model needs of a backend: connections for pods, an atomic look at the server, and time.
 * `fake-backend.ts` is the in-memory fake under vitest's fake timers; `redis-backend.ts` a real server
 * in real time.
 */
export interface Backend {
  readonly kind: 'fake' | 'redis';
  /** A round trip's worst case beyond the link delays, ms: 0 on the fake, a generous bound on Redis. */
  readonly latency: number;
  /** Every key the pods touch is under it. */
  readonly prefix: string;
  /**
   * The connection of one pod (its own, as a pod in production would have); `onCommand` hears every
   * command the pod sends on it.
   */
  connect(link: LinkDelays, onCommand?: (command: string) => void): RedisConnection;
  /** The values of server keys, read in one step. */
  read(keys: readonly string[]): Promise<Array<string | null>>;
  /** Lets replies and messages already on their way arrive (the fake clock does not move). */
  settle(): Promise<void>;
  /** Moves time forward by `ms`, calling `between()` every few ms of it. */
  advance(ms: number, between: () => Promise<void>): Promise<void>;
  /**
   * The fake only: `ms` pass with every timer firing on time but no reply, message or promise reaction
   * processed until the end (an event loop starved of I/O: a Redis or network stall).
   */
  freeze?(ms: number): Promise<void>;
  /** Redis restarts without persistence (the fake: FLUSHALL) or evicts this test's keys (real). */
  forget?(): Promise<void>;
  /** A timer of the test's own (kept apart from the library's in the timer count). */
  delay(ms: number): Promise<void>;
  /** Timers the library still has, where they can be counted (the fake), else undefined. */
  libraryTimers(): number | undefined;
  /** The monotonic clock the library uses (performance.now()). */
  now(): number;
  dispose(): Promise<void>;
}
