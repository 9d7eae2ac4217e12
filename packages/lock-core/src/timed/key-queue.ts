import { randomBytes } from 'node:crypto';
import { isTransient } from '../connection.js';
import type { Notifier } from '../internal/notifier.js';
import type { LockKeys } from '../keys.js';
import { drift, type Lease, type LeaseInit } from './lease.js';

/** How the acquire script treats a failed attempt (see acquire.lua). */
export enum AttemptMode {
  Try = 0,
  Enqueue = 1,
  Refresh = 2,
}

export type AttemptReply =
  | { acquired: true; fence: number }
  | { acquired: false; pttl: number; holder: string };
export interface ReleaseReply {
  released: boolean;
  /** The token the script handed the lock to, with its fence. */
  handedTo?: string;
  fence?: number;
}

/** Per-waiter lease settings, passed through to the lease it gets. */
export type LeaseSettings = Pick<LeaseInit, 'autoExtend' | 'maxHold' | 'renewEvery' | 'validFor'>;

export interface Waiter {
  readonly ttl: number;
  readonly settings: LeaseSettings;
  resolve(lease: Lease): void;
  reject(err: unknown): void;
}

/** What a queue needs from the client. */
export interface QueueHost {
  readonly closed: boolean;
  /** This client's id in queue entries: grants for it arrive on `<channel>:<clientTag>`. */
  readonly clientTag: string;
  readonly notifier: Notifier;
  attempt(
    keys: LockKeys,
    token: string,
    ttl: number,
    mode: AttemptMode,
    entry: string,
    old: string,
  ): Promise<AttemptReply>;
  release(keys: LockKeys, token: string, requeue: string, leave: string): Promise<ReleaseReply>;
  /** extend.lua: 1 extended, 0 gone, -1 another holder. */
  extend(keys: LockKeys, token: string, ttl: number): Promise<number>;
  newLease(
    keys: LockKeys,
    token: string,
    fence: number,
    ttl: number,
    startedAt: number,
    s: LeaseSettings,
  ): Lease;
  backgroundError(err: unknown, context: string): void;
  /** The queue has nothing left to do: the client may forget it. */
  idle(queue: KeyQueue): void;
}

interface Entry {
  token: string;
  ttl: number;
  element: string;
  /** performance.now() when the call that first queued this token was sent: no grant can predate it. */
  queuedAt: number;
}

const MAX_BACKOFF_MS = 2_000;

/** 96 random bits per process, drawn once: tokens are this prefix and a counter. */
const TOKEN_PREFIX = randomBytes(12).toString('base64url');
let tokenSeq = 0;

/**
 * A token no other lease anywhere will hold: a per-process random prefix and a counter. Drawing random
 * bytes for every acquisition cost ~20 µs of the ~140 µs an uncontended acquire+release takes here.
 */
export function randomToken(): string {
  tokenSeq = (tokenSeq + 1) % Number.MAX_SAFE_INTEGER;
  return `${TOKEN_PREFIX}.${tokenSeq.toString(36)}`;
}

/**
 * This client's waiters for one lock, in FIFO order. Only the head talks to Redis: it queues one entry
 * there for the whole process, sleeps until its grant arrives on the client's channel (or the holder's
 * PTTL runs out, or the fallback poll comes due), and passes the lease to the local head. When a local
 * holder releases while others here still wait, the release script queues the next one behind the other
 * processes' waiters, so a busy process cannot keep the lock to itself.
 */
