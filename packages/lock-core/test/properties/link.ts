import type { RedisConnection, SubscriberConnection } from '@edirect/lock-core';
import type { InMemoryRedis } from '@edirect/lock-core/testing';
import type { LinkDelays } from './backend.js';

/** The test's own timers (fake ones, under fake timers), counted so the library's can be told apart. */
export class OwnTimers {
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

/** FIFO delivery after `delay` ms (at once for 0). */
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

/**
 * A pod's connection to a shared in-memory server, through a link that delays requests, replies and
 * messages (FIFO per connection, as over TCP). The subscriber `duplicate()` makes gets its own link.
 */
export function linked(
  conn: InMemoryRedis,
  link: LinkDelays,
  own = new OwnTimers(),
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
