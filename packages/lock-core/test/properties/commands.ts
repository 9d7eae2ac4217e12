import fc from 'fast-check';
import { type Finding, isKnown } from './config.js';
import {
  ELECTION_NAMES,
  LOCK_NAMES,
  type OnElected,
  type PodConfig,
  type RunConfig,
  type World,
} from './world.js';

type Timings = { leaseTtl?: number; renewDeadline?: number; retryPeriod?: number };

/** What a model run may do, and how often: the backend's scale of time, and which triggers it avoids. */
export interface Profile {
  backend: 'fake' | 'redis';
  /** Open findings whose triggers the run steers clear of. */
  avoid: Set<Finding>;
  pods: [min: number, max: number];
  ttls: number[];
  waitTimeouts: number[];
  holds: number[];
  advances: number[];
  freezes: number[];
  ownerTtls: number[];
  fallbackPolls: number[];
  linkDelays: number[];
  elections: Timings[];
  onElected: OnElected[];
  extend: Array<'longer' | 'shorter' | 'same' | 'default'>;
  /** Queued calls of one lock name all ask for the same ttl (avoids F1's second trigger). */
  sameQueuedTtl: boolean;
  /** Elections for the namespace never lease longer than the pod's ownerTtl (avoids F3's trigger). */
  leaseTtlWithinOwnerTtl: boolean;
  forget: boolean;
  /** How many of the lock names the commands use (1 to 3), and of the election names (1 or 2). */
  names: number;
  electionNames: number;
  /** The owner-lease calls, as often as listed. */
  ownerCalls: OwnerCall[];
  /** Relative weight of each command. */
  weights: Partial<Record<CommandName, number>>;
}

type OwnerCall = 'isLockOwner' | 'setLockOwner' | 'getLockOwner' | 'removeLockOwner';

type CommandName =
  | 'acquire'
  | 'tryAcquire'
  | 'withLock'
  | 'lock'
  | 'release'
  | 'extend'
  | 'owner'
  | 'elect'
  | 'stop'
  | 'abort'
  | 'advance'
  | 'freeze'
  | 'forget'
  | 'close'
  | 'together';

const BASE_WEIGHTS: Record<CommandName, number> = {
  acquire: 8,
  tryAcquire: 4,
  withLock: 4,
  lock: 3,
  release: 5,
  extend: 4,
  owner: 5,
  elect: 3,
  stop: 1,
  abort: 2,
  advance: 10,
  freeze: 2,
  forget: 1,
  close: 1,
  together: 3,
};

/** Which commands a finding's own test leans on. */
const FOCUS: Partial<Record<Finding, Partial<Record<CommandName, number>>>> = {
  F1: { extend: 12, acquire: 12, release: 3 },
  F2: { forget: 4, tryAcquire: 8, elect: 1, owner: 2 },
  F3: { elect: 6, owner: 12, advance: 12, lock: 0, withLock: 1 },
  F4: { elect: 6, stop: 4, close: 2 },
  F8: { freeze: 8, acquire: 10, tryAcquire: 6 },
  F9: { tryAcquire: 10, acquire: 6 },
  N3: {
    ...{ acquire: 0, tryAcquire: 0, withLock: 0, lock: 0, release: 0, extend: 0, abort: 0 },
    ...{ elect: 6, owner: 10, stop: 2, together: 10, advance: 8 },
  },
  N5: {
    ...{ withLock: 0, lock: 0, extend: 0, owner: 0, elect: 0, stop: 0, abort: 0, close: 0 },
    ...{ acquire: 10, tryAcquire: 4, release: 6, freeze: 3, advance: 10, together: 8 },
  },
};

/**
 * The profile of a run. Without `focus`, every open finding's trigger is avoided (the main model must
 * pass); with `focus`, only that finding's trigger is let through and its commands weigh more.
 */
