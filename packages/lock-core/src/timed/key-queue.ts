import type { Lease } from '../lease/lease.js';
import { grantChannel, parseGrant } from '../protocol/channels.js';
import type { LockKeys } from '../protocol/keys.js';
import { isTransient } from '../redis/transient.js';
import * as script from '../scripts/calls.js';
import { backoff } from '../util/backoff.js';
import { InFlight } from '../util/in-flight.js';
import { Nap } from '../util/sleep.js';
import { Handover } from './handover.js';
import { LocalLine } from './local-line.js';
import type { QueueHost } from './queue-host.js';
import { type Attempt, Seat } from './seat.js';
import type { Waiter } from './waiter.js';

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
  /** The holder, when it is an owner claim's sticky lease (`adopt`): a campaigner joining here takes it. */
  #keeper: Lease | null = null;
  readonly #line = new LocalLine();
  readonly #seat: Seat;
  #pumping = false;
  readonly #handover: Handover;
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
  readonly #inFlight: InFlight;

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
    this.#inFlight = new InFlight((err, context) => host.report(err, context));
    this.#handover = new Handover({
      keys,
      host,
      line: this.#line,
      hold: (lease) => {
        this.#holder = lease;
      },
      passOn: (token, fence) => this.#passOn(token, fence),
      track: (op, what) => this.#inFlight.track(op, `${what} lock "${keys.name}"`),
      kick: () => this.kick(),
    });
  }

  get holder(): Lease | null {
    return this.#holder;
  }

  get isIdle(): boolean {
    const busy = this.#pumping || this.#trying || this.#handover.confirming;
    return this.#line.length === 0 && !this.#seat.taken && !this.#holder && !busy;
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
    this.#line.join(waiter, first);
    this.#handKeeperOn();
    this.kick();
  }

  /**
   * An owner claim's keeper (it never ends on its own) holds the lock and a waiter is here: the hold goes to
   * it, renewed with its ttl and fence first. Cleared first, the holder's end starts no attempt meanwhile.
   */
  #handKeeperOn(): void {
    const keeper = this.#keeper;
    this.#keeper = null;
    if (!keeper || this.#holder !== keeper || !keeper.isHeld()) return;
    this.#holder = null;
    keeper.handOff();
    this.#handover.won(keeper.token, keeper.heldUnder, keeper.ttl, Number.NEGATIVE_INFINITY);
  }

  /** A waiter gave up (timeout, abort, close). The last one to go takes the Redis entry with it. */
  leave(waiter: Waiter): void {
    if (this.#line.leave(waiter)) this.kick();
  }

  /** Rejects every waiter (on close or a permanent error). */
  failAll(err: unknown): void {
    this.#line.rejectAll(err);
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
    const next = this.#line.head;
    const requeue =
      this.#holder === lease && next && !this.#seat.taken && this.host.notifier.isListening(this.grantChannel)
        ? this.#seat.take(next.ttl)
        : null;
    const sentAt = performance.now();
    let reply: script.ReleaseResult;
    try {
      reply = await script.release(this.host.scripts, this.keys, {
        token: lease.token,
        ...(requeue
          ? { requeue: { token: requeue.token, ttl: requeue.ttl, seat: this.#seat.queueSeat } }
          : {}),
      });
    } catch (err) {
      // No answer (the connection dropped, a command timeout): the hold may stand until its ttl, but the
      // waiters here must go on trying (the requeued entry, if sent, is refreshed by the next attempt).
      if (this.#holder === lease) this.#holder = null;
      this.kick();
      throw err;
    }
    if (this.#holder === lease) this.#holder = null;
    const to = reply.handedTo;
    if (requeue && to && to.token === requeue.token && this.#seat.current === requeue) {
      this.#seat.clear();
      this.#handover.won(requeue.token, to.fence, requeue.ttl, sentAt);
    } else {
      this.kick();
    }
    return reply.released;
  }

  /**
   * An owner claim won the lock with this queue's token: `keeper()` makes its sticky lease, which a waiter
   * here (an election of this client) takes over at once. The Redis entry is withdrawn, the lock kept.
   */
  adopt(keeper: () => Lease): void {
    const withdrawn = this.#seat.withdraw(this.host.scripts, this.keys);
    if (withdrawn) this.#inFlight.track(withdrawn, `withdrawing from lock "${this.keys.name}"`);
    this.#holder = keeper();
    this.#keeper = this.#holder;
    if (this.#line.length > 0) this.#handKeeperOn();
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
    if (this.#pumping || this.#holder || this.#handover.confirming || this.#trying) return;
    // Tracked, so close() waits for an attempt in flight (and the nap after it) to end.
    if (this.#line.length > 0) this.#inFlight.track(this.#pump(), `waiting for lock "${this.keys.name}"`);
    else this.#settle();
  }

  /** Resolves once every background withdrawal or hand-on has been answered. */
  drain(): Promise<void> {
    return this.#inFlight.drain();
  }

  /** A grant on this client's channel. */
  readonly #onGrant = (message: string): void => {
    const { token, fence } = parseGrant(message);
    // Already won by a reply (held, or being confirmed): passing it on would release this very hold.
    if (this.#holder?.token === token || this.#handover.isConfirming(token)) return;
    const entry = this.#seat.current;
    if (entry?.token !== token) {
      // A grant nobody here wants any more (its waiter left, or a stale duplicate entry): pass it on.
      this.#passOn(token, fence);
      return;
    }
    this.#seat.clear();
    // Not fresh (a long wait, an owner lease's grant): won() renews it first.
    this.#handover.won(token, fence, entry.ttl, this.#seat.grantedFrom(entry));
    this.kick();
  };

  async #pump(): Promise<void> {
    this.#pumping = true;
    let failures = 0;
    try {
      while (!this.host.closed && !this.#holder && !this.#handover.confirming && this.#line.length > 0) {
        const head = this.#line.head as Waiter;
        // A subscription still lingering from the last wait serves at once: queue up on the first attempt.
        const listening = this.host.notifier.resume(this.grantChannel, this.#onGrant);
        const queueing = this.#seat.taken || listening;
        let sent: Attempt;
        let reply: script.AcquireResult;
        try {
          if (!queueing && this.#tried) {
            // The caller's own plain try just found the lock held: subscribe, then queue up.
            this.#tried = false;
            await this.host.notifier.listen(this.grantChannel, this.#onGrant);
            continue;
          }
          sent = this.#seat.attempt(this.host.scripts, this.keys, head.ttl, queueing);
          reply = await sent.reply;
          if (!queueing && !reply.acquired) {
            await this.host.notifier.listen(this.grantChannel, this.#onGrant);
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
        const holder = this.#holder as Lease | null; // set meanwhile, maybe (TypeScript narrowed it)
        if (holder || this.#handover.confirming) {
          // The grant came by message while the attempt was out. Its win, being confirmed, takes this reply
          // up: the same win, or a newer hold of an owner lease's reused token (never left held by nobody).
          if (reply.acquired && !holder) {
            this.#handover.won(sent.entry.token, reply.fence, sent.entry.ttl, sent.sentAt);
          } else if (reply.acquired && holder?.token === sent.entry.token) {
            // It re-stamped the holder's own hold (an owner lease's token, '+': a new fence, never a shorter
            // expiry), which a give-back must name; past the holder's deadline, the hold goes back.
            if (holder.isHeld()) holder.heldUnder = Math.max(holder.heldUnder, reply.fence);
            else this.#passOn(sent.entry.token, reply.fence);
          }
          break;
        }
        // The entry this attempt queued was won meanwhile by its grant (or an owner claim) and handed on
        // already: this reply repeats that win, and the lease it made may even have ended. Never twice.
        if (queueing && this.#seat.current !== sent.entry) continue;
        if (reply.acquired) {
          if (this.#seat.current === sent.entry) this.#seat.clear();
          this.#handover.won(sent.entry.token, reply.fence, sent.entry.ttl, sent.sentAt);
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

  /** With no waiter left here, withdraw the Redis entry (releasing a grant that raced the withdrawal). */
  #settle(): void {
    if (this.#line.length > 0 || this.#pumping) return;
    const withdrawn = this.#seat.withdraw(this.host.scripts, this.keys);
    if (withdrawn) this.#inFlight.track(withdrawn, `leaving the queue of lock "${this.keys.name}"`);
    if (this.isIdle) {
      // The queue is kept for reuse: a stale flag from a caller that gave up must not reach the next one,
      // and a stopped election's callback must not be kept alive (each campaign sets its own).
      this.#tried = false;
      this.onHolder = null;
      this.host.idle(this.keys);
    }
  }

  /** Releases a hold nobody here takes (only that hold: an owner lease's token outlives its terms). */
  #passOn(token: string, fence: number): void {
    const released = script.release(this.host.scripts, this.keys, { token, fence });
    this.#inFlight.track(released, `passing on lock "${this.keys.name}"`);
  }
}
