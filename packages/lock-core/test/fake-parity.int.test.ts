import { InMemoryRedis, lockKeys } from '@edirect/lock-core/testing';
import { useRedis } from '@internal/test-harness';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { scripts } from '../src/scripts/runner.js';

/**
 * Differential test of the fake against real Redis: the same random sequences of script calls and raw
 * writes go to both, and every reply, every error and the resulting keys and published grants must
 * match. This is what shows the native scripts follow the Lua line by line, down to the edges the
 * client never reaches (stale and malformed queue entries, ttl 0, a fence that is not a number, a lock
 * key of the wrong type, a liveness that is not a number).
 *
 * Each server reads its own clock (TIME), so values made from it can differ by the time between the two
 * calls: fences taken from the clock (µs), entry deadlines (ms) and PTTLs are equal within a margin.
 * Fences counted on from a fence set ahead of the clock (most seeds start with one) must be equal.
 */

type Arg = string | number;
interface Target {
  call(command: string, ...args: Arg[]): Promise<unknown>;
}

const { redis, prefix } = useRedis('parity');
const fake = new InMemoryRedis();
const real: Target = redis;
const heard = { real: [] as string[], fake: [] as string[] };

const realSub = redis.duplicate();
const fakeSub = fake.duplicate();

beforeAll(async () => {
  for (const s of [scripts.acquire, scripts.release, scripts.extend]) {
    await redis.script('LOAD', s.source);
    await fake.script('LOAD', s.source);
  }
  realSub.on('message', (ch, msg) => heard.real.push(`${ch} ${msg}`));
  fakeSub.on('message', (ch, msg) => heard.fake.push(`${ch} ${msg}`));
});
afterAll(() => {
  realSub.disconnect();
  fakeSub.disconnect();
});

/** mulberry32: a small seeded PRNG, so a failing sequence can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Outcome = { reply: unknown } | { error: string };

/** Redis appends the failing line (`@user_script:27.`); the fake cannot know it. Everything else must match. */
function normalise(message: string): string {
  return message
    .replace(/ script: [0-9a-f]{40}, on @user_script.*$/, '')
    .replace(/user_script:\d+:/, 'user_script:');
}

async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    return { reply: await p };
  } catch (err) {
    return { error: normalise((err as Error).message) };
  }
}

/** A fence far ahead of any clock: fences counted on from it are the same on both servers. */
const AHEAD = 8_900_000_000_000_000;
/** Fences from the clock are µs since the epoch: 2020 to 2200. */
const fromClock = (n: number): boolean => n >= 1.5e15 && n < 7.3e15;
const ENTRY = /^([^|]+)\|(\d+)\|(\d+)\|([^|]+)$/;
const GRANT = /^(\S+ \S+) (\d+)$/;

/** Two readings of one clock-made value, taken moments apart on the two servers. */
function sameNumber(a: number, b: number): boolean {
  if (a === b) return true;
  if (fromClock(a) && fromClock(b)) return Math.abs(a - b) <= 2_000_000; // fences, µs
  if (a >= 1.5e12 && a < 7.3e12 && b >= 1.5e12 && b < 7.3e12) return Math.abs(a - b) <= 2_000; // deadlines, ms
  return a >= 1_000 && b >= 1_000 && Math.abs(a - b) <= 1_500; // PTTLs
}