export function profile(backend: 'fake' | 'redis', focus?: Finding): Profile {
  const avoid = (f: Finding): boolean => f !== focus && isKnown(f);
  const fake = backend === 'fake';
  const weights: Partial<Record<CommandName, number>> = { ...BASE_WEIGHTS, ...(focus ? FOCUS[focus] : {}) };
  if (avoid('F2')) weights.forget = 0;
  if (!fake) {
    weights.freeze = 0;
    weights.forget = 0;
  }
  const all: Finding[] = ['F1', 'F2', 'F3', 'F4', 'F8', 'F9', 'N1', 'N2', 'N3', 'N4', 'N5', 'N6'];
  return {
    backend,
    avoid: new Set(all.filter(avoid)),
    pods: fake ? [2, 4] : [2, 3],
    // Below MIN_TTL_MS only while F9's trigger is let through: such a ttl must be refused or held.
    ttls: [...(avoid('F9') ? [] : [1, 2, 3, 8]), ...(fake ? [10, 20, 40, 90, 200] : [60, 120, 250])],
    waitTimeouts: fake ? [0, 5, 30, 100, 300] : [0, 50, 200],
    holds: fake ? [0, 2, 10, 50] : [0, 10, 40],
    advances: fake ? [1, 3, 10, 30, 100, 250, 600, 1500] : [5, 20, 60, 150, 400],
    freezes: [5, 20, 60, 200, 1000],
    ownerTtls: fake ? [40, 150, 600] : [40, 150, 600],
    fallbackPolls: fake ? [30, 250] : [50, 250],
    linkDelays: fake ? [0, 0, 0, 1, 4] : [0],
    elections: fake
      ? [
          { leaseTtl: 30, renewDeadline: 20, retryPeriod: 5 },
          { leaseTtl: 120, renewDeadline: 80, retryPeriod: 25 },
          { leaseTtl: 400, renewDeadline: 250, retryPeriod: 60 },
          {},
        ]
      : [
          { leaseTtl: 300, renewDeadline: 200, retryPeriod: 50 },
          { leaseTtl: 600, renewDeadline: 400, retryPeriod: 100 },
          {},
        ],
    onElected: avoid('F4') ? ['sync', 'short', 'throws'] : ['sync', 'short', 'throws', 'until-signal'],
    extend: avoid('F1') ? ['longer', 'same', 'default'] : ['longer', 'shorter', 'same', 'default'],
    sameQueuedTtl: avoid('F1'),
    leaseTtlWithinOwnerTtl: avoid('F3'),
    forget: !avoid('F2') && fake,
    names: LOCK_NAMES.length,
    electionNames: ELECTION_NAMES.length,
    ownerCalls: ['isLockOwner', 'isLockOwner', 'setLockOwner', 'getLockOwner', 'removeLockOwner'],
    weights,
    ...(focus ? TUNING[focus] : {}),
  };
}

/** Where a finding needs a narrower world than the default to show up within a few hundred runs. */
const TUNING: Partial<Record<Finding, Partial<Profile>>> = {
  // One pod's waiters on one name, a slow link, a release and a new local waiter in the same tick: a grant
  // by message and the head's refresh attempt in flight together, the first lease over (a stall) before
  // the attempt's reply.
  N5: {
    names: 1,
    pods: [2, 2],
    ttls: [40, 200],
    linkDelays: [0, 4],
    advances: [1, 3, 10, 14, 30],
    freezes: [200],
  },
  // The leader's own claim with an ownerTtl below the election's retry period: the key runs out between
  // two renewals.
  F3: { pods: [2, 2], ownerTtls: [40] },
  // Few pods, one election name, so a pod's election and its owner calls meet.
  N3: { pods: [2, 2], electionNames: 1, ownerCalls: ['isLockOwner', 'removeLockOwner'] },
};

export function runConfig(p: Profile): fc.Arbitrary<RunConfig> {
  const pod: fc.Arbitrary<PodConfig> = fc.record({
    ownerTtl: fc.constantFrom(...p.ownerTtls),
    fallbackPoll: fc.constantFrom(...p.fallbackPolls),
    link: fc.record({
      request: fc.constantFrom(...p.linkDelays),
      reply: fc.constantFrom(...p.linkDelays),
      message: fc.constantFrom(...p.linkDelays),
    }),
  });
  return fc.record({
    pods: fc.array(pod, { minLength: p.pods[0], maxLength: p.pods[1] }),
    keyTtl: fc.array(fc.constantFrom(...p.ttls), {
      minLength: LOCK_NAMES.length,
      maxLength: LOCK_NAMES.length,
    }),
  });
}

