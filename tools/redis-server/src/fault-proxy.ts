import { createServer } from 'node:net';
import { resetSocket } from './pipe.js';
import { randomSeed, seededRandom } from './prng.js';
import {
  type BlackholeOptions,
  Connection,
  type ConnectionState,
  type ProxiedConnection,
} from './proxied-connection.js';

export interface FaultProxyOptions {
  /** The Redis server to forward to (host defaults to 127.0.0.1). */
  target: { host?: string; port: number };
}

export interface ChaosOptions {
  /**
   * Mean time between resets, ms. Each wait is drawn from [0.5, 1.5) times this, so resets do not fall
   * into step with a client's own timers.
   */
  resetEveryMs: number;
  /** Seed of the draws (default: a random one, returned by `chaos()`: print it when a run fails). */
  seed?: number;
}

export interface FaultProxyStats {
  /** Connections accepted and forwarded. */
  accepted: number;
  /** Connections reset on arrival by `refuse(true)` (or during `close()`). */
  refused: number;
  /** Connections the proxy reset: `resetAll()`, `reset()`, chaos, and a drop-mode `heal()`. */
  resets: number;
  /** The part of `resets` that chaos did. */
  chaosResets: number;
}

/**
 * A TCP proxy on a free loopback port in front of a Redis server, whose network faults a test switches
 * on and off. Proxy-wide calls apply to every open connection and to those accepted later; `list()` gives
 * each connection's own controls, to partition one client (a lock holder) and not the others.
 *
 * Each accepted connection gets its own connection to the server; whatever ends one side (FIN, RST, the
 * server dying or refusing) is passed to the other, in its place after the bytes before it. So with the
 * server down, a client connects to the proxy and is then reset, where it would have been refused.
 */
export interface FaultProxy {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`: give it to the client under test instead of the server's url. */
  readonly url: string;
  /** Client connections open through the proxy now. */
  readonly connections: number;
  readonly stats: Readonly<FaultProxyStats>;
  /** The open connections, oldest first. */
  list(): ProxiedConnection[];
  /**
   * Added latency each way, ms (a round trip gains twice this), for bytes sent from now on; 0 removes
   * it. Bytes already on their way keep the latency they left with, and never overtake each other.
   */
  delay(ms: number): void;
  /**
   * A network partition: no byte gets through either way and no socket closes. By default it stalls
   * (bytes are delivered late, in order, on `heal()`); `{ drop: true }` loses them and `heal()` resets
   * the connections that lost any. See `BlackholeOptions`.
   */
  blackhole(opts?: BlackholeOptions): void;
  /** Ends a blackhole. The delay stays until `delay(0)`; `refuse` stays until `refuse(false)`. */
  heal(): void;
  /** Cuts every open connection with a TCP RST, both to the client and to the server. */
  resetAll(): void;
  /**
   * While on, every new connection is reset as soon as it is accepted (the client sees ECONNRESET right
   * after connecting); open connections are left alone. Listening goes on, so the port is never lost.
   */
  refuse(on: boolean): void;
  /**
   * Resets one open connection, picked by a seeded draw, at seeded intervals, until `stopChaos()` or
   * `close()`. With the same seed the draws are the same; which connection a draw hits still depends on
   * what is open at that moment. Replaces a chaos already running. Returns the seed.
   */
  chaos(opts: ChaosOptions): { seed: number };
  stopChaos(): void;
  /** Stops listening, stops chaos, resets every connection; resolves once every socket and timer is gone. */
  close(): Promise<void>;
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = { host: opts.target.host ?? '127.0.0.1', port: opts.target.port };
  const open = new Set<Connection>();
  const defaults: ConnectionState = { delay: 0, fault: 'none' };
  const stats: FaultProxyStats = { accepted: 0, refused: 0, resets: 0, chaosResets: 0 };
  let refusing = false;
  let nextId = 1;
  let chaosTimer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  let emptied: (() => void) | undefined;

  const events = {
    reset: () => {
      stats.resets++;
    },
    gone: (conn: Connection) => {
      open.delete(conn);
      if (open.size === 0) emptied?.();
    },
  };

  const server = createServer({ allowHalfOpen: true }, (client) => {
    client.on('error', () => {});
    if (refusing || closing) {
      stats.refused++;
      resetSocket(client);
      return;
    }
    stats.accepted++;
    open.add(new Connection(nextId++, client, target, { ...defaults }, events));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // An accept error (EMFILE...) must not crash the test worker: the client sees its connection fail.
  server.on('error', () => {});
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('the fault proxy has no port');
  const port = address.port;

  const each = (f: (conn: Connection) => void): void => {
    for (const conn of [...open]) f(conn);
  };
  const stopChaos = (): void => {
    if (chaosTimer) clearTimeout(chaosTimer);
    chaosTimer = undefined;
  };

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get connections() {
      return [...open].filter((conn) => conn.open).length;
    },
    stats,
    list: () => [...open].filter((conn) => conn.open),
    delay(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`delay must be a finite ms >= 0, not ${ms}`);
      defaults.delay = ms;
      each((conn) => conn.delay(ms));
    },
    blackhole(opts = {}) {
      defaults.fault = opts.drop ? 'drop' : 'stall';
      each((conn) => conn.blackhole(opts));
    },
    heal() {
      defaults.fault = 'none';
      each((conn) => conn.heal());
    },
    resetAll() {
      each((conn) => conn.reset());
    },
    refuse(on) {
      refusing = on;
    },
    chaos({ resetEveryMs, seed = randomSeed() }) {
      if (!(resetEveryMs > 0)) throw new RangeError(`resetEveryMs must be > 0, not ${resetEveryMs}`);
      stopChaos();
      if (closing) return { seed };
      const random = seededRandom(seed);
      const next = (): void => {
        // Two draws per step whatever is open, so the sequence of waits and picks depends on the seed only.
        const wait = Math.max(1, Math.round(resetEveryMs * (0.5 + random())));
        chaosTimer = setTimeout(() => {
          const pick = random();
          const candidates = [...open].filter((conn) => conn.open);
          const victim = candidates[Math.floor(pick * candidates.length)];
          if (victim) {
            stats.chaosResets++;
            victim.reset();
          }
          next();
        }, wait);
      };
      next();
      return { seed };
    },
    stopChaos,
    close() {
      closing ??= new Promise<void>((resolve) => {
        stopChaos();
        const listening = new Promise<void>((done) => server.close(() => done()));
        const drained = new Promise<void>((done) => {
          emptied = done;
          if (open.size === 0) done();
        });
        each((conn) => conn.reset());
        // A socket caught mid-connect (a client reconnecting as the proxy closes) may never report its
        // close to a reset: past a second, whatever is left is destroyed outright.
        const stuck = setTimeout(() => each((conn) => conn.destroy()), 1_000);
        void Promise.all([listening, drained]).then(() => {
          clearTimeout(stuck);
          resolve();
        });
      });
      return closing;
    },
  };
}
