import type { Lease } from '../lease/lease.js';
import { grantChannel, parseGrant } from '../protocol/channels.js';
import type { LockKeys } from '../protocol/keys.js';
import type { Notifier } from '../redis/notifier.js';
import { isTransient } from '../redis/transient.js';
import * as script from '../scripts/calls.js';
import { backoff } from '../util/backoff.js';
import { Nap } from '../util/sleep.js';
import { Seat } from './seat.js';
import { freshEnough, type LeaseSettings, type Waiter } from './waiter.js';

/** What a key queue needs from the client. */
export interface QueueHost {
  readonly closed: boolean;
  /** This client's id in queue entries: grants for it arrive on `<channel>:<clientTag>`. */
  readonly clientTag: string;
  readonly notifier: Notifier;
  readonly scripts: script.ScriptTarget;
  newLease(
    keys: LockKeys,
    token: string,
    fence: number,
    ttl: number,
    startedAt: number,
    s: LeaseSettings,
  ): Lease;
  report(err: unknown, context: string): void;
  /** The queue has nothing left to do: the client may forget it. */
  idle(queue: KeyQueue): void;
}

/**
 * This client's waiters for one lock, in FIFO order. Only the head talks to Redis: it queues one entry
 * there for the whole process (its `Seat`), sleeps until its grant arrives on the client's channel (or the
 * holder's PTTL runs out, or the fallback poll comes due), and passes the lease to the local head. When a
 * local holder releases while others here still wait, the release script queues the next one behind the
 * other processes' waiters, so a busy process cannot keep the lock to itself.
 */