/** One step of a run: does something, lets what is in flight land, then checks every invariant. */
class Step implements fc.AsyncCommand<object, World> {
  static executed = 0;
  constructor(
    readonly text: string,
    readonly act: (w: World) => void | Promise<void>,
  ) {}
  check(): boolean {
    return true;
  }
  async run(_model: object, w: World): Promise<void> {
    Step.executed++;
    w.note(`> ${this.text}`);
    await this.act(w);
    await w.backend.settle();
    await w.check(this.text);
  }
  toString(): string {
    return this.text;
  }
}

export const stepsExecuted = (): number => Step.executed;

const nat = fc.nat({ max: 63 });

export function commands(p: Profile, cfg: RunConfig): Array<fc.Arbitrary<fc.AsyncCommand<object, World>>> {
  const pod = fc.nat({ max: cfg.pods.length - 1 });
  const name = fc.nat({ max: p.names - 1 });
  const ttl = fc.constantFrom(...p.ttls);
  const waitTimeout = fc.option(fc.constantFrom(...p.waitTimeouts), { freq: 2 });
  const lockName = (i: number): string => LOCK_NAMES[i] as string;
  // Queued calls of a name share the run's ttl for it while F1's second trigger is avoided.
  const queuedTtl = (i: number, asked: number): number =>
    p.sameQueuedTtl ? (cfg.keyTtl[i] ?? asked) : asked;
  const all: Record<Exclude<CommandName, 'together'>, fc.Arbitrary<Step>> = {
    acquire: fc
      .record({
        pod,
        name,
        ttl,
        waitTimeout,
        signal: fc.constantFrom('none', 'none', 'live', 'live', 'aborted'),
        autoExtend: fc.boolean(),
      })
      .map(
        (c) =>
          new Step(
            `pod${c.pod}.acquire(${lockName(c.name)}, ttl=${queuedTtl(c.name, c.ttl)}, wait=${c.waitTimeout ?? '∞'}, signal=${c.signal}, autoExtend=${c.autoExtend})`,
            (w) =>
              w.acquire(c.pod, lockName(c.name), {
                ttl: queuedTtl(c.name, c.ttl),
                ...(c.waitTimeout === null ? {} : { waitTimeout: c.waitTimeout }),
                signal: c.signal,
                autoExtend: c.autoExtend,
              }),
          ),
      ),
    tryAcquire: fc
      .record({ pod, name, ttl, autoExtend: fc.boolean() })
      .map(
        (c) =>
          new Step(
            `pod${c.pod}.tryAcquire(${lockName(c.name)}, ttl=${c.ttl}, autoExtend=${c.autoExtend})`,
            (w) => w.tryAcquire(c.pod, lockName(c.name), { ttl: c.ttl, autoExtend: c.autoExtend }),
          ),
      ),
    withLock: fc
      .record({
        pod,
        name,
        ttl,
        waitTimeout,
        hold: fc.constantFrom(...p.holds),
        outcome: fc.constantFrom('return', 'throw'),
      })
      .map(
        (c) =>
          new Step(
            `pod${c.pod}.withLock(${lockName(c.name)}, hold ${c.hold} then ${c.outcome}, ttl=${queuedTtl(c.name, c.ttl)}, wait=${c.waitTimeout ?? '∞'})`,
            (w) =>
              w.withLock(c.pod, lockName(c.name), {
                ttl: queuedTtl(c.name, c.ttl),
                ...(c.waitTimeout === null ? {} : { waitTimeout: c.waitTimeout }),
                hold: c.hold,
                outcome: c.outcome as 'return' | 'throw',
              }),
          ),
      ),
    lock: fc
      .record({
        pod,
        name,
        ttl,
        callback: fc.constantFrom('unlock', 'unlock', 'never', 'throw', 'reject'),
        after: fc.constantFrom(...p.holds),
      })
      .map(
        (c) =>
          new Step(
            `pod${c.pod}.lock(${lockName(c.name)}, cb=${c.callback} after ${c.after}, ttl=${queuedTtl(c.name, c.ttl)})`,
            (w) =>
              w.lock(
                c.pod,
                lockName(c.name),
                queuedTtl(c.name, c.ttl),
                c.callback as 'unlock' | 'never' | 'throw' | 'reject',
                c.after,
              ),
          ),
      ),
    release: nat.map((i) => new Step(`lease[${i}].release()`, (w) => w.release(i))),
    extend: fc
      .record({ i: nat, how: fc.constantFrom(...p.extend) })
      .map((c) => new Step(`lease[${c.i}].extend(${c.how})`, (w) => w.extend(c.i, c.how))),
    owner: fc.record({ pod, call: fc.constantFrom(...p.ownerCalls) }).map(
      (c) =>
        new Step(`pod${c.pod}.${c.call}()`, (w) => {
          if (c.call === 'getLockOwner') w.getLockOwner(c.pod);
          else if (c.call === 'removeLockOwner') w.removeLockOwner(c.pod);
          else w.isLockOwner(c.pod, c.call as 'isLockOwner' | 'setLockOwner');
        }),
    ),
    elect: fc
      .record({
        pod,
        name: fc.nat({ max: p.electionNames - 1 }),
        timing: fc.nat({ max: p.elections.length - 1 }),
        onElected: fc.constantFrom(...p.onElected),
      })
      .map((c) => {
        const electionName = ELECTION_NAMES[c.name] as string;
        const asked = p.elections[c.timing] as Timings;
        const ownerTtl = cfg.pods[c.pod]?.ownerTtl ?? Number.POSITIVE_INFINITY;
        const tooLong =
          p.leaseTtlWithinOwnerTtl && electionName === ELECTION_NAMES[0] && (asked.leaseTtl ?? 0) > ownerTtl;
        const timings = tooLong ? {} : asked;
        return new Step(
          `pod${c.pod}.elect(${electionName}, ${JSON.stringify(timings)}, onElected=${c.onElected})`,
          (w) => w.elect(c.pod, electionName, timings, c.onElected),
        );
      }),
    stop: nat.map((i) => new Step(`election[${i}].stop()`, (w) => w.stop(i))),
    abort: nat.map((i) => new Step(`abort(pending[${i}])`, (w) => w.abort(i))),
    advance: fc.constantFrom(...p.advances).map((ms) => new Step(`advance(${ms})`, (w) => w.advance(ms))),
    freeze: fc.constantFrom(...p.freezes).map((ms) => new Step(`freeze(${ms})`, (w) => w.freeze(ms))),
    forget: fc.constant(new Step('redis.forget()', (w) => w.forget())),
    close: pod.map((i) => new Step(`pod${i}.close()`, (w) => w.close(i))),
  };
  const weighted: Array<fc.Arbitrary<Step>> = [];
  const calls: Array<fc.Arbitrary<Step>> = [];
  for (const [command, arb] of Object.entries(all) as Array<[CommandName, fc.Arbitrary<Step>]>) {
    const weight = p.weights[command] ?? 0;
    for (let i = 0; i < weight; i++) weighted.push(arb);
    if (!TIME_COMMANDS.includes(command)) for (let i = 0; i < weight; i++) calls.push(arb);
  }
  // Two calls in the same tick, before either is answered: on a real Redis the only way (besides luck) for
  // operations of one pod to overlap in flight, as they do under load.
  const together = fc.tuple(fc.oneof(...calls), fc.oneof(...calls)).map(
    ([a, b]) =>
      new Step(`together(${a.text}; ${b.text})`, async (w) => {
        await Promise.all([a.act(w), b.act(w)]);
      }),
  );
  for (let i = 0; i < (p.weights.together ?? 0); i++) weighted.push(together);
  return weighted;
}

const TIME_COMMANDS: CommandName[] = ['advance', 'freeze', 'forget', 'together'];
