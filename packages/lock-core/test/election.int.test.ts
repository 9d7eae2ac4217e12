import { LockClient, LockLostError, type Term } from '@edirect/lock-core';
import { ownerKeys } from '@edirect/lock-core/testing';
import { ownRedisServer, podFactory, redisUrl, sleep } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { monotonicMs, type Proc, startProc } from './processes.js';

const { pod, prefix } = podFactory({ label: 'elect' });
let n = 0;
const name = () => `svc-${++n}`;
const fast = { leaseTtl: 1_000, renewDeadline: 700, retryPeriod: 200 };

function leaders(ns: string): [Proc, Proc] {
  const args = [
    redisUrl(),
    prefix,
    ns,
    String(fast.leaseTtl),
    String(fast.renewDeadline),
    String(fast.retryPeriod),
  ];
  return [startProc('leader.mjs', args), startProc('leader.mjs', args)];
}

async function firstLeader(procs: Proc[]): Promise<[Proc, Proc]> {
  await Promise.race(procs.map((p) => p.next('elected')));
  const leader = procs.find((p) => p.events.some((e) => e.event === 'elected')) as Proc;
  return [leader, procs.find((p) => p !== leader) as Proc];
}

describe('leader election across OS processes', () => {
  for (const command of ['stop', 'remove', 'close'] as const) {
    it(`a clean ${command} hands leadership over within milliseconds (notified, not polling)`, async () => {
      const [leader, follower] = await firstLeader(leaders(name()));
      await sleep(300); // the follower is queued and sleeping on its retry period
      leader.send(command);
      const sent = await leader.next(`${command}-sent`);
      const elected = await follower.next('elected');
      const failoverMs = elected.at - sent.at;
      console.log(`failover after ${command}: ${failoverMs.toFixed(1)} ms`);
      expect(failoverMs).toBeLessThan(fast.retryPeriod); // faster than any poll could be
      expect(elected.fence as number).toBeGreaterThan(
        (leader.events.find((e) => e.event === 'elected')?.fence as number) ?? 0,
      );
      leader.child.kill('SIGKILL');
      follower.child.kill('SIGKILL');
    });
  }

  it('a SIGKILLed leader is replaced within the lease ttl plus one retry period', async () => {
    const [leader, follower] = await firstLeader(leaders(name()));
    await sleep(300);
    const killedAt = monotonicMs();
    leader.child.kill('SIGKILL');
    const elected = await follower.next('elected');
    const failoverMs = elected.at - killedAt;
    console.log(`failover after SIGKILL: ${failoverMs.toFixed(1)} ms (lease ttl ${fast.leaseTtl} ms)`);
    expect(failoverMs).toBeLessThan(fast.leaseTtl + fast.retryPeriod + 300);
    follower.child.kill('SIGKILL');
  });

  it('3 processes campaigning with churn and a paused leader: never two leaders, fences increase', async () => {
    const ns = name();
    const procs = [0, 1, 2].map(() => startProc('campaigner.mjs', [redisUrl(), prefix, ns, '6000']));
    // Pause a process past the lease ttl mid-run: if it was leading, it must know it lost on waking.
    await sleep(2_000);
    procs[1]?.child.kill('SIGSTOP');
    await sleep(1_500);
    procs[1]?.child.kill('SIGCONT');
    const outputs = await Promise.all(
      procs.map(
        (p) =>
          new Promise<string>((resolve) => {
            let out = '';
            p.child.stdout?.removeAllListeners('data');
            p.child.stdout?.on('data', (d) => {
              out += d;
            });
            p.child.on('exit', () => resolve(out));
          }),
      ),
    );
    const terms = outputs
      .flatMap((out, proc) =>
        (JSON.parse(out) as Array<{ fence: number; start: string; end: string }>).map((t) => ({
          proc,
          fence: t.fence,
          start: BigInt(t.start),
          end: BigInt(t.end),
        })),
      )
      .sort((a, b) => (a.start < b.start ? -1 : 1));
    expect(terms.length).toBeGreaterThanOrEqual(4);
    const t0 = terms[0]?.start ?? 0n;
    const show = terms.map(
      (t) => `p${t.proc} fence ${t.fence} ${Number(t.start - t0) / 1e6}..${Number(t.end - t0) / 1e6} ms`,
    );
    for (let i = 1; i < terms.length; i++) {
      const prev = terms[i - 1] as (typeof terms)[number];
      const term = terms[i] as (typeof terms)[number];
      expect(term.start > prev.end, `term ${i} starts before term ${i - 1} ends:\n${show.join('\n')}`).toBe(
        true,
      ); // margin 0
      expect(term.fence).toBeGreaterThan(prev.fence);
    }
    console.log(`safety: ${terms.length} terms over 3 processes, none overlapping`);
  }, 20_000);
});

