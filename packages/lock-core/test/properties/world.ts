import {
  type AcquireOptions,
  type LeaderElection,
  type Lease,
  LockClient,
  LockClosedError,
  LockError,
  LockLostError,
  LockNotHeldError,
  LockTimeoutError,
  type Term,
} from '@edirect/lock-core';
import type { Backend, LinkDelays } from './backend.js';
import type { Finding } from './config.js';
import { serverKey } from './keys.js';

/** The pods' namespace: `isLockOwner()` and `elect()` without a name campaign for its owner lease. */
export const NAMESPACE = 'ns';
/** Lock names and election names the commands pick from. */
export const LOCK_NAMES = ['a', 'b', 'c'] as const;
export const ELECTION_NAMES = [NAMESPACE, 'other'] as const;

export interface PodConfig {
  ownerTtl: number;
  fallbackPoll: number;
  link: LinkDelays;
}

export interface RunConfig {
  pods: PodConfig[];
  /** Per lock name: the ttl every queued call uses while F1's trigger is avoided. */
  keyTtl: number[];
}

/** The library's safety margin (lease.ts `drift`): the local deadline is ttl - drift after the send. */
export const drift = (ttl: number): number => Math.floor(ttl * 0.01) + 2;

export type OnElected = 'sync' | 'short' | 'until-signal' | 'throws';

interface Pod {
  index: number;
  client: LockClient;
  cfg: PodConfig;
  closedAt: number | undefined;
  closeResolvedAt: number | undefined;
  /** isLockOwner(), setLockOwner() and removeLockOwner() calls made. */
  ownerCalls: number;
  /** Used two paths to one owner lease at once (N3's trigger). */
  mixedOwnerPaths: boolean;
  /** Claimed the namespace's owner lease with a ttl shorter than its own leading election's (F3's trigger). */
  f3Trigger: boolean;
  /** When removeLockOwner() or close() was last called: ownership may be given up from then on. */
  gaveUpOwnerAt: number;
}

interface TrackedLease {
  id: number;
  pod: Pod;
  name: string;
  lease: Lease;
  token: string;
  fence: number;
  origin: string;
  calledAt: number;
  handedAt: number;
  /** When anyone (the test, withLock, lock's unlock, close) first called release() on it. */
  releasedAt: number | undefined;
  /** Handed out already past its deadline (F8/F9). */
  deadOnArrival: boolean;
  autoExtend: boolean;
  /** First seen past its deadline with its signal not aborted. */
  unabortedSince?: number;
}

interface TrackedElection {
  id: number;
  pod: Pod;
  name: string;
  election: LeaderElection;
  onElected: OnElected;
}

interface TrackedTerm {
  id: number;
  election: TrackedElection;
  fence: number;
  signal: AbortSignal;
  startedAt: number;
  endedAt: number | undefined;
}

interface Pending {
  id: number;
  /** The call: acquire, lock, close, …; `label` says it with its arguments. */
  kind: string;
  label: string;
  pod: Pod;
  startedAt: number;
  settled: boolean;
  /** Fails the run if still pending at this time (fake ms). */
  mustSettleBy: number;
  controller?: AbortController;
  abortReason?: Error;
  /** A waiter for a lock: served during the drain at the end of the run. */
  waiter: boolean;
}

export class Violation extends Error {
  constructor(
    readonly invariant: string,
    readonly detail: string,
    readonly finding?: Finding,
  ) {
    super(`${invariant}${finding ? ` [${finding}]` : ''}: ${detail}`);
    this.name = 'Violation';
  }
}

const INDUCED = 'induced';
const induced = (what: string): Error => new Error(`${INDUCED}: ${what}`);

/**
 * Several LockClients ("pods") on one backend, every lease, term and promise they hand out, and the
 * invariants that must hold between any two steps. Commands (commands.ts) call the methods below;
 * `check()` runs after every step and every few ms of time advanced.
 */
export class World {
  readonly pods: Pod[] = [];
  readonly leases: TrackedLease[] = [];
  readonly elections: TrackedElection[] = [];
  readonly terms: TrackedTerm[] = [];
  readonly pending: Pending[] = [];
  readonly #byLease = new Map<Lease, TrackedLease>();
  readonly #log: string[] = [];
  readonly #violations: Violation[] = [];
  #ids = 0;
  #nextOrigin = 'acquire';
  /** Time of the last Redis restart (forget) and the end of the last freeze. */
  #forgotAt = -Infinity;
  #frozeUntil = -Infinity;
  checks = 0;

