import type { RedisConnection, SubscriberConnection } from '@edirect/lock-core';
import { InMemoryRedis } from '@edirect/lock-core/testing';
import { vi } from 'vitest';
import type { Backend, LinkDelays } from './backend.js';

/** Taken before any test fakes the timers: a real turn of the event loop. */
const realSetImmediate = globalThis.setImmediate;
export const realTurn = (): Promise<void> => new Promise((resolve) => realSetImmediate(resolve));

/** Fake time starts here (wall clock), so runs do not depend on the day they run. */
const EPOCH = Date.UTC(2026, 0, 1);

/** The test's own fake timers, counted so the library's can be told apart. */
class OwnTimers {
  readonly #pending = new Set<ReturnType<typeof setTimeout>>();
  get size(): number {
    return this.#pending.size;
  }
  after(ms: number, fire: () => void): void {
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      fire();
    }, ms);
    this.#pending.add(timer);
  }
}

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

/** FIFO delivery after `delay` ms of fake time (at once for 0). */
function pipe(own: OwnTimers, delay: () => number) {
  let last = 0;
  return (deliver: () => void): void => {
    const d = delay();
    if (d === 0 && last <= performance.now()) {
      deliver();
      return;
    }
    const at = Math.max(performance.now() + d, last);
    last = at;
    own.after(at - performance.now(), deliver);
  };
}

/** Sends commands over one connection: FIFO requests and replies, each after its delay. */
function sender(link: LinkDelays, own: OwnTimers) {
  const request = pipe(own, () => link.request);
  const reply = pipe(own, () => link.reply);
  return <T>(run: () => Promise<T>): Promise<T> =>
    link.request === 0 && link.reply === 0
      ? run()
      : new Promise<T>((resolve, reject) =>
          request(() => {
            run().then(
              (value) => reply(() => resolve(value)),
              (err: unknown) => reply(() => reject(err)),
            );
          }),
        );
}

/** A pod's connection to the shared fake server, through a link with the given delays. */
function linked(
  conn: InMemoryRedis,
  link: LinkDelays,
  own: OwnTimers,
  onCommand: (command: string) => void = () => {},
): RedisConnection {
  const sendOn = sender(link, own);
  const send = <T>(run: () => Promise<T>, command = 'command'): Promise<T> => {
    onCommand(command);
    return sendOn(run);
  };
  return {
    get status() {
      return conn.status;
    },
    evalsha: (sha: string, numKeys: number, ...args: Array<string | number>) =>
      send(() => conn.evalsha(sha, numKeys, ...args), 'EVALSHA'),
    eval: (script: string, numKeys: number, ...args: Array<string | number>) =>
      send(() => conn.eval(script, numKeys, ...args), 'EVAL'),
    get: (key: string) => send(() => conn.get(key), 'GET'),
    set: (key: string, value: string, ...rest: string[]) => send(() => conn.set(key, value, ...rest), 'SET'),
    // The subscriber is a connection of its own: its own link, with the same delays.
    duplicate: () => subscriber(conn.duplicate(), link, own),
  } as RedisConnection;
}

function subscriber(sub: InMemoryRedis, link: LinkDelays, own: OwnTimers): SubscriberConnection {
  const send = sender(link, own);
  const message = pipe(own, () => link.message);
  return {
    subscribe: (channel: string) => send(() => sub.subscribe(channel)),
    unsubscribe: (channel: string) => send(() => sub.unsubscribe(channel)),
    on(event: string, listener: (...args: never[]) => void) {
      if (event === 'message') {
        const deliver = listener as unknown as (channel: string, text: string) => void;
        sub.on('message', (channel, text) => message(() => deliver(channel, text)));
      } else {
        sub.on(event as 'ready', listener as unknown as () => void);
      }
      return this;
    },
    // QUIT waits its turn behind the commands sent before it, as on a real connection.
    quit: () => send(() => sub.quit()),
    disconnect: () => sub.disconnect(),
  } as SubscriberConnection;
}
