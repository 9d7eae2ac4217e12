import type { RedisConnection } from '@edirect/lock-core';
import { InMemoryRedis } from '@edirect/lock-core/testing';
import { vi } from 'vitest';
import type { Backend, LinkDelays } from './backend.js';
import { linked, OwnTimers } from './link.js';

/** Taken before any test fakes the timers: a real turn of the event loop. */
const realSetImmediate = globalThis.setImmediate;
export const realTurn = (): Promise<void> => new Promise((resolve) => realSetImmediate(resolve));

/** Fake time starts here (wall clock), so runs do not depend on the day they run. */
const EPOCH = Date.UTC(2026, 0, 1);

/**
 * One in-memory server per run, every pod on its own `duplicate()` behind a link that can delay
 * requests, replies and messages (FIFO per connection, as over TCP), under `vi.useFakeTimers()`.
 */
export class FakeBackend implements Backend {
  readonly kind = 'fake';
  readonly latency = 0;
  readonly prefix = '';
  readonly #server: InMemoryRedis;
  readonly #inspector: InMemoryRedis;
  readonly #own = new OwnTimers();

  constructor(readonly chunkMs = 5) {
    vi.useFakeTimers({ now: EPOCH });
    this.#server = new InMemoryRedis();
    this.#inspector = this.#server.duplicate();
  }

  connect(link: LinkDelays, onCommand?: (command: string) => void): RedisConnection {
    return linked(this.#server.duplicate(), link, this.#own, onCommand);
  }

  read(keys: readonly string[]): Promise<Array<string | null>> {
    // The fake runs a command when it is called: these GETs see one instant, with nothing in between.
    return Promise.all(keys.map((key) => this.#inspector.get(key)));
  }

  async settle(): Promise<void> {
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(0);
  }

  async advance(ms: number, between: () => Promise<void>): Promise<void> {
    for (let left = ms; left > 0; left -= this.chunkMs) {
      await vi.advanceTimersByTimeAsync(Math.min(this.chunkMs, left));
      await between();
    }
  }

  async freeze(ms: number): Promise<void> {
    vi.advanceTimersByTime(ms);
    await this.settle();
  }

  async forget(): Promise<void> {
    await this.#inspector.flushall();
  }

  delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.#own.after(ms, resolve));
  }

  libraryTimers(): number {
    return vi.getTimerCount() - this.#own.size;
  }

  now(): number {
    return performance.now();
  }

  async dispose(): Promise<void> {
    vi.useRealTimers();
  }
}
