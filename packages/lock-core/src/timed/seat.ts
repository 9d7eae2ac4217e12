import type { LockKeys } from '../protocol/keys.js';
import {
  type AcquireResult,
  acquire,
  type QueueSeat,
  release,
  type ScriptTarget,
  withdraw,
} from '../scripts/calls.js';
import { randomToken } from '../util/token.js';

/** What this process has queued in Redis for one lock. */
export interface SeatEntry {
  /** The token the lock will be handed to. */
  readonly token: string;
  /** The ttl it will be handed over with, ms. */
  readonly ttl: number;
  /** performance.now() when the call that first queued this token was sent: no grant can predate it. */
  readonly queuedAt: number;
}

/** One acquire.lua call on behalf of a seat. */
export interface Attempt {
  readonly entry: SeatEntry;
  /** performance.now() when it was sent. */
  readonly sentAt: number;
  readonly reply: Promise<AcquireResult>;
}

/** An entry stays live for three missed polls, and 2 s of slack, before other processes skip it as dead. */
const MISSED_POLLS = 3;
const SLACK_MS = 2_000;

/**
 * A process's one place in a lock's Redis queue, shared by all its local waiters for that lock: the entry
 * it has queued (or is about to), refreshed by every poll so it stays alive and keeps its position.
 */
export class Seat {
  #current: SeatEntry | null = null;

  constructor(
    private readonly clientTag: string,
    /** How often the waiting head polls; sets how long its entry stays live. */
    public pollPeriod: number,
    /** The owner lease queues with the instance id; timed locks draw a token per entry. */
    readonly fixedToken?: string,
  ) {}

  /** The entry queued in Redis, if any. */
  get current(): SeatEntry | null {
    return this.#current;
  }

  get taken(): boolean {
    return this.#current !== null;
  }

  /** The entry's liveness in Redis: the scripts stamp it with the server's clock plus this. */
  get queueSeat(): QueueSeat {
    return { client: this.clientTag, liveFor: this.pollPeriod * MISSED_POLLS + SLACK_MS };
  }

  /**
   * The entry to queue now: the current one (same token, ttl and queue time; a refresh), or a new one for
   * `ttl`. It becomes current before it is sent, since its grant may arrive before the reply.
   */
  take(ttl: number): SeatEntry {
    this.#current ??= this.draft(ttl);
    return this.#current;
  }

  /** An entry for a plain attempt, which queues nothing. */
  draft(ttl: number): SeatEntry {
    return { token: this.fixedToken ?? randomToken(), ttl, queuedAt: performance.now() };
  }

  /**
   * Tries the lock for the local head (`ttl`). `queueing`: on failure this seat's entry is queued (or, if
   * it already is, refreshed in place, keeping its position); otherwise a plain try that queues nothing.
   */
  attempt(target: ScriptTarget, keys: LockKeys, ttl: number, queueing: boolean): Attempt {
    const entry = queueing ? this.take(ttl) : this.draft(ttl);
    const sentAt = performance.now();
    const reply = acquire(target, keys, {
      token: entry.token,
      ttl: entry.ttl,
      reused: this.fixedToken !== undefined,
      ...(queueing ? { queue: this.queueSeat } : {}),
    });
    return { entry, sentAt, reply };
  }

  /**
   * Takes the entry out of the Redis queue, if there is one (null if not). A random token is the entry's
   * alone: if a grant raced the withdrawal, it is released with it. An owner lease's token (the instance
   * id) may hold a newer claim already: it is only withdrawn, and a raced grant's message passes it on with
   * its fence (or, lost, lets it expire).
   */
  withdraw(target: ScriptTarget, keys: LockKeys): Promise<unknown> | null {
    const entry = this.clear();
    if (!entry) return null;
    const { token } = entry;
    return this.fixedToken === undefined
      ? release(target, keys, { token, leave: token })
      : withdraw(target, keys, token);
  }

  /**
   * Where a grant of `entry` counts from. It came after the entry was queued, so Redis expires it no sooner
   * than queuedAt + ttl (the time the message was read is no base: this process may have been paused with
   * it unread). An owner lease's token (the instance id) is in every entry this client ever queued: its
   * grant may be a late one for a term long over, so it counts from nowhere, believed only once renewed
   * with its fence.
   */
  grantedFrom(entry: SeatEntry): number {
    return this.fixedToken === undefined ? entry.queuedAt : Number.NEGATIVE_INFINITY;
  }

  /** Forgets the current entry (granted, or about to be withdrawn) and returns it. */
  clear(): SeatEntry | null {
    const entry = this.#current;
    this.#current = null;
    return entry;
  }
}