export class KeyQueue {
  /** The lease of this client that holds the lock now, if any. */
  #holder: Lease | null = null;
  readonly #waiters: Waiter[] = [];
  readonly #seat: Seat;
  #pumping = false;
  /** A grant is being confirmed with a renewal before anyone here may rely on it. */
  #confirming = false;
  /** A caller is trying the lock outside the queue (the quick path): everyone else waits for its outcome. */
  #trying = false;
  /** The caller just tried the lock and found it held: subscribe and queue up without another try. */
  #tried = false;
  readonly #nap = new Nap();
  /** This client's channel for grants of this lock. */
  readonly grantChannel: string;
  /** Told the holder's id after each failed attempt (elections report the leader with it). */
  onHolder: ((holder: string) => void) | null = null;
  /** Background withdrawals and hand-ons still in flight; close() waits for them. */
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly host: QueueHost,
    readonly keys: LockKeys,
    /** Longest sleep without asking Redis: bounds what a lost message can cost, and refreshes the entry. */
    pollPeriod: number,
    /** The owner lease uses the instance id as its token; timed locks use a random one per entry. */
    fixedToken?: string,
  ) {
    this.grantChannel = grantChannel(keys, host.clientTag);
    this.#seat = new Seat(host.clientTag, pollPeriod, fixedToken);
  }

  get holder(): Lease | null {
    return this.#holder;
  }

  get isIdle(): boolean {
    return (
      this.#waiters.length === 0 &&
      !this.#seat.taken &&
      !this.#holder &&
      !this.#pumping &&
      !this.#trying &&
      !this.#confirming
    );
  }

  /** Idle, with no withdrawal or hand-on still in flight: the client may drop it (close() need not wait). */
  get canForget(): boolean {
    return this.isIdle && this.#inFlight.size === 0;
  }

  /** How long the head sleeps without asking Redis; a reused idle queue takes its new user's period. */
  setPollPeriod(ms: number): void {
    if (this.isIdle) this.#seat.pollPeriod = ms;
  }

  join(waiter: Waiter, first = false): void {
    if (first) this.#waiters.unshift(waiter);
    else this.#waiters.push(waiter);
    this.kick();
  }

  /** A waiter gave up (timeout, abort, close). The last one to go takes the Redis entry with it. */
  leave(waiter: Waiter): void {
    const at = this.#waiters.indexOf(waiter);
    if (at >= 0) this.#waiters.splice(at, 1);
    if (this.#waiters.length === 0) this.kick();
  }

  /** Rejects every waiter (on close or a permanent error). */
  failAll(err: unknown): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(err);
    this.kick();
  }

  /** The quick path starts one plain attempt outside the queue: callers arriving meanwhile wait behind it. */
  beginTry(): void {
    this.#trying = true;
  }

  /** The quick attempt came back: with the lease it won, or with none (the caller now queues up first). */
  endTry(lease: Lease | null): void {
    this.#trying = false;
    if (lease) this.#holder = lease;
    else this.#tried = true;
  }

  /** Releases a lease of this key, handing the lock to the next local waiter when Redis says it is next. */
  async release(lease: Lease): Promise<boolean> {
    const next = this.#waiters[0];
    const requeue =
      this.#holder === lease && next && !this.#seat.taken && this.host.notifier.isListening(this.grantChannel)
        ? this.#seat.take(next.ttl)
        : null;
    const sentAt = performance.now();
    let reply: script.ReleaseResult;
    try {
      reply = await script.release(this.host.scripts, this.keys, {
        token: lease.token,
        requeue: requeue?.element,
      });
    } finally {
      if (this.#holder === lease) this.#holder = null;
    }
    const to = reply.handedTo;
    if (requeue && to && to.token === requeue.token && this.#seat.current === requeue) {
      this.#seat.clear();
      this.#handOut(requeue.token, to.fence, requeue.ttl, sentAt);
    } else {
      this.kick();
    }
    return reply.released;
  }

  /**
   * The lock was won outside the queue (an owner claim by `isLockOwner()`) with this queue's own token.
   * A waiter here (an election of the same client) gets it; otherwise `keeper()` makes the lease. The
   * queue's Redis entry is withdrawn without touching the lock it now holds.
   */
  adopt(fence: number, ttl: number, startedAt: number, keeper: () => Lease): void {
    const entry = this.#seat.clear();
    if (entry) this.#track(script.withdraw(this.host.scripts, this.keys, entry.element), 'withdrawing from');
    if (this.#waiters.length > 0) {
      this.#handOut(this.#seat.fixedToken ?? '', fence, ttl, startedAt);
      this.kick();
    } else {
      this.#holder = keeper();
    }
  }

  /** A lease of this key stopped being held (released or lost). */
  ended(lease: Lease): void {
    if (this.#holder !== lease) return;
    this.#holder = null;
    this.kick();
  }

  /** Something changed (a waiter came or went, a lease ended, Redis came back): act on it now. */
  kick(): void {
    if (this.#nap.wake()) return;
    if (this.#pumping || this.#holder || this.#confirming || this.#trying) return;
    if (this.#waiters.length > 0) void this.#pump();
    else this.#settle();
  }

  /** Resolves once every background withdrawal or hand-on has been answered. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  readonly #onGrantMessage = (message: string): void => this.#onGrant(message);

  /** A grant on this client's channel. */
  #onGrant(message: string): void {
    const receivedAt = performance.now();
    const { token, fence } = parseGrant(message);
    if (this.#holder?.token === token) return; // already learnt from a reply
    const entry = this.#seat.current;
    if (entry?.token !== token) {
      // A grant nobody here wants any more (its waiter left, or a stale duplicate entry): pass it on.
      this.#releaseToken(token);
      return;
    }
    this.#seat.clear();
    // The grant came after the entry was queued, so Redis expires it no sooner than queuedAt + ttl: a safe
    // base for the local deadline (the time the message was read is not: this process may have been
    // paused with it unread). After a long wait too little of that is left, so renew first.
    const head = this.#waiters[0];
    if (head && freshEnough(head, entry.ttl, entry.queuedAt, receivedAt)) {
      this.#handOut(token, fence, entry.ttl, entry.queuedAt);
      this.kick();
    } else {
      void this.#confirm(token, fence, entry.ttl);
    }
  }

  /** Renews a grant before handing it out: a lease starts from a renewal we sent, never from a guess. */
  async #confirm(token: string, fence: number, ttl: number): Promise<void> {
    this.#confirming = true;
    const sentAt = performance.now();
    let result: script.ExtendResult | undefined;
    try {
      result = await script.extend(this.host.scripts.redis, this.keys, { token, ttl });
    } catch (err) {
      this.host.report(err, `confirming lock "${this.keys.name}"`);
      this.#releaseToken(token);
    } finally {
      this.#confirming = false;
    }
    if (result === 'extended') this.#handOut(token, fence, ttl, sentAt);
    this.kick();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    let failures = 0;
    try {
      while (!this.host.closed && !this.#holder && !this.#confirming && this.#waiters.length > 0) {
        const head = this.#waiters[0] as Waiter;
        const previous = this.#seat.current;
        // A subscription still lingering from the last wait serves at once: queue up on the first attempt.
        const listening = this.host.notifier.resume(this.grantChannel, this.#onGrantMessage);
        const queueing = previous !== null || listening;
        // Taken before sending: the grant may arrive on the subscriber before the reply arrives here.
        const entry = queueing ? this.#seat.take(head.ttl) : this.#seat.draft(head.ttl);
        const sentAt = performance.now();
        let reply: script.AcquireResult;
        try {
          if (!queueing && this.#tried) {
            // The caller's own plain try just found the lock held: subscribe, then queue up.
            this.#tried = false;
            await this.host.notifier.listen(this.grantChannel, this.#onGrantMessage);
            continue;
          }
          reply = await script.acquire(this.host.scripts, this.keys, {
            token: entry.token,
            ttl: entry.ttl,
            queue: !queueing
              ? { do: 'none' }
              : previous
                ? { do: 'refresh', entry: entry.element, previous: previous.element }
                : { do: 'enqueue', entry: entry.element },
          });
          if (!queueing && !reply.acquired) {
            await this.host.notifier.listen(this.grantChannel, this.#onGrantMessage);
          }
          failures = 0;
        } catch (err) {
          if (!isTransient(err)) {
            this.failAll(err);
            break;
          }
          this.host.report(err, `waiting for lock "${this.keys.name}"`);
          await this.#nap.take(backoff(failures++));
          continue;
        }
        if (this.#holder || this.#confirming) break; // the grant came by message while the attempt was out
        if (reply.acquired) {
          if (this.#seat.current === entry) this.#seat.clear();
          this.#handOut(entry.token, reply.fence, entry.ttl, sentAt);
          break;
        }
        this.onHolder?.(reply.holder);
        if (!queueing) continue; // now subscribed: queue up at once
        await this.#nap.take(Math.min(Math.max(1, reply.pttl + 1), this.#seat.pollPeriod));
      }
    } finally {
      this.#pumping = false;
    }
    if (this.host.closed) this.#settle();
    else this.kick();
  }

  #handOut(token: string, fence: number, ttl: number, startedAt: number): void {
    const waiter = this.#waiters.shift();
    if (!waiter) {
      this.#releaseToken(token);
      return;
    }
    const lease = this.host.newLease(this.keys, token, fence, ttl, startedAt, waiter.settings);
    this.#holder = lease;
    waiter.resolve(lease);
    if (waiter.ttl !== ttl) {
      // The entry was queued for an earlier head with another ttl: bring the lease to the ttl asked for.
      lease.extend(waiter.ttl).catch((err) => this.host.report(err, `extending lock "${this.keys.name}"`));
    }
  }

  /** With no waiter left here, withdraw the Redis entry (releasing a grant that raced the withdrawal). */
  #settle(): void {
    if (this.#waiters.length > 0 || this.#pumping) return;
    const entry = this.#seat.clear();
    if (entry) {
      this.#track(
        script.release(this.host.scripts, this.keys, { token: entry.token, leave: entry.element }),
        'leaving the queue of',
      );
    }
    if (this.isIdle) {
      // The queue is kept for reuse: a stale flag from a caller that gave up must not reach the next one,
      // and a stopped election's callback must not be kept alive (each campaign sets its own).
      this.#tried = false;
      this.onHolder = null;
      this.host.idle(this);
    }
  }

  #releaseToken(token: string): void {
    this.#track(script.release(this.host.scripts, this.keys, { token }), 'passing on');
  }

  #track(op: Promise<unknown>, what: string): void {
    const done = op
      .catch((err) => this.host.report(err, `${what} lock "${this.keys.name}"`))
      .finally(() => this.#inFlight.delete(done));
    this.#inFlight.add(done);
  }
}
