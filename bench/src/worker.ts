/**
 * A worker process (child_process.fork, 'advanced' serialization). It runs one contended job or one
 * election candidacy at a time, as main.ts tells it over IPC.
 */
import { LockClient } from '@edirect/lock-core';
import { Redis } from 'ioredis';
import { adapterById, type Held, type LockAdapter, quorumAdapterById } from './adapters/index.js';
import { nowUs, sleep, sleepUntil } from './lib/clock.js';
import type { ContendedJob, ElectJob, FromWorker, ToWorker, WorkerResult } from './lib/protocol.js';
import { countedRedis, type RoundTrips } from './lib/redis.js';

function send(msg: FromWorker): void {
  process.send?.(msg);
}

/** A growable Float64Array. */
class Samples {
  private buf = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  toArray(): Float64Array {
    return this.buf.slice(0, this.length);
  }
}

interface Contended {
  job: ContendedJob;
  adapter: LockAdapter;
  /** The lock's connections: one, or one per quorum node (all counted into `counter`). */
  lockRedis: Redis[];
  checkRedis: Redis;
  counter: RoundTrips;
  waitStart: Samples;
  acquired: Samples;
  released: Samples;
  giveUps: number;
  /** Pairs (acquire called, acquire rejected) of the give-ups. */
  gaveUp: Samples;
  violations: number;
  lostReleases: number;
  errors: string[];
  pendingSince: number | undefined;
  reported: boolean;
}

let current: Contended | undefined;

async function setup(job: ContendedJob): Promise<void> {
  const counter: RoundTrips = { count: 0 };
  const quorum = job.quorumUrls;
  const lockRedis = (quorum ?? [job.redisUrl]).map((url) => countedRedis(url, counter));
  const checkRedis = new Redis(job.redisUrl, { maxRetriesPerRequest: 20 });
  await Promise.all([...lockRedis.map((r) => r.ping()), checkRedis.ping()]);
  current = {
    job,
    adapter: quorum
      ? quorumAdapterById(job.adapter).create(lockRedis)
      : adapterById(job.adapter).create(lockRedis[0] as Redis, {
          index: job.index,
          workers: job.workers,
          key: job.key,
        }),
    lockRedis,
    checkRedis,
    counter,
    waitStart: new Samples(),
    acquired: new Samples(),
    released: new Samples(),
    giveUps: 0,
    gaveUp: new Samples(),
    violations: 0,
    lostReleases: 0,
    errors: [],
    pendingSince: undefined,
    reported: false,
  };
  await current.adapter.ready;
  send({ type: 'ready' });
}

function note(run: Contended, err: unknown): void {
  const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  if (run.errors.length < 20 && !run.errors.includes(msg)) run.errors.push(msg);
}

/** acquire; INCRBY inside (must be 1); hold; DECRBY inside; release. Until the end of the run. */
async function go(startUs: number, endUs: number): Promise<void> {
  const run = current;
  if (!run) throw new Error('go before setup');
  const { adapter, checkRedis, job } = run;
  await sleepUntil(startUs);
  run.counter.count = 0;
  while (nowUs() < endUs && !run.reported) {
    const t0 = nowUs();
    run.pendingSince = t0;
    let held: Held;
    try {
      held = await adapter.acquire(job.key, job.ttl);
    } catch (err) {
      run.pendingSince = undefined;
      run.giveUps++;
      run.gaveUp.push(t0);
      run.gaveUp.push(nowUs());
      note(run, err);
      continue;
    }
    run.pendingSince = undefined;
    const t1 = nowUs();
    const inside = await checkRedis.incrby(job.checkKey, 1);
    if (inside !== 1) run.violations++;
    if (job.holdMs > 0) await sleep(job.holdMs);
    await checkRedis.decrby(job.checkKey, 1);
    const t2 = nowUs();
    try {
      if (!(await held.release())) run.lostReleases++;
    } catch (err) {
      run.lostReleases++;
      note(run, err);
    }
    run.waitStart.push(t0);
    run.acquired.push(t1);
    run.released.push(t2);
  }
  await report(run);
}

