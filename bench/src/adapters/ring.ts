import type { AdapterSpec, Held } from './types.js';
import { errorSink } from './types.js';

/**
 * Not a lock: the ceiling of any fair handoff through Redis, run in the same cells as the libraries.
 * The K workers pass one token round a ring: a worker's acquire waits until the token reaches its own
 * channel, its release PUBLISHes the token to the next worker and waits for the reply, as a lock's
 * release waits for its script. Nothing else happens (no queue, no fence, no expiry), so no lock that
 * hands over to a different, sleeping process through Redis can do more sections per second, or hand over
 * faster, on this machine and in this run.
 */
export function fairRing(): AdapterSpec {
  return {
    id: 'fair-ring/default',
    lib: 'fair-ring',
    variant: 'default',
    settings: 'no lock: one token passed worker to worker by PUBLISH (the fair-handoff ceiling)',
    create(redis, seat) {
      if (!seat) throw new Error('fair-ring: runs only in the contended scenarios');
      const sink = errorSink();
      const channel = (i: number): string => `${seat.key}:ring:${i}`;
      const next = channel((seat.index + 1) % seat.workers);
      const sub = redis.duplicate();
      sub.on('error', (err) => sink.push(err));
      // The first worker starts with the token; a token that arrives before its acquire waits here.
      let tokens = seat.index === 0 ? 1 : 0;
      let waiting: (() => void) | null = null;
      sub.on('message', () => {
        const wake = waiting;
        waiting = null;
        if (wake) wake();
        else tokens++;
      });
      const held: Held = {
        release: async () => {
          await redis.publish(next, '1');
          return true;
        },
      };
      return {
        errors: sink.errors,
        // Every worker listens before any worker starts, so the first pass cannot be lost.
        ready: sub.subscribe(channel(seat.index)).then(() => undefined),
        async acquire() {
          if (tokens > 0) {
            tokens--;
            return held;
          }
          await new Promise<void>((resolve) => {
            waiting = resolve;
          });
          return held;
        },
        close: async () => {
          sub.disconnect();
        },
      };
    },
  };
}