export class KeyQueue {
  /** The lease of this client that holds the lock now, if any. */
  holder: Lease | null = null;
  private readonly waiters: Waiter[] = [];
  private entry: Entry | null = null;
  private pumping = false;
  /** A grant is being confirmed with a renewal before anyone here may rely on it. */
  private confirming = false;
  private wakeUp: (() => void) | null = null;
  /** This client's channel for grants of this lock. */
  readonly grantChannel: string;
  /** A caller is trying the lock outside the queue: everyone else waits for its outcome. */
  trying = false;
  /** The caller just tried the lock and found it held: subscribe and queue up without another try. */
  tried = false;
  /** Told the holder's id after each failed attempt (elections report the leader with it). */
  onHolder: ((holder: string) => void) | null = null;
  /** Background withdrawals and hand-ons still in flight; close() waits for them. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly host: QueueHost,
    readonly keys: LockKeys,
    /** Longest sleep without asking Redis: bounds what a lost message can cost, and refreshes the entry. */
    private pollPeriod: number,
    /** The owner lease uses the instance id as its token; timed locks use a random one per entry. */
    private readonly fixedToken?: string,
  ) {
    this.grantChannel = `${keys.channel}:${host.clientTag}`;
  }

  get isIdle(): boolean {
    return (
      this.waiters.length === 0 &&
      !this.entry &&
      !this.holder &&
      !this.pumping &&
      !this.trying &&
      !this.confirming
    );
  }

  /** Idle, with no withdrawal or hand-on still in flight: the client may drop it (close() need not wait). */
  get canForget(): boolean {
    return this.isIdle && this.inFlight.size === 0;
  }

  /** How long the head sleeps without asking Redis; a reused idle queue takes its new user's period. */
  setPollPeriod(ms: number): void {
    if (this.isIdle) this.pollPeriod = ms;
  }

  join(waiter: Waiter, first = false): void {
    if (first) this.waiters.unshift(waiter);
    else this.waiters.push(waiter);
    this.kick();
  }

  /** A waiter gave up (timeout, abort, close). The last one to go takes the Redis entry with it. */
  leave(waiter: Waiter): void {
    const at = this.waiters.indexOf(waiter);
    if (at >= 0) this.waiters.splice(at, 1);
    if (this.waiters.length === 0) this.kick();
  }

  /** Rejects every waiter (on close or a permanent error). */
  failAll(err: unknown): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(err);
    this.kick();
  }

  /** Releases a lease of this key, handing the lock to the next local waiter when Redis says it is next. */
  async release(lease: Lease): Promise<boolean> {
    let requeue: Entry | null = null;
    const next = this.waiters[0];
    if (this.holder === lease && next && !this.entry && this.host.notifier.isListening(this.grantChannel)) {
      requeue = this.newEntry(next.ttl);
      this.entry = requeue;
    }
    const sentAt = performance.now();
    let reply: ReleaseReply;
    try {
      reply = await this.host.release(this.keys, lease.token, requeue?.element ?? '', '');
    } finally {
      if (this.holder === lease) this.holder = null;
    }
    if (requeue && reply.handedTo === requeue.token && this.entry === requeue && reply.fence) {
      this.entry = null;
      this.handOut(requeue.token, reply.fence, requeue.ttl, sentAt);
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
    const token = this.fixedToken ?? '';
    const entry = this.entry;
    if (entry) {
      this.entry = null;
      // An empty token never matches the lock, so this only removes the entry.
      this.track(this.host.release(this.keys, '', '', entry.element), 'withdrawing from');
    }
    if (this.waiters.length > 0) {
      this.handOut(token, fence, ttl, startedAt);
      this.kick();
    } else {
      this.holder = keeper();
    }
  }

  /** A lease of this key stopped being held (released or lost). */
  ended(lease: Lease): void {
    if (this.holder !== lease) return;
    this.holder = null;
    this.kick();
  }

  /** Redis or the client came back (reconnect): ask now instead of waiting for a poll. */
  kick(): void {
    if (this.wakeUp) {
      const wake = this.wakeUp;
      this.wakeUp = null;
      wake();
      return;
    }
    if (this.pumping || this.holder || this.confirming || this.trying) return;
    if (this.waiters.length > 0) void this.pump();
    else this.settle();
  }

  private readonly onGrantMessage = (message: string): void => this.onGrant(message);

  /** A grant on this client's channel: `<token> <fence>`. */
  private onGrant(message: string): void {
    const receivedAt = performance.now();
    const [token = '', fenceText] = message.split(' ');
    const fence = Number(fenceText);
    if (this.holder?.token === token) return; // already learnt from a reply
    if (this.entry?.token === token) {
      const { ttl, queuedAt } = this.entry;
      this.entry = null;
      // The grant came after the entry was queued, so Redis expires it no sooner than queuedAt + ttl: a
      // safe base for the local deadline (the time the message was read is not: this process may have
      // been paused with it unread). After a long wait too little of that is left, so renew first.
      const head = this.waiters[0];
      const validity = head?.settings.validFor ?? ttl - drift(ttl);
      if (head && queuedAt + validity - receivedAt > validity / 2) {
        this.handOut(token, fence, ttl, queuedAt);
        this.kick();
      } else {
        void this.confirm(token, fence, ttl);
      }
      return;
    }
    // A grant nobody here wants any more (its waiter left, or a stale duplicate entry): pass it on.
    this.releaseToken(token);
  }

  /** Renews a grant before handing it out: a lease starts from a renewal we sent, never from a guess. */
  private async confirm(token: string, fence: number, ttl: number): Promise<void> {
    this.confirming = true;
    const sentAt = performance.now();
    let result = 0;
    try {
      result = await this.host.extend(this.keys, token, ttl);
    } catch (err) {
      this.host.backgroundError(err, `confirming lock "${this.keys.name}"`);
      this.releaseToken(token);
    } finally {
      this.confirming = false;
    }
    if (result === 1) this.handOut(token, fence, ttl, sentAt);
    this.kick();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    let failures = 0;
    try {
      while (!this.host.closed && !this.holder && !this.confirming && this.waiters.length > 0) {
        const head = this.waiters[0] as Waiter;
        const previous = this.entry;
        // A subscription still lingering from the last wait serves at once: queue up on the first attempt.
        const listening = this.host.notifier.resume(this.grantChannel, this.onGrantMessage);
        const mode = previous ? AttemptMode.Refresh : listening ? AttemptMode.Enqueue : AttemptMode.Try;
        const entry = this.newEntry(previous?.ttl ?? head.ttl, previous?.token, previous?.queuedAt);
        // Set before sending: the grant may arrive on the subscriber before the reply arrives here.
        if (mode !== AttemptMode.Try) this.entry = entry;
        const sentAt = performance.now();
        let reply: AttemptReply;
        try {
          if (mode === AttemptMode.Try && this.tried) {
            // The caller's own plain try just found the lock held: subscribe, then queue up.
            this.tried = false;
            await this.host.notifier.listen(this.grantChannel, this.onGrantMessage);
            continue;
          }
          reply = await this.host.attempt(
            this.keys,
            entry.token,
            entry.ttl,
            mode,
            entry.element,
            previous?.element ?? '',
          );
          if (mode === AttemptMode.Try && !reply.acquired) {
            await this.host.notifier.listen(this.grantChannel, this.onGrantMessage);
          }
          failures = 0;
        } catch (err) {
          if (!isTransient(err)) {
            this.failAll(err);
            break;
          }
          this.host.backgroundError(err, `waiting for lock "${this.keys.name}"`);
          await this.sleep(backoff(failures++));
          continue;
        }
        if (this.holder || this.confirming) break; // the grant came by message while the attempt was in flight
        if (reply.acquired) {
          if (this.entry === entry) this.entry = null;
          this.handOut(entry.token, reply.fence, entry.ttl, sentAt);
          break;
        }
        this.onHolder?.(reply.holder);
        if (mode === AttemptMode.Try) continue; // now subscribed: queue up at once
        await this.sleep(Math.min(Math.max(1, reply.pttl + 1), this.pollPeriod));
      }
    } finally {
      this.pumping = false;
    }
    if (this.host.closed) this.settle();
    else this.kick();
  }

  private handOut(token: string, fence: number, ttl: number, startedAt: number): void {
    const waiter = this.waiters.shift();
    if (!waiter) {
      this.releaseToken(token);
      return;
    }
    const lease = this.host.newLease(this.keys, token, fence, ttl, startedAt, waiter.settings);
    this.holder = lease;
    waiter.resolve(lease);
    if (waiter.ttl !== ttl) {
      // The entry was queued for an earlier head with another ttl: bring the lease to the ttl asked for.
      lease
        .extend(waiter.ttl)
        .catch((err) => this.host.backgroundError(err, `extending lock "${this.keys.name}"`));
    }
  }

  /** With no waiter left here, withdraw the Redis entry (releasing a grant that raced the withdrawal). */
  private settle(): void {
    if (this.waiters.length > 0 || this.pumping) return;
    const entry = this.entry;
    if (entry) {
      this.entry = null;
      this.track(this.host.release(this.keys, entry.token, '', entry.element), 'leaving the queue of');
    }
    if (this.isIdle) {
      // The queue is kept for reuse: a stale flag from a caller that gave up must not reach the next one,
      // and a stopped election's callback must not be kept alive (each campaign sets its own).
      this.tried = false;
      this.onHolder = null;
      this.host.idle(this);
    }
  }

  /** Resolves once every background withdrawal or hand-on has been answered. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private releaseToken(token: string): void {
    this.track(this.host.release(this.keys, token, '', ''), 'passing on');
  }

  private track(op: Promise<unknown>, what: string): void {
    const done = op
      .catch((err) => this.host.backgroundError(err, `${what} lock "${this.keys.name}"`))
      .finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  private newEntry(
    ttl: number,
    token = this.fixedToken ?? randomToken(),
    queuedAt = performance.now(),
  ): Entry {
    // Stays live for three missed polls (and 2 s of slack), then other processes skip it as dead.
    const deadline = Date.now() + this.pollPeriod * 3 + 2_000;
    return { token, ttl, queuedAt, element: `${token}|${ttl}|${deadline}|${this.host.clientTag}` };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}

/** 50 ms doubling to 2 s, with jitter so reconnecting clients don't arrive together. */
function backoff(failures: number): number {
  const base = Math.min(MAX_BACKOFF_MS, 50 * 2 ** failures);
  return Math.floor(base / 2 + Math.random() * (base / 2));
}
