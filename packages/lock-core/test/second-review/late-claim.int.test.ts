import { type FaultProxy, startFaultProxy } from '@internal/redis-server';
import { podFactory, redisUrl, sleep } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

let proxy: FaultProxy | undefined;
// Registered first, so it runs after the pods are closed (after-hooks run last-registered first).
afterAll(() => proxy?.close());
const pods = podFactory({ label: 'review2-lateclaim' });

const client = (redis: Redis, instanceId: string, ns: string) =>
  pods.podOn(redis, { namespace: ns, instanceId, ownerTtl: 300 });

describe('second review: a late owner claim', () => {
  it.each(['isLockOwner', 'ifLockOwner'] as const)(
    '%s() does not say "owner" while another instance owns the namespace',
    async (call) => {
      const url = new URL(redisUrl());
      proxy ??= await startFaultProxy({ target: { host: url.hostname, port: Number(url.port) } });
      const aRedis = new Redis(proxy.url);
      await aRedis.ping();
      const ns = `ns-${call}`;
      const a = client(aRedis, 'a', ns);
      const b = client(new Redis(redisUrl()), 'b', ns);
      const cmd = proxy.list().find((c) => c.clientPort === aRedis.stream.localPort);
      cmd?.delay(350); // a's claim runs at +350 ms; its reply arrives at +700 ms; the 300 ms lease ends at +650

      let bOwnerSince: number | undefined;
      const t0 = performance.now();
      const aAnswer =
        call === 'isLockOwner' ? a.isLockOwner() : a.ifLockOwner(() => true).then((ran) => ran === true);
      const watching = (async () => {
        await sleep(400); // a's claim has run by now: a holds the lease in Redis until about +650 ms
        while (performance.now() - t0 < 1_500) {
          if (bOwnerSince === undefined && (await b.isLockOwner())) bOwnerSince = performance.now() - t0;
          await sleep(5);
        }
      })();
      const aSaysOwner = await aAnswer;
      const aAnsweredAt = performance.now() - t0;
      cmd?.delay(0);
      await watching;
      const overlap = aSaysOwner && bOwnerSince !== undefined && bOwnerSince < aAnsweredAt;
      // Fails: b was owner (since bOwnerSince) before a's late claim said a is owner (or ran a's owner-only fn).
      expect({ overlap, aSaysOwner, bOwnerSince, aAnsweredAt }).toEqual(
        expect.objectContaining({ overlap: false }),
      );
    },
  );
});
