// Second review: reproduction of a progress violation the model test found with more runs
// (PROPERTY_RUNS=20000 PROPERTY_STEPS=80: seed 1242214176, path "3604:27:4:4:15:16:17:18:5:7:7:10:10:12:12:12:12:12:12:12:12:12:12:12:12").
import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis } from '@edirect/lock-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LinkDelays as Link } from '../properties/backend.js';
import { linked } from '../properties/link.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const clients: LockClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => Promise.race([c.close(), sleep(500)])));
});

function pod(server: InMemoryRedis, link: Link, fallbackPoll = 30): LockClient {
  const c = new LockClient({ redis: linked(server.duplicate(), link), fallbackPoll });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

describe('second review: waiters after a lock() holder that never unlocks (model counterexample)', () => {
  it.each(['real', 'fake'] as const)(
    '%s timers: both waiters are served soon after the holder’s ttl runs out',
    async (timers) => {
      if (timers === 'fake') vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
      const pass = async (ms: number) => {
        if (timers === 'real') return sleep(ms);
        for (let left = ms; left > 0; left -= 5) await vi.advanceTimersByTimeAsync(Math.min(5, left));
      };
      try {
        const server = new InMemoryRedis();
        const p0 = pod(server, { request: 0, reply: 1, message: 0 });
        const p1 = pod(server, { request: 1, reply: 4, message: 1 });
        const p2 = pod(server, { request: 4, reply: 1, message: 1 });
        const served: string[] = [];
        p0.lock('a', () => {}, 200); // never unlocks: runs out after 200 ms
        p2.lock(
          'a',
          (unlock) => {
            served.push('p2');
            unlock();
          },
          90,
        );
        p1.lock(
          'a',
          (unlock) => {
            served.push('p1');
            unlock();
          },
          40,
        );
        const seen: string[] = [];
        for (let t = 0; t < 2_500; t += 50) {
          await pass(50);
          const st = JSON.stringify([
            await server.get('lock:{a}'),
            await server.pttl('lock:{a}'),
            await server.lrange('lock:{a}:queue', 0, -1),
          ]);
          if (seen.at(-1)?.slice(seen.at(-1)?.indexOf(' ')) !== ` ${st}`) seen.push(`${t} ${st}`);
        }
        if (timers === 'fake') console.log(seen.join('\n'));
        expect(served.sort()).toEqual(['p1', 'p2']);
      } finally {
        await Promise.all(clients.splice(0).map((c) => Promise.race([c.close(), pass(500)])));
        vi.useRealTimers();
      }
    },
  );
});