async function report(run: Contended, stuck = false): Promise<void> {
  if (run.reported) return;
  run.reported = true;
  const roundTrips = run.counter.count;
  if (!stuck) {
    await run.adapter.close().catch((err) => note(run, err));
    await Promise.all([...run.lockRedis.map((r) => r.quit()), run.checkRedis.quit()]).catch(() => {});
  }
  for (const e of run.adapter.errors) if (run.errors.length < 20) run.errors.push(e);
  const result: WorkerResult = {
    index: run.job.index,
    waitStart: run.waitStart.toArray(),
    acquired: run.acquired.toArray(),
    released: run.released.toArray(),
    giveUps: run.giveUps,
    gaveUp: run.gaveUp.toArray(),
    violations: run.violations,
    lostReleases: run.lostReleases,
    roundTrips,
    errors: run.errors,
  };
  if (stuck && run.pendingSince !== undefined) result.stuckInAcquireUs = nowUs() - run.pendingSince;
  send({ type: 'result', result });
  if (stuck) {
    for (const r of run.lockRedis) r.disconnect();
    run.checkRedis.disconnect();
  }
}

// ---- election candidate -------------------------------------------------------------------------

let candidate: { client: LockClient; redis: Redis; stop: () => Promise<void>; id: string } | undefined;

async function elect(job: ElectJob): Promise<void> {
  const redis = new Redis(job.redisUrl, { maxRetriesPerRequest: 20 });
  const id = `candidate-${job.index}-${process.pid}`;
  const client = new LockClient({ redis, namespace: job.name, instanceId: id, logger: { error: () => {} } });
  client.on('error', () => {});
  const election = client.elect({
    ...(job.timings ?? {}),
    onElected: () => send({ type: 'elected', at: nowUs(), id }),
    onRevoked: () => send({ type: 'revoked', at: nowUs(), id }),
  });
  candidate = {
    client,
    redis,
    id,
    stop: async () => {
      await election.stop();
      await client.close();
      await redis.quit();
    },
  };
  send({ type: 'ready' });
}

// ---- floor probe: how long a message through Redis takes to reach an idle process ----------------

let listener: { sub: Redis; heard: Samples } | undefined;

async function listen(redisUrl: string, channel: string): Promise<void> {
  const sub = new Redis(redisUrl, { maxRetriesPerRequest: 20 });
  const heard = new Samples();
  sub.on('message', (_channel: string, message: string) => {
    const at = nowUs();
    heard.push(Number(message));
    heard.push(at);
  });
  await sub.subscribe(channel);
  listener = { sub, heard };
  send({ type: 'ready' });
}

// The orchestrator died (or was interrupted): nobody will read our results, and nobody would stop us.
process.on('disconnect', () => process.exit(0));

process.on('message', (msg: ToWorker) => {
  const fail = (err: unknown): void =>
    send({ type: 'failed', message: String((err as Error)?.stack ?? err) });
  switch (msg.type) {
    case 'setup':
      setup(msg.job).catch(fail);
      break;
    case 'go':
      go(msg.startUs, msg.endUs).catch(fail);
      break;
    case 'dump':
      if (current) report(current, true).catch(fail);
      break;
    case 'elect':
      elect(msg.job).catch(fail);
      break;
    case 'stop': {
      const c = candidate;
      if (!c) break;
      send({ type: 'stopping', at: nowUs(), id: c.id });
      c.stop()
        .then(() => send({ type: 'stopped', id: c.id }))
        .catch(fail);
      break;
    }
    case 'listen':
      listen(msg.redisUrl, msg.channel).catch(fail);
      break;
    case 'unlisten':
      if (listener) {
        send({ type: 'heard', samples: listener.heard.toArray() });
        listener.sub.disconnect();
        listener = undefined;
      }
      break;
    case 'exit':
      process.disconnect?.();
      process.exit(0);
  }
});