/** Replies and states equal, but for values made from each server's own clock (see above). */
function sameish(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return sameNumber(a, b);
  if (typeof a === 'string' && typeof b === 'string' && a !== b) {
    const [ea, eb] = [ENTRY.exec(a), ENTRY.exec(b)];
    if (ea && eb) {
      return (
        ea[1] === eb[1] && ea[2] === eb[2] && ea[4] === eb[4] && sameNumber(Number(ea[3]), Number(eb[3]))
      );
    }
    const [ga, gb] = [GRANT.exec(a), GRANT.exec(b)];
    if (ga && gb) return ga[1] === gb[1] && sameNumber(Number(ga[2]), Number(gb[2]));
    if (/^\d+$/.test(a) && /^\d+$/.test(b)) return sameNumber(Number(a), Number(b));
    return false;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameish(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length &&
      ka.every((k) => sameish((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return a === b;
}

interface Op {
  label: string;
  run(t: Target): Promise<unknown>;
}

function scenario(seed: number, n: number): { keys: string[]; ops: Op[] } {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const now = Date.now();
  const far = now + 600_000;
  const past = now - 1_000;
  const k = lockKeys(`${prefix}s${seed}:`, 'k');
  const keys = [k.lock, k.fence, k.queue];
  const [lock, fence, queue] = keys as [string, string, string];
  const tokens = ['t1', 't2', 't3', 't4'];
  const clients = ['c1', 'c2', 'c3'];

  const ttl = (): string => (rand() < 0.05 ? '0' : pick(['5000', '5000', '60000']));
  const entry = (token: string): string => {
    const r = rand();
    let e: string;
    if (r < 0.6) e = `${token}|${ttl()}|${far}|${pick(clients)}`;
    else if (r < 0.85) e = `${token}|${ttl()}|${past}|${pick(clients)}`;
    else
      e = pick([
        'garbage',
        `${token}|5000|${far}`,
        `|5000|${far}|c1`,
        `${token}|05000|${far}|c2`,
        `${token}|5000|${far}|c1|x`,
        `${token}|5000|${far}|`,
      ]);
    return e;
  };
  // As lock-core sends them: heard '1' (one server), now and then '0'; a liveness, now and then garbage.
  const heardArg = (): string => (rand() < 0.85 ? '1' : '0');
  const live = (): string => (rand() < 0.03 ? 'soon' : pick(['5000', '3000', '60000']));
  const fenceArg = (): string => (rand() < 0.5 ? String(AHEAD + Math.floor(rand() * 4)) : 'x');

  const ops: Op[] = [];
  // Most seeds start with a fence ahead of the clock, so that fences compare exactly (see the top).
  if (rand() < 0.7) {
    const f = String(AHEAD);
    ops.push({ label: `SET fence ${f}`, run: (t) => t.call('SET', fence, f) });
  }
  for (let i = 0; i < n; i++) {
    const r = rand();
    const token = pick(tokens);
    let args: Arg[];
    if (r < 0.4) {
      // A quick try (token, ttl), a full try, a claim, or a try that queues the caller; now and then the
      // liveness is missing.
      // `how` (ARGV[5]): a claim (''), a reused token ('+', '+<client>'), or a queueing client.
      const kind = rand();
      const reused = rand() < 0.3 ? '+' : '';
      if (kind < 0.25) args = [token, ttl()];
      else if (kind < 0.4) args = [token, ttl(), 'PUBLISH', heardArg()];
      else if (kind < 0.5) args = [token, ttl(), 'PUBLISH', heardArg(), ''];
      else if (kind < 0.55) args = [token, ttl(), 'PUBLISH', heardArg(), '+'];
      else if (kind < 0.58) args = [token, ttl(), 'PUBLISH', heardArg(), reused + pick(clients)];
      else args = [token, ttl(), 'PUBLISH', heardArg(), reused + pick(clients), live()];
      const a = args;
      ops.push({
        label: `acquire ${a.join(' ')}`,
        run: (t) => t.call('EVALSHA', scripts.acquire.sha, 3, ...keys, ...a),
      });
    } else if (r < 0.7) {
      args = [token, 'PUBLISH', heardArg()];
      const shape = rand();
      if (shape < 0.15) args.push(fenceArg());
      else if (shape < 0.3) args.push(rand() < 0.5 ? '' : fenceArg(), pick(tokens));
      else if (shape < 0.5)
        args.push('', rand() < 0.3 ? pick(tokens) : '', pick(tokens), ttl(), pick(clients), live());
      const a = args;
      ops.push({
        label: `release ${a.join(' ')}`,
        run: (t) => t.call('EVALSHA', scripts.release.sha, 3, ...keys, ...a),
      });
    } else if (r < 0.85) {
      const a = [token, pick(['5000', '5000', '0', '-5', 'abc'])];
      if (rand() < 0.3) a.push(fenceArg());
      ops.push({
        label: `extend ${a.join(' ')}`,
        run: (t) => t.call('EVALSHA', scripts.extend.sha, 2, lock, fence, ...a),
      });
    } else if (r < 0.92) {
      const e = entry(pick(tokens));
      ops.push({ label: `RPUSH queue ${e}`, run: (t) => t.call('RPUSH', queue, e) });
    } else if (r < 0.95) {
      ops.push({ label: 'DEL lock', run: (t) => t.call('DEL', lock) });
    } else if (r < 0.98) {
      ops.push({ label: `SET lock ${token} (no expiry)`, run: (t) => t.call('SET', lock, token) });
    } else if (r < 0.993) {
      ops.push({ label: 'SET fence x', run: (t) => t.call('SET', fence, 'x') });
    } else if (r < 0.997) {
      ops.push({ label: 'RPUSH onto the lock key', run: (t) => t.call('RPUSH', lock, 'x') });
    } else {
      ops.push({ label: 'PEXPIRE lock 0', run: (t) => t.call('PEXPIRE', lock, 0) });
    }
  }
  return { keys, ops };
}

async function snapshot(t: Target, [lock, fence, queue]: string[]): Promise<Outcome[]> {
  return Promise.all([
    outcome(t.call('GET', lock ?? '')),
    outcome(t.call('PTTL', lock ?? '')),
    outcome(t.call('GET', fence ?? '')),
    outcome(t.call('LRANGE', queue ?? '', 0, -1)),
  ]);
}

describe('InMemoryRedis against real Redis, command for command', () => {
  // More in `pnpm test:soak` (PARITY_SEEDS).
  const SEEDS = Array.from({ length: Number(process.env.PARITY_SEEDS ?? 60) }, (_, i) => 1_000 + i);

  it.each(SEEDS)('random sequence, seed %i: same replies, errors, keys and grants', async (seed) => {
    const { keys, ops } = scenario(seed, 30);
    // Grants go to `<lock>:events:<client>`.
    const channels = ['c1', 'c2', 'c3'].map((c) => `${keys[0]}:events:${c}`);
    await Promise.all([realSub.subscribe(...channels), fakeSub.subscribe(...channels)]);
    const history: string[] = [];
    for (const op of ops) {
      history.push(op.label);
      const [r, f] = await Promise.all([outcome(op.run(real)), outcome(op.run(fake))]);
      const [rs, fs] = await Promise.all([snapshot(real, keys), snapshot(fake, keys)]);
      const where = `seed ${seed}, after:\n  ${history.join('\n  ')}`;
      if (!sameish(r, f)) expect(f, `reply differs; ${where}`).toEqual(r);
      if (!sameish(rs, fs)) expect(fs, `state differs; ${where}`).toEqual(rs);
    }
    // Grants cross a socket on Redis: wait for them, then compare in order.
    await vi.waitFor(() => expect(heard.real.length).toBeGreaterThanOrEqual(heard.fake.length), {
      timeout: 5_000,
    });
    if (!sameish(heard.real, heard.fake))
      expect(heard.fake, `grants differ, seed ${seed}`).toEqual(heard.real);
    heard.real.length = 0;
    heard.fake.length = 0;
    await Promise.all([realSub.unsubscribe(...channels), fakeSub.unsubscribe(...channels)]);
  });

  it('expires keys on both after their PX, and not before', async () => {
    const key = `${prefix}expiry`;
    for (const t of [real, fake]) await t.call('SET', key, 'v', 'PX', 400);
    const [rp, fp] = [(await real.call('PTTL', key)) as number, (await fake.call('PTTL', key)) as number];
    expect(rp).toBeGreaterThan(0);
    expect(fp).toBeGreaterThan(0);
    expect(fp).toBeLessThanOrEqual(400);
    await new Promise((resolve) => setTimeout(resolve, 800));
    for (const t of [real, fake]) {
      expect(await t.call('GET', key)).toBeNull();
      expect(await t.call('PTTL', key)).toBe(-2);
    }
  });

  it('answers the same to SET options and errors', async () => {
    const key = `${prefix}set-options`;
    const calls: Arg[][] = [
      ['SET', key, 'a', 'NX'],
      ['SET', key, 'b', 'NX'],
      ['SET', key, 'c', 'XX', 'PX', 5000],
      ['SET', key, 'd', 'nx', 'xx'],
      ['SET', key, 'd', 'PX', 0],
      ['SET', key, 'd', 'PX', '1.5'],
      ['SET', key, 'd', 'EX', 1, 'PX', 1],
      ['SET', key, 'd', 'bogus'],
      ['GET', key],
      ['INCR', key],
      ['LLEN', key],
      ['PEXPIRE', key, '9223372036854775807'],
      ['PEXPIRE', `${key}:none`, 100],
      ['DEL', key, key],
    ];
    for (const [command, ...args] of calls) {
      const [r, f] = await Promise.all([
        outcome(real.call(String(command), ...args)),
        outcome(fake.call(String(command), ...args)),
      ]);
      expect(f, `${command} ${args.join(' ')}`).toEqual(r);
    }
  });
});