describe('leadership loss is pushed', () => {
  it('the lease deleted behind the leader’s back: term.signal aborts, onRevoked runs, and it is re-elected', async () => {
    const { client, redis } = pod();
    const ns = name();
    const elected: Term[] = [];
    let revoked = 0;
    const election = client.elect({
      name: ns,
      ...fast,
      onElected: (term) => {
        elected.push(term);
      },
      onRevoked: () => {
        revoked++;
      },
    });
    await expect.poll(() => elected.length).toBe(1);
    expect(election.isLeader).toBe(true);
    await redis.del(ownerKeys(prefix, ns).lock);
    await expect.poll(() => revoked, { timeout: 2_000 }).toBe(1);
    expect(elected[0]?.signal.reason).toBeInstanceOf(LockLostError);
    await expect.poll(() => elected.length, { timeout: 2_000 }).toBe(2); // recovers on its own
    expect(elected[1]?.fence).toBeGreaterThan(elected[0]?.fence as number);
    await election.stop();
    expect(election.isLeader).toBe(false);
    // A term ended by stop() aborts its signal too, so leader-only work stops with it.
    expect(elected[1]?.signal.reason).toMatchObject({ reason: 'resigned' });
  });

  it('Redis killed: revoked before the lease can expire; after Redis returns the election recovers', async () => {
    const server = await ownRedisServer();
    const redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    redis.on('error', () => {});
    const client = new LockClient({ redis, keyPrefix: 'killed:' });
    client.on('error', () => {});
    const events: Array<[string, number]> = [];
    const election = client.elect({
      ...fast,
      onElected: () => {
        events.push(['elected', performance.now()]);
      },
      onRevoked: () => {
        events.push(['revoked', performance.now()]);
      },
    });
    await expect.poll(() => events.length).toBe(1);
    const killedAt = performance.now();
    await server.kill();
    await expect.poll(() => events.length, { timeout: 3_000 }).toBe(2);
    const revokedAt = events[1]?.[1] as number;
    // By the lease arithmetic: revoked within renewDeadline of the last renewal, before the lease ttl.
    expect(revokedAt - killedAt).toBeLessThan(fast.leaseTtl);
    await server.restart();
    await expect.poll(() => events.length, { timeout: 5_000 }).toBe(3);
    expect(events.map(([e]) => e)).toEqual(['elected', 'revoked', 'elected']);
    await election.stop();
    await client.close();
    redis.disconnect();
  });

  it('event loop blocked past the lease: isLeader is false on waking, and onRevoked follows', async () => {
    const { client } = pod();
    let revoked = false;
    let elected = false;
    const election = client.elect({
      name: name(),
      ...fast,
      onElected: () => {
        elected = true;
      },
      onRevoked: () => {
        revoked = true;
      },
    });
    await expect.poll(() => elected).toBe(true);
    const until = performance.now() + fast.leaseTtl + 200;
    while (performance.now() < until) {
      // stalled
    }
    expect(election.isLeader).toBe(false);
    await expect.poll(() => revoked, { timeout: 1_000 }).toBe(true);
    await election.stop();
  });
});

describe('elect() timings', () => {
  it('default like Kubernetes leader election: 15 s lease (ownerTtl), 10 s renew deadline, 2 s retry', async () => {
    const { client } = pod();
    const election = client.elect({ name: name() });
    expect(election.timings).toEqual({ leaseTtl: 15_000, renewDeadline: 10_000, retryPeriod: 2_000 });
    await election.stop();
    const scaled = pod({ ownerTtl: 3_000 }).client.elect({ name: name() });
    expect(scaled.timings).toEqual({ leaseTtl: 3_000, renewDeadline: 2_000, retryPeriod: 400 });
    await scaled.stop();
  });
});