  constructor(
    readonly backend: Backend,
    readonly cfg: RunConfig,
    /** Findings whose trigger this run steers clear of (see Profile.avoid). */
    readonly avoid: ReadonlySet<Finding> = new Set(),
  ) {
    cfg.pods.forEach((podCfg, index) => {
      let pod: Pod | undefined;
      const onCommand = (command: string): void => {
        // The user quits the connection right after close() (README "shutdown"): nothing may follow.
        if (pod?.closeResolvedAt !== undefined) {
          this.#violate(
            'I11 quiet after close',
            `pod${index} sent ${command} after its close() resolved`,
            'N2',
          );
        }
      };
      const client = new LockClient({
        redis: backend.connect(podCfg.link, onCommand),
        namespace: NAMESPACE,
        instanceId: `pod${index}`,
        keyPrefix: backend.prefix,
        ownerTtl: podCfg.ownerTtl,
        fallbackPoll: podCfg.fallbackPoll,
      });
      pod = {
        index,
        client,
        cfg: podCfg,
        closedAt: undefined,
        closeResolvedAt: undefined,
        ownerCalls: 0,
        mixedOwnerPaths: false,
        f3Trigger: false,
        gaveUpOwnerAt: -Infinity,
      };
      const self = pod;
      client.on('error', (err) => this.#backgroundError(self, err));
      client.on('lost', (key, err) => this.#note(`pod${index} 'lost' ${key} (${err.reason})`));
      this.#instrument(self);
      this.pods.push(self);
    });
  }

  // ---- commands ---------------------------------------------------------------------------------------

  acquire(
    p: number,
    name: string,
    o: { ttl: number; waitTimeout?: number; signal: 'none' | 'live' | 'aborted'; autoExtend: boolean },
  ): void {
    const pod = this.#pod(p);
    const controller = o.signal === 'none' ? undefined : new AbortController();
    const abortReason = controller ? induced('abort') : undefined;
    if (o.signal === 'aborted') controller?.abort(abortReason);
    const opts: AcquireOptions = { ttl: o.ttl, autoExtend: o.autoExtend };
    if (o.waitTimeout !== undefined) opts.waitTimeout = o.waitTimeout;
    if (controller) opts.signal = controller.signal;
    const pending = this.#pending(pod, `acquire(${name})`, {
      waiter: this.#holdable(pod, o.ttl),
      controller,
      abortReason,
    });
    if (o.waitTimeout !== undefined) pending.mustSettleBy = this.now() + o.waitTimeout + this.#slack(pod);
    if (o.signal === 'aborted') pending.mustSettleBy = this.now();
    this.#settleWith(pending, pod.client.acquire(name, opts), {
      ok: () =>
        o.signal === 'aborted' ? 'resolved though its signal was aborted before the call' : undefined,
      fail: (err) =>
        refusedTtl(err, o.ttl) || this.#tooShortForLink(err, pod, o.ttl)
          ? undefined
          : this.#acquireFailure(pending, err, o.waitTimeout !== undefined),
    });
  }

  tryAcquire(p: number, name: string, o: { ttl: number; autoExtend: boolean }): void {
    const pod = this.#pod(p);
    const pending = this.#pending(pod, `tryAcquire(${name})`, { mustSettleWithin: 1_000 });
    this.#settleWith(pending, pod.client.tryAcquire(name, { ttl: o.ttl, autoExtend: o.autoExtend }), {
      fail: (err) =>
        refusedTtl(err, o.ttl) || this.#tooShortForLink(err, pod, o.ttl)
          ? undefined
          : this.#closedFailure(pending, err),
    });
  }

  withLock(
    p: number,
    name: string,
    o: { ttl: number; waitTimeout?: number; hold: number; outcome: 'return' | 'throw' },
  ): void {
    const pod = this.#pod(p);
    const pending = this.#pending(pod, `withLock(${name})`, { waiter: this.#holdable(pod, o.ttl) });
    if (o.waitTimeout !== undefined)
      pending.mustSettleBy = this.now() + o.waitTimeout + this.#slack(pod) + o.hold;
    const failure = induced(`withLock fn #${pending.id}`);
    const opts: AcquireOptions = { ttl: o.ttl };
    if (o.waitTimeout !== undefined) opts.waitTimeout = o.waitTimeout;
    this.#nextOrigin = `withLock#${pending.id}`;
    let ran = false;
    const calledAt = this.now();
    const result = pod.client.withLock(
      name,
      async (lease) => {
        ran = true;
        // Tracked here too: the client need not go through its own acquire() to get it.
        this.#handed(pod, lease, {
          calledAt,
          origin: `withLock#${pending.id}`,
          ttl: o.ttl,
          autoExtend: true,
        });
        await this.backend.delay(o.hold);
        if (o.outcome === 'throw') throw failure;
        return 'done';
      },
      opts,
    );
    this.#nextOrigin = 'acquire';
    // withLock releases its lease before it settles, whichever way it does that.
    const marked = result.finally(() => this.#markReleased((t) => t.origin === `withLock#${pending.id}`));
    this.#settleWith(pending, marked, {
      ok: (value) => (value === 'done' ? undefined : `resolved with ${String(value)}, not fn's result`),
      fail: (err) =>
        err === failure
          ? undefined
          : ran
            ? `fn ran, yet withLock rejected with ${describe(err)} instead of fn's outcome`
            : refusedTtl(err, o.ttl) || this.#tooShortForLink(err, pod, o.ttl)
              ? undefined
              : this.#acquireFailure(pending, err, o.waitTimeout !== undefined),
    });
  }

  lock(
    p: number,
    name: string,
    ttl: number,
    callback: 'unlock' | 'never' | 'throw' | 'reject',
    after: number,
  ): void {
    const pod = this.#pod(p);
    const pending = this.#pending(pod, `lock(${name}, ${callback})`, { waiter: this.#holdable(pod, ttl) });
    const calledAt = this.now();
    const called = (): void => {
      if (!pending.settled) this.#settled(pending, 'callback ran');
      // The callback gets no lease to look at: it holds the lock now, so no other lease of the name may.
      const other = this.leases.find(
        (t) => t.name === name && t.lease.isHeld() && !t.origin.startsWith(`lock#${pending.id}`),
      );
      // A lock() called before Redis forgot everything may hold what Redis forgot: a documented limit.
      if (other && this.#clean(other) && calledAt > this.#forgotAt) {
        const l = pod.cfg.link;
        const validity = ttl - drift(ttl);
        const stalled =
          this.now() - this.#frozeUntil <= validity + this.#slack(pod) ||
          2 * (l.request + l.reply) + l.message >= validity ||
          this.now() - calledAt >= validity;
        this.#violate(
          'I1 mutual exclusion',
          `lock(${name}) callback #${pending.id} of pod${p} runs while L${other.id} (pod${other.pod.index}) holds "${name}"`,
          validity <= 0 ? 'F9' : stalled ? 'F8' : undefined,
        );
      }
    };
    this.#nextOrigin = `lock#${pending.id}`;
    try {
      pod.client.lock(
        name,
        (unlock) => {
          called();
          if (callback === 'unlock') {
            void this.backend.delay(after).then(() => {
              this.#markReleased((t) => t.origin === `lock#${pending.id}`);
              unlock();
            });
          }
          if (callback === 'throw') throw induced(`lock callback #${pending.id}`);
          if (callback === 'reject') {
            return this.backend.delay(after).then(() => {
              throw induced(`lock callback #${pending.id}`);
            });
          }
          return undefined;
        },
        ttl,
      );
    } catch (err) {
      this.#settled(pending, `threw ${describe(err)}`);
      if (!refusedTtl(err, ttl)) this.#expectClosed(pending, err);
    } finally {
      this.#nextOrigin = 'acquire';
    }
  }

  release(i: number): void {
    const t = this.#lease(i);
    if (!t) return;
    const heldAtCall = t.lease.isHeld();
    const validFor = t.lease.remaining();
    const calledAt = this.now();
    const clean = this.#clean(t);
    const pending = this.#pending(t.pod, `release(L${t.id})`, { mustSettleWithin: 1_000 });
    const result = t.lease.release();
    if (t.lease.isHeld())
      this.#violate('I2 release', `L${t.id}.isHeld() is still true right after release()`);
    this.#settleWith(pending, result, {
      ok: (released) =>
        // (Redis forgetting everything while the release was on its way also makes it false.)
        heldAtCall &&
        clean &&
        this.#forgotAt < calledAt &&
        released !== true &&
        this.now() - calledAt < validFor
          ? `L${t.id} was held ${validFor.toFixed(1)} ms more when release() was called, yet it resolved ${String(released)}`
          : undefined,
      fail: (err) => `release() rejected: ${describe(err)}`,
    });
  }

  extend(i: number, how: 'longer' | 'shorter' | 'same' | 'default'): void {
    const t = this.#lease(i);
    if (!t) return;
    // F1's trigger is any extend that lands after a longer one: a shorter ttl, or two extends (or a
    // renewal and a longer extend) in flight at once. While F1 is avoided, neither happens.
    const extending = this.pending.some(
      (q) => q.kind === 'extend' && q.label.includes(`L${t.id}.`) && !q.settled,
    );
    if (this.avoid.has('F1') && (extending || (how === 'longer' && t.autoExtend))) {
      this.#note(`L${t.id}.extend(${how}) skipped (F1's trigger)`);
      return;
    }
    const current = t.lease.ttl;
    const ttl =
      how === 'longer' ? current * 2 : how === 'shorter' ? Math.max(1, Math.floor(current / 2)) : current;
    const heldAtCall = t.lease.isHeld();
    const validFor = t.lease.remaining();
    const calledAt = this.now();
    const clean = this.#clean(t);
    const pending = this.#pending(t.pod, `L${t.id}.extend(${how === 'default' ? '' : ttl})`, {
      mustSettleWithin: 1_000,
    });
    const result = how === 'default' ? t.lease.extend() : t.lease.extend(ttl);
    const othersBefore = this.#extendsOf(t);
    this.#settleWith(pending, result, {
      ok: () => {
        // Whatever shortens a lease in Redis shortens its local deadline too (design.md, "Time"): unless an
        // extension sent after this one (a longer one, or a renewal) has landed as well.
        const left = t.lease.remaining();
        const later = this.#extendsOf(t) > othersBefore || (t.autoExtend && !t.lease.signal.aborted);
        if (t.lease.isHeld() && left > ttl && !later) {
          this.#violate(
            'I2 server agrees',
            `after L${t.id}.extend(${ttl}) resolved the lease counts itself held ${left.toFixed(1)} ms more, longer than Redis keeps it`,
            'F1',
          );
        }
        return heldAtCall ? undefined : 'extend() resolved for a lease that was not held';
      },
      fail: (err) => {
        if (LockNotHeldError.isInstance(err)) {
          return heldAtCall ? 'LockNotHeldError for a lease held when extend() was called' : undefined;
        }
        if (LockLostError.isInstance(err)) {
          const timely = this.now() - calledAt < validFor;
          // Released meanwhile (by the test, withLock, unlock or close): Redis may rightly say it is gone.
          const released = t.releasedAt !== undefined;
          return heldAtCall && clean && this.#forgotAt < calledAt && timely && !released
            ? `LockLostError (${err.reason}) for a lease held ${validFor.toFixed(1)} ms more when extend() was called`
            : undefined;
        }
        return refusedTtl(err, ttl) ? undefined : `extend() rejected with ${describe(err)}`;
      },
    });
  }

  isLockOwner(p: number, how: 'isLockOwner' | 'setLockOwner'): void {
    const pod = this.#pod(p);
    if (this.#skipForN3(pod, how, NAMESPACE)) return;
    const pending = this.#pending(pod, `${how}()`, { mustSettleWithin: 1_000 });
    const calledAt = this.now();
    const call = how === 'isLockOwner' ? pod.client.isLockOwner() : pod.client.setLockOwner();
    this.#settleWith(pending, call as Promise<boolean | string>, {
      ok: (answer) => {
        const mine = answer === true || answer === pod.client.instanceId;
        this.#note(`#${pending.id} ${how}() → ${String(answer)}`);
        if (!mine) {
          const ownLeader = this.elections.find(
            (e) => e.pod === pod && e.name === NAMESPACE && e.election.isLeader,
          );
          const leaderSince = ownLeader && this.#currentTerm(ownLeader)?.startedAt;
          if (leaderSince !== undefined && leaderSince <= calledAt) {
            this.#violate(
              'I4 one leader',
              `pod${p}'s own election has led "${NAMESPACE}" since before the call, yet ${how}() says ${String(answer)}`,
              this.#ownerFinding(this.pods),
            );
          }
          return undefined;
        }
        // The claim holds in Redis for ownerTtl from when it ran, and is renewed in the background: while
        // that cannot have run out, nobody else may lead the namespace.
        const fresh =
          this.now() - calledAt < pod.cfg.ownerTtl - drift(pod.cfg.ownerTtl) &&
          pod.gaveUpOwnerAt < calledAt &&
          this.#forgotAt < calledAt;
        const other = this.elections.find(
          (e) => e.pod !== pod && e.name === NAMESPACE && e.election.isLeader,
        );
        // A term begun before Redis forgot everything may still believe it leads: a documented limit.
        const otherTerm = other && this.#currentTerm(other);
        if (fresh && other && otherTerm && this.#cleanTerm(otherTerm)) {
          this.#violate(
            'I4 one leader',
            `${how}() answered ${String(answer)} for pod${p} while pod${other.pod.index}'s election leads "${NAMESPACE}"`,
            this.#ownerFinding([pod, other.pod]),
          );
        }
        return undefined;
      },
      fail: (err) => this.#closedFailure(pending, err),
    });
  }

  getLockOwner(p: number): void {
    const pod = this.#pod(p);
    const pending = this.#pending(pod, 'getLockOwner()', { mustSettleWithin: 1_000 });
    const leaderAtCall = this.elections.find((e) => e.name === NAMESPACE && e.election.isLeader);
    const termAtCall = leaderAtCall && this.#currentTerm(leaderAtCall);
    this.#settleWith(pending, pod.client.getLockOwner(), {
      ok: (owner) => {
        if (!leaderAtCall || !termAtCall || !leaderAtCall.election.isLeader) return undefined;
        if (this.#currentTerm(leaderAtCall) !== termAtCall || !this.#cleanTerm(termAtCall)) return undefined;
        const id = leaderAtCall.pod.client.instanceId;
        if (owner !== id) {
          this.#violate(
            'I4 one leader',
            `getLockOwner() → ${String(owner)} while ${id} leads throughout`,
            this.#ownerFinding(this.pods),
          );
        }
        return undefined;
      },
      fail: (err) => this.#closedFailure(pending, err),
    });
  }

  removeLockOwner(p: number): void {
    const pod = this.#pod(p);
    if (this.#skipForN3(pod, 'removeLockOwner', NAMESPACE)) return;
    pod.gaveUpOwnerAt = this.now();
    const pending = this.#pending(pod, 'removeLockOwner()', { mustSettleWithin: 1_000 });
    this.#settleWith(pending, pod.client.removeLockOwner(), {
      fail: (err) => this.#closedFailure(pending, err),
    });
  }

  elect(
    p: number,
    name: string,
    timings: { leaseTtl?: number; renewDeadline?: number; retryPeriod?: number },
    onElected: OnElected,
  ): void {
    const pod = this.#pod(p);
    if (this.#skipForN3(pod, 'elect', name)) return;
    // An election runs until its stop() has resolved (stopping is resigning, a round trip).
    const running = this.elections.some(
      (e) => e.pod === pod && e.name === name && !(this.#stopped.get(e)?.settled ?? false),
    );
    let tracked: TrackedElection | undefined;
    let election: LeaderElection;
    try {
      election = pod.client.elect({
        name,
        ...timings,
        onElected: (term) => this.#elected(tracked, term),
        onRevoked: () => this.#note(`E${tracked?.id} onRevoked`),
      });
    } catch (err) {
      if (pod.closedAt !== undefined && LockClosedError.isInstance(err)) return;
      if (running && err instanceof Error && /already running/.test(err.message)) return;
      if (refusedTtl(err, timings.leaseTtl ?? pod.cfg.ownerTtl)) return;
      this.#violate('I8 errors', `elect("${name}") on pod${p} threw ${describe(err)}`);
      return;
    }
    if (pod.closedAt !== undefined) this.#violate('I8 errors', `elect() on closed pod${p} did not throw`);
    tracked = { id: ++this.#ids, pod, name, election, onElected };
    this.elections.push(tracked);
    this.#note(
      `pod${p} elect("${name}", ${JSON.stringify(election.timings)}, ${onElected}) → E${tracked.id}`,
    );
  }

  /** Elections told to stop, with the stop() (or close()) that did it. */
  readonly #stopped = new Map<TrackedElection, Pending>();

  stop(i: number): void {
    const e = this.elections.length ? this.elections[i % this.elections.length] : undefined;
    if (!e) return;
    const pending = this.#pending(e.pod, `E${e.id}.stop()`, { mustSettleWithin: 2_000 });
    if (!this.#stopped.get(e)?.settled) this.#stopped.set(e, pending);
    // Stopping its own election gives up what it leads: an isLockOwner() answered from that term while
    // the stop ran says what was true when Redis read it, not what holds after the resignation.
    if (e.name === NAMESPACE) e.pod.gaveUpOwnerAt = this.now();
    this.#settleWith(pending, e.election.stop(), { fail: (err) => `stop() rejected: ${describe(err)}` });
  }

  abort(i: number): void {
    const live = this.pending.filter((q) => q.controller && !q.controller.signal.aborted && !q.settled);
    const q = live.length ? live[i % live.length] : undefined;
    if (!q?.controller) return;
    this.#note(`abort #${q.id}`);
    q.controller.abort(q.abortReason);
    // An attempt already sent is answered first (a lock granted meanwhile is handed out, as Web Locks do).
    q.mustSettleBy = Math.min(q.mustSettleBy, this.now() + this.#slack(q.pod));
  }

  close(p: number): void {
    const pod = this.#pod(p);
    if (pod.closedAt === undefined) pod.closedAt = this.now();
    pod.gaveUpOwnerAt = this.now();
    const pending = this.#pending(pod, `close(pod${p})`, { mustSettleWithin: 2_000 });
    for (const e of this.elections)
      if (e.pod === pod && !this.#stopped.get(e)?.settled) this.#stopped.set(e, pending);
    const held = this.leases.filter((t) => t.pod === pod && t.lease.isHeld() && this.#clean(t));
    const leading = ELECTION_NAMES.filter((n) =>
      this.elections.some((e) => e.pod === pod && e.name === n && e.election.isLeader),
    );
    this.#settleWith(pending, pod.client.close(), {
      ok: () => {
        pod.closeResolvedAt ??= this.now();
        // close() released every lease of the pod, by whatever path.
        this.#markReleased((t) => t.pod === pod && t.handedAt <= (pod.closedAt ?? 0));
        return this.#afterClose(pod, held, leading);
      },
      fail: (err) => `close() rejected: ${describe(err)}`,
    });
  }

  async advance(ms: number): Promise<void> {
    await this.backend.advance(ms, () => this.check(`advance(${ms})`));
  }

  async freeze(ms: number): Promise<void> {
    if (!this.backend.freeze) return;
    // Set first: what the stall held back runs as the freeze settles, and must know it was stalled.
    this.#frozeUntil = this.now() + ms;
    await this.backend.freeze(ms);
    // A stall stops the clock of every bounded wait: what was in flight resumes only now.
    for (const q of this.pending) if (!q.settled) q.mustSettleBy += ms + this.#slack(q.pod);
  }

  async forget(): Promise<void> {
    if (!this.backend.forget) return;
    await this.backend.forget();
    this.#forgotAt = this.now();
    this.#note('Redis forgot everything (restart without persistence)');
  }

  now(): number {
    return this.backend.now();
  }

  // ---- invariants --------------------------------------------------------------------------------------

  /**
   * Runs between steps. Throws the first violation found (here or recorded since the last check).
   *   I1  at most one lease per lock name is held at any instant
   *   I2  a lease held before and after a look at Redis has its token in the lock key then
   *   I3  a held lease's fence exceeds every other fence handed out for its name
   *   I4  at most one election per name leads; a leader's id is in the owner key; its fence is the highest
   *   I5  a promise with a deadline (waitTimeout, abort, stop, close) settles by it
   */
  async check(where: string): Promise<void> {
    this.checks++;
    // The instant t0: who holds and who leads (with which term). On the fake nothing moves during the
    // read below; on Redis it may, so Redis's answer is held against those that held throughout.
    const t0 = this.now();
    const held0 = this.leases.filter((t) => t.lease.isHeld());
    const leaders0 = this.elections
      .filter((e) => e.election.isLeader)
      .map((e) => ({ e, term: this.#currentTerm(e) }));
    const names = [
      ...LOCK_NAMES.map((n) => serverKey(this.backend.prefix, 'lock', n)),
      ...ELECTION_NAMES.map((n) => serverKey(this.backend.prefix, 'owner', n)),
    ];
    const values = await this.backend.read(names);
    const value = (kind: 'lock' | 'owner', name: string) =>
      values[names.indexOf(serverKey(this.backend.prefix, kind, name))];
    for (const name of LOCK_NAMES) {
      const held = held0.filter((t) => t.name === name && this.#clean(t));
      if (held.length > 1) {
        this.#violate(
          'I1 mutual exclusion',
          `"${name}" held by ${held.map((t) => `L${t.id}`).join(' and ')}`,
        );
      }
      for (const t of held) {
        if (t.lease.isHeld() && value('lock', name) !== t.token) {
          this.#violate(
            'I2 server agrees',
            `L${t.id} (pod${t.pod.index}) counts itself held ${t.lease.remaining().toFixed(1)} ms more, but Redis has ${value('lock', name) === null ? 'no lock' : "another holder's token"} for "${name}"`,
          );
        }
        const higher = this.leases.find(
          (o) => o !== t && o.name === name && o.handedAt <= t0 && o.fence >= t.fence,
        );
        if (higher) {
          this.#violate(
            'I3 fences',
            `L${t.id} is held with fence ${t.fence}, but L${higher.id} got ${higher.fence}`,
            this.#forgotAt > -Infinity ? 'F2' : undefined,
          );
        }
      }
    }
    // I10: a lease nobody released that is no longer held has had its signal aborted (on a real clock,
    // allowing the deadline's timer to run a little late).
    for (const t of this.leases) {
      const closing = t.pod.closedAt !== undefined && t.pod.closeResolvedAt === undefined;
      if (closing && t.handedAt <= (t.pod.closedAt ?? 0)) continue; // close() is releasing it
      if (t.releasedAt === undefined && !t.lease.isHeld() && !t.lease.signal.aborted) {
        t.unabortedSince ??= this.now();
        if (this.now() - t.unabortedSince < 2 * this.backend.latency) continue;
        this.#violate(
          'I10 signal',
          `L${t.id} is past its deadline, never released, yet its signal has not aborted`,
          t.deadOnArrival ? 'F8' : this.#n1(t),
        );
      }
    }
    for (const name of ELECTION_NAMES) {
      const leading = leaders0.filter(({ e, term }) => e.name === name && (!term || this.#cleanTerm(term)));
      if (leading.length > 1) {
        this.#violate(
          'I4 one leader',
          `"${name}" led by ${leading.map(({ e }) => `E${e.id} (pod${e.pod.index})`).join(' and ')}`,
          this.#ownerFinding(leading.map(({ e }) => e.pod)),
        );
      }
      for (const { e, term } of leading) {
        if (!term) {
          this.#violate('I4 one leader', `E${e.id} says isLeader but onElected never ran for its term`);
          continue;
        }
        // Leading throughout the read, in the same term: Redis must name it.
        const throughout = e.election.isLeader && this.#currentTerm(e) === term;
        const holder = value('owner', name);
        // A term begun before Redis forgot everything may lead on until its renewal finds out (documented).
        if (throughout && this.#cleanTerm(term) && holder !== e.pod.client.instanceId) {
          const other = this.pods.filter((pod) => pod.client.instanceId === holder);
          this.#violate(
            'I4 one leader',
            `E${e.id} (pod${e.pod.index}) leads "${name}" but Redis's owner key holds ${String(holder)}`,
            this.#ownerFinding([e.pod, ...other]),
          );
        }
        const higher = this.terms.find(
          (o) => o !== term && o.election.name === name && o.startedAt <= t0 && o.fence >= term.fence,
        );
        if (higher) {
          this.#violate(
            'I3 fences',
            `E${e.id} leads with fence ${term.fence}, but term T${higher.id} got ${higher.fence}`,
            this.#forgotAt > -Infinity ? 'F2' : this.#ownerFinding([e.pod, higher.election.pod]),
          );
        }
      }
    }
    const now = this.now();
    for (const q of this.pending) {
      if (!q.settled && q.mustSettleBy < now) {
        this.#violate(
          'I5 settles',
          `#${q.id} ${q.label} started at ${q.startedAt.toFixed(0)} is still pending`,
          this.#f4(q),
        );
      }
    }
    this.throwIfViolated(where);
  }

  throwIfViolated(where: string): void {
    const first = this.#violations[0];
    if (!first) return;
    const others = this.#violations.length > 1 ? ` (+${this.#violations.length - 1} more)` : '';
    const err = new Violation(first.invariant, `${first.detail}${others}`, first.finding);
    err.message += `\n  found at: ${where}, t=${this.now().toFixed(1)}\n  timeline (last 40):\n    ${this.#log.slice(-40).join('\n    ')}`;
    throw err;
  }

  /**
   * The end of every run: every lock waiter is served once the leases are given back (progress), every
   * promise settles once the pods close, and no timer of the library is left.
   */
  async finish(): Promise<void> {
    const maxTtl = 400;
    const maxPoll = Math.max(...this.cfg.pods.map((p) => p.fallbackPoll));
    const slack = Math.max(...this.cfg.pods.map((p) => p.link.request + p.link.reply + p.link.message));
    const drainFor = 3 * (maxTtl + maxPoll + slack) + 200;
    this.#note('--- drain: every lease given back, every waiter must be served');
    for (let waited = 0; waited < drainFor; waited += 20) {
      for (const t of this.leases)
        if (t.lease.isHeld() && t.pod.closedAt === undefined) void t.lease.release();
      if (!this.pending.some((q) => q.waiter && !q.settled && q.pod.closedAt === undefined)) break;
      await this.advance(20);
    }
    for (const q of this.pending) {
      if (q.waiter && !q.settled && q.pod.closedAt === undefined) {
        this.#violate(
          'P1 progress',
          `#${q.id} ${q.label} still waits ${drainFor} ms after every lease was given back`,
        );
      }
    }
    this.throwIfViolated('drain');
    this.#note('--- closing every pod');
    for (const pod of this.pods) if (pod.closedAt === undefined) this.close(pod.index);
    for (let waited = 0; waited < 10_000 && this.pending.some((q) => !q.settled && !this.#cancelled(q)); ) {
      await this.advance(50);
      waited += 50;
    }
    for (const q of this.pending) {
      if (!q.settled && !this.#cancelled(q)) {
        this.#violate(
          'I5 settles',
          `#${q.id} ${q.label} never settled (10 s after every pod was closed)`,
          this.#f4(q),
        );
      }
    }
    this.throwIfViolated('close');
    const left = this.backend.libraryTimers();
    if (left !== undefined && left !== 0) {
      // Timers that run out on their own were started after close() by work it did not wait for (N2);
      // one that never goes is a leak.
      let waited = 0;
      while ((this.backend.libraryTimers() ?? 0) > 0 && waited < 5_000) {
        await this.backend.advance(50, async () => {});
        waited += 50;
      }
      const leak = (this.backend.libraryTimers() ?? 0) > 0;
      this.#violate(
        'I5 settles',
        `${left} timer(s) of the library still pending after every pod closed${leak ? ', and still 5 s later' : `, gone ${waited} ms later`}`,
        leak ? undefined : 'N2',
      );
    }
    this.throwIfViolated('timers');
  }

  /** Closes what is left after a failed run (best effort; the run's error is what matters). */
  async abandon(): Promise<void> {
    let done = false;
    void Promise.allSettled(this.pods.map((pod) => pod.client.close())).then(() => {
      done = true;
    });
    for (let waited = 0; !done && waited < 3_000; waited += 50)
      await this.backend.advance(50, async () => {});
  }

  get summary(): { leases: number; terms: number; pending: number; checks: number } {
    return {
      leases: this.leases.length,
      terms: this.terms.length,
      pending: this.pending.length,
      checks: this.checks,
    };
  }

  // ---- bookkeeping -------------------------------------------------------------------------------------

  #pod(p: number): Pod {
    return this.pods[p % this.pods.length] as Pod;
  }

  #lease(i: number): TrackedLease | undefined {
    return this.leases.length ? this.leases[i % this.leases.length] : undefined;
  }

  #currentTerm(e: TrackedElection): TrackedTerm | undefined {
    for (let i = this.terms.length - 1; i >= 0; i--) {
      const term = this.terms[i] as TrackedTerm;
      if (term.election === e) return term.endedAt === undefined ? term : undefined;
    }
    return undefined;
  }

  /** How many extend() calls the model has made on lease `t` so far. */
  #extendsOf(t: TrackedLease): number {
    return this.pending.filter((q) => q.kind === 'extend' && q.label.includes(` L${t.id}.`)).length;
  }

  /**
   * A RangeError saying a ttl leaves no time to hold the lock: the contract's answer when this pod's link
   * (or a stall) makes every round trip take more than half of it.
   */
  #tooShortForLink(err: unknown, pod: Pod, ttl: number): boolean {
    if (!(err instanceof RangeError) || !TOO_SHORT.test(err.message)) return false;
    return !this.#holdable(pod, ttl) || this.now() - this.#frozeUntil <= 2 * ttl + this.#slack(pod);
  }

  /** The pod's link is fast enough for the shortest ttl the model uses (10 ms). */
  #linkHolds(pod: Pod): boolean {
    return this.#holdable(pod, MIN_TTL_MS) && this.now() - this.#frozeUntil > 200;
  }

  /**
   * Whether a lease of `ttl` can be held at all over this pod's link: a win is handed out only while it
   * has validity left (ttl minus drift) after its round trip and a confirming one. A shorter ttl is never
   * served (the documented rule: no lease past its deadline), so its waiter is not held to progress.
   */
  #holdable(pod: Pod, ttl: number): boolean {
    const { request, reply } = pod.cfg.link;
    return ttl - drift(ttl) > 2 * (request + reply) + 1;
  }

  /** A lease asked for after the last restart: Redis's forgetting it is documented, not a bug. */
  #clean(t: TrackedLease): boolean {
    return t.calledAt > this.#forgotAt;
  }

  #cleanTerm(term: TrackedTerm): boolean {
    const l = term.election.pod.cfg.link;
    const slack = l.request + l.reply + l.message + 1;
    // A stall after the restart may hold back a term won before it: clean only once that stall is over.
    const stalledSince = Math.max(this.#frozeUntil, this.#forgotAt);
    return term.startedAt > this.#forgotAt + slack && term.startedAt > stalledSince + slack;
  }

  /**
   * N3's triggers: every owner-lease acquisition of a pod uses the same token (its instance id), so when
   * two of its paths to the same owner lease overlap (isLockOwner()/setLockOwner(), removeLockOwner(), an
   * election, a stopped election's leftover attempt), one path's release (giving up, or passing on a grant
   * nobody waits for any more) deletes what another just handed to the election. While N3 is avoided, a
   * pod uses one path per owner lease: the namespace's through elect() or through the owner calls, never
   * both, and one election per pod and name.
   */
  #skipForN3(pod: Pod, op: string, name: string): boolean {
    const own = this.elections.filter((e) => e.pod === pod && e.name === name);
    const leading = own.find((e) => e.election.isLeader && this.#stopped.get(e) === undefined);
    const busy = this.pending.some(
      (q) =>
        q.pod === pod && !q.settled && ['isLockOwner', 'setLockOwner', 'removeLockOwner'].includes(q.kind),
    );
    // A claim while the pod's own election leads, with nothing else of the owner lease in flight, renews
    // (holder == token): F3's trigger when the claim's ttl is the shorter. Let through only for F3, since
    // the election may still end while the claim is out (N3).
    const claimWhileLeading =
      !this.avoid.has('F3') &&
      (op === 'isLockOwner' || op === 'setLockOwner') &&
      leading !== undefined &&
      !busy;
    let skip: boolean;
    if (op === 'elect') skip = own.length > 0 || (name === NAMESPACE && pod.ownerCalls > 0);
    else skip = own.length > 0 && !claimWhileLeading;
    if (skip && this.avoid.has('N3')) {
      this.#note(`pod${pod.index}.${op}(${name}) skipped (N3's trigger)`);
      return true;
    }
    if (skip) pod.mixedOwnerPaths = true;
    if (op !== 'elect') pod.ownerCalls++;
    if (claimWhileLeading && leading && leading.election.timings.leaseTtl > pod.cfg.ownerTtl)
      pod.f3Trigger = true;
    return false;
  }

  /** Which finding explains an owner-lease violation among these pods, if one does (F3 before N3). */
  #ownerFinding(pods: Pod[]): Finding | undefined {
    if (pods.some((pod) => pod.f3Trigger)) return 'F3';
    if (pods.some((pod) => pod.mixedOwnerPaths)) return 'N3';
    return undefined;
  }

  /** Records a release the test knows of but may not see through lease.release(). */
  #markReleased(which: (t: TrackedLease) => boolean): void {
    for (const t of this.leases) if (which(t)) t.releasedAt ??= this.now();
  }

  /**
   * A lease handed out after its pod's close() was called: close() could not see it, so nothing releases
   * it and its deadline timer never runs (N1; tryAcquire() and waitTimeout 0 reach it).
   */
  #n1(t: TrackedLease): Finding | undefined {
    const closedAt = t.pod.closedAt;
    return closedAt !== undefined && t.handedAt >= closedAt ? 'N1' : undefined;
  }

  /**
   * What a bounded wait may take beyond its bound: four round trips on the pod's link (an attempt and a
   * release, each possibly answered NOSCRIPT first on a fresh server) and 2 ms.
   */
  /**
   * Round trips a call may take beyond its own: a NOSCRIPT retry on first use of a script, and for a win
   * that came back stale, up to two confirming renewals (each maybe with its own retry) and a give-back.
   */
  #slack(pod: Pod): number {
    return 10 * (pod.cfg.link.request + pod.cfg.link.reply + this.backend.latency) + 2;
  }

  /** stop()/close() of a pod whose leader-only work waits for term.signal: F4's trigger. */
  #f4(q: Pending): Finding | undefined {
    const waitsForSignal = this.elections.some((e) => e.pod === q.pod && e.onElected === 'until-signal');
    return waitsForSignal && /stop\(\)|close\(/.test(q.label) ? 'F4' : undefined;
  }

  #cancelled(q: Pending): boolean {
    // lock() on a pod that closed: its callback never runs and nothing else is promised.
    return q.kind === 'lock' && q.pod.closedAt !== undefined;
  }

  #note(line: string): void {
    this.#log.push(`t=${this.now().toFixed(1)} ${line}`);
  }

  note(line: string): void {
    this.#note(line);
  }

  /** The run's log so far (for debugging a replay). */
  timeline(): string[] {
    return [...this.#log];
  }

  #violate(invariant: string, detail: string, finding?: Finding): void {
    if (finding && this.avoid.has(finding)) {
      this.#note(`(known ${finding}, not failing the run) ${invariant}: ${detail}`);
      return;
    }
    this.#note(`VIOLATION ${invariant}: ${detail}`);
    this.#violations.push(new Violation(invariant, detail, finding));
  }

  #pending(
    pod: Pod,
    label: string,
    o: { waiter?: boolean; mustSettleWithin?: number; controller?: AbortController; abortReason?: Error },
  ): Pending {
    const q: Pending = {
      id: ++this.#ids,
      kind: /^[A-Za-z]+/.exec(label.replace(/^[LE]\d+\./, ''))?.[0] ?? label,
      label: `pod${pod.index} ${label}`,
      pod,
      startedAt: this.now(),
      settled: false,
      mustSettleBy: o.mustSettleWithin === undefined ? Infinity : this.now() + o.mustSettleWithin,
      waiter: o.waiter ?? false,
    };
    if (o.controller) q.controller = o.controller;
    if (o.abortReason) q.abortReason = o.abortReason;
    this.pending.push(q);
    this.#note(`#${q.id} ${q.label}`);
    return q;
  }

  #settled(q: Pending, how: string): void {
    q.settled = true;
    this.#note(`#${q.id} ${how}`);
  }

  #settleWith<T>(
    q: Pending,
    promise: Promise<T>,
    expect: { ok?: (value: T) => string | undefined; fail?: (err: unknown) => string | undefined },
  ): void {
    promise.then(
      (value) => {
        this.#settled(q, `resolved ${value === undefined ? '' : summarize(value, this.#byLease)}`);
        const wrong = expect.ok?.(value);
        if (wrong) this.#violate('I6 outcome', `#${q.id} ${q.label}: ${wrong}`);
      },
      (err: unknown) => {
        this.#settled(q, `rejected ${describe(err)}`);
        const wrong = expect.fail?.(err);
        if (wrong) this.#violate('I6 outcome', `#${q.id} ${q.label}: ${wrong}`);
      },
    );
  }

  #acquireFailure(q: Pending, err: unknown, bounded: boolean): string | undefined {
    if (err === q.abortReason && q.controller?.signal.aborted) return undefined;
    if (LockTimeoutError.isInstance(err))
      return bounded ? undefined : 'LockTimeoutError without a waitTimeout';
    return this.#closedFailure(q, err);
  }

  #closedFailure(q: Pending, err: unknown): string | undefined {
    if (LockClosedError.isInstance(err) && q.pod.closedAt !== undefined) return undefined;
    return `rejected with ${describe(err)}`;
  }

  #expectClosed(q: Pending, err: unknown): void {
    const wrong = this.#closedFailure(q, err);
    if (wrong) this.#violate('I6 outcome', `#${q.id} ${q.label}: ${wrong}`);
  }

  #backgroundError(pod: Pod, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.#note(`pod${pod.index} 'error': ${message}`);
    if (message.startsWith(INDUCED)) return;
    // A lock() waiter whose ttl this link cannot hold is told so (its callback never runs).
    if (err instanceof RangeError && TOO_SHORT.test(message) && !this.#linkHolds(pod)) return;
    // A renewal that was in flight when release() was called reschedules itself and then finds the lease
    // released, or a background extend is answered after the lease ended: N4.
    const finding: Finding | undefined =
      LockNotHeldError.isInstance(err) || LockLostError.isInstance(err) ? 'N4' : undefined;
    this.#violate('I8 errors', `pod${pod.index} emitted 'error': ${describe(err)}`, finding);
  }

  /** Every lease a pod hands out, whoever asked (lock() and withLock() call acquire() inside). */
  #instrument(pod: Pod): void {
    const client = pod.client;
    const acquire = client.acquire.bind(client);
    const tryAcquire = client.tryAcquire.bind(client);
    client.acquire = (name: string, options?: AcquireOptions) => {
      const origin = options?.waitTimeout === 0 ? `${this.#nextOrigin}(wait=0)` : this.#nextOrigin;
      const meta = {
        calledAt: this.now(),
        origin,
        ttl: options?.ttl,
        autoExtend: options?.autoExtend ?? true,
      };
      return acquire(name, options).then((lease) => this.#handed(pod, lease, meta));
    };
    client.tryAcquire = (name: string, options?: Parameters<LockClient['tryAcquire']>[1]) => {
      const meta = {
        calledAt: this.now(),
        origin: 'tryAcquire',
        ttl: options?.ttl,
        autoExtend: options?.autoExtend ?? false,
      };
      return tryAcquire(name, options).then((lease) => lease && this.#handed(pod, lease, meta));
    };
  }

  #handed(
    pod: Pod,
    lease: Lease,
    meta: { calledAt: number; origin: string; ttl: number | undefined; autoExtend: boolean },
  ): Lease {
    if (this.#byLease.has(lease)) return lease;
    const token = (lease as unknown as { token: string }).token;
    const t: TrackedLease = {
      id: ++this.#ids,
      pod,
      name: lease.key,
      lease,
      token,
      fence: lease.fence,
      origin: meta.origin,
      calledAt: meta.calledAt,
      handedAt: this.now(),
      releasedAt: undefined,
      deadOnArrival: !lease.isHeld(),
      autoExtend: meta.autoExtend,
    };
    const release = lease.release.bind(lease);
    lease.release = () => {
      t.releasedAt ??= this.now();
      return release();
    };
    const before = this.leases.filter((o) => o.name === t.name && o.handedAt < t.calledAt);
    const same = this.leases.find((o) => o.name === t.name && o.fence === t.fence);
    this.leases.push(t);
    this.#byLease.set(lease, t);
    lease.signal.addEventListener('abort', () => {
      this.#note(`L${t.id} signal aborted (${describe(lease.signal.reason)})`);
      // Whoever reacts to the abort must find the lease over (N6).
      if (lease.isHeld()) {
        this.#violate('I10 signal', `L${t.id}.isHeld() is true inside its signal's abort listener`, 'N6');
      }
    });
    this.#note(
      `L${t.id} handed to pod${pod.index} (${meta.origin}) "${t.name}" fence ${t.fence} ttl ${lease.ttl} remaining ${lease.remaining().toFixed(1)}`,
    );
    // Fences: unique per name, and above every fence handed out before this call was made.
    if (same) {
      // The same grant (token) handed to two local waiters: N5.
      this.#violate(
        'I3 fences',
        `L${t.id} and L${same.id} of "${t.name}" both have fence ${t.fence}${same.token === t.token ? ' and the same token' : ''}`,
        same.token === t.token ? 'N5' : this.#forgotAt > -Infinity ? 'F2' : undefined,
      );
    }
    const above = before.find((o) => o.fence >= t.fence);
    if (above) {
      this.#violate(
        'I3 fences',
        `L${t.id} of "${t.name}" got fence ${t.fence}, not above L${above.id}'s ${above.fence} handed out before the call`,
        this.#forgotAt > -Infinity ? 'F2' : !lease.isHeld() ? 'F8' : undefined,
      );
    }
    // A lease is handed out alive, unless the call itself took longer than the lease's validity. A stall
    // (freeze) after the hand-out stalls the caller too: then its signal must have told it.
    const stalledSinceCall = this.#frozeUntil > meta.calledAt;
    if (!lease.isHeld() && !(stalledSinceCall && lease.signal.aborted)) {
      const ttl = meta.ttl ?? lease.ttl;
      const validity = ttl - drift(ttl);
      const took = this.now() - meta.calledAt;
      // A stall (freeze) shortly before, or a link slower than the lease: a reply that came too late for
      // its lease, possibly serving a later call of the same pod.
      const l = pod.cfg.link;
      const stalled =
        this.now() - this.#frozeUntil <= validity + this.#slack(pod) ||
        2 * (l.request + l.reply) + l.message >= validity;
      // Already released by a close() that ran while the call was out: N1.
      const finding: Finding | undefined =
        pod.closedAt !== undefined
          ? 'N1'
          : validity <= 0
            ? 'F9'
            : took >= validity || stalled
              ? 'F8'
              : undefined;
      this.#violate(
        'I7 fresh lease',
        `L${t.id} (ttl ${ttl}) was handed out not held, ${took.toFixed(1)} ms after the call`,
        finding,
      );
    }
    return lease;
  }

  #elected(e: TrackedElection | undefined, term: Term): Promise<void> | undefined {
    if (!e) return undefined;
    const t: TrackedTerm = {
      id: ++this.#ids,
      election: e,
      fence: term.fence,
      signal: term.signal,
      startedAt: this.now(),
      endedAt: undefined,
    };
    const ended = this.terms.filter((o) => o.election.name === e.name && o.endedAt !== undefined);
    this.terms.push(t);
    term.signal.addEventListener('abort', () => {
      t.endedAt = this.now();
      this.#note(`T${t.id} of E${e.id} ended (${describe(term.signal.reason)})`);
      if (e.election.isLeader) {
        this.#violate(
          'I10 signal',
          `E${e.id}.isLeader is true inside its term.signal's abort listener`,
          'N6',
        );
      }
    });
    this.#note(`T${t.id}: E${e.id} (pod${e.pod.index}) elected for "${e.name}" with fence ${t.fence}`);
    // A stall (freeze) between the hand-out and this callback stalls the callback too: then the term's
    // signal must have told it.
    const toldAfterStall =
      this.now() - this.#frozeUntil < e.election.timings.renewDeadline && term.signal.aborted;
    if (!e.election.isLeader && !toldAfterStall) {
      // Handed out dead: the stall (F8) when a freeze or a slow link took a good part of the renew deadline.
      const { renewDeadline } = e.election.timings;
      const l = e.pod.cfg.link;
      const stalled =
        this.now() - this.#frozeUntil < renewDeadline || l.request + l.reply + l.message >= renewDeadline / 2;
      this.#violate(
        'I7 fresh lease',
        `onElected of E${e.id} ran while isLeader is false`,
        stalled ? 'F8' : undefined,
      );
    }
    const above = ended.find((o) => o.fence >= t.fence);
    // A term won before Redis forgot everything carries a fence from before the loss: lower than those
    // issued after it, which is what lets a resource refuse it. Only clean terms must be above.
    if (above && this.#cleanTerm(t)) {
      // A term handed out already over carries a grant that a stall held back (F8).
      this.#violate(
        'I3 fences',
        `T${t.id} of "${e.name}" got fence ${t.fence}, not above T${above.id}'s ${above.fence} (a term that had ended)`,
        this.#forgotAt > -Infinity ? 'F2' : !e.election.isLeader ? 'F8' : undefined,
      );
    }
    if (e.onElected === 'throws') throw induced(`onElected of E${e.id}`);
    if (e.onElected === 'short') return this.backend.delay(3);
    if (e.onElected === 'until-signal') {
      // Leader-only work that runs until the term ends, as the README's startScheduler(term.signal).
      return new Promise<void>((resolve) => term.signal.addEventListener('abort', () => resolve()));
    }
    return undefined;
  }

  /**
   * close() released every lease and leadership held when it was called: nothing of the pod is left held,
   * here or in Redis (a lease that ran out before is not close()'s to release: Redis keeps it a little
   * longer than its holder does, by design).
   */
  #afterClose(pod: Pod, mine: TrackedLease[], leading: string[]): string | undefined {
    const stillHeld = this.leases.find((t) => t.pod === pod && t.lease.isHeld());
    if (stillHeld) {
      this.#violate(
        'I9 close',
        `L${stillHeld.id} still counts itself held after close(pod${pod.index})`,
        this.#n1(stillHeld),
      );
      return undefined;
    }
    const keys = [
      ...mine.map((t) => serverKey(this.backend.prefix, 'lock', t.name)),
      ...leading.map((n) => serverKey(this.backend.prefix, 'owner', n)),
    ];
    // On the fake this reads the instant close() resolved; on Redis a moment later (only ever less).
    void this.backend.read(keys).then(
      (values) => {
        mine.forEach((t, i) => {
          // A lease that ran out meanwhile is Redis's to expire (a little after its holder gave up on it).
          if (values[i] === t.token && !t.lease.signal.aborted)
            this.#violate('I9 close', `close(pod${pod.index}) left L${t.id}'s token in Redis`);
        });
        leading.forEach((n, i) => {
          if (values[mine.length + i] === pod.client.instanceId && this.#forgotAt < (pod.closedAt ?? 0)) {
            this.#violate('I9 close', `close(pod${pod.index}) left its ownership of "${n}" in Redis`);
          }
        });
      },
      (err: unknown) => this.#note(`reading Redis after close failed: ${describe(err)}`),
    );
    return undefined;
  }
}

/**
 * The shortest lease the library may refuse, ms: design.md lets it refuse a ttl it can never hold (F9's
 * fix refuses below 10 ms). A refusal of a shorter ttl, before any Redis call, is a correct answer.
 */
export const MIN_TTL_MS = 10;

/** The RangeError of a lock whose ttl cannot be held over the link (see confirmFresh in lease/freshness.ts). */
const TOO_SHORT = /leaves no time to hold the lock/;

function refusedTtl(err: unknown, ttl: number): boolean {
  return (
    ttl < MIN_TTL_MS && (err instanceof RangeError || err instanceof TypeError) && /ttl/i.test(err.message)
  );
}

function describe(err: unknown): string {
  if (LockError.isInstance(err))
    return `${err.name}(${err.code}${'reason' in err ? `, ${String(err.reason)}` : ''})`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

function summarize(value: unknown, byLease: Map<Lease, { id: number }>): string {
  const tracked = byLease.get(value as Lease);
  if (tracked) return `L${tracked.id}`;
  if (value === null || typeof value !== 'object') return String(value);
  return Object.prototype.toString.call(value);
}
