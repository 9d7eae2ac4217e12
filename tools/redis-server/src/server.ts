import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A redis-server this process started; stopped only through its own pid. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** SIGKILL: the server dies without a goodbye, as in a crash. */
  kill(): Promise<void>;
  /**
   * SIGSTOP to this server's own pid: it freezes as in a long GC-like stall or a VM pause. Its sockets stay
   * open and the kernel still completes new connections into its backlog, but nothing is read or answered
   * until `resume()`. Synchronous: once kill(2) returns the stop is pending, and Linux acts on it before the
   * process next returns to its own code, so no command sent after this call is answered before `resume()`.
   */
  pause(): void;
  /** SIGCONT: the server carries on with whatever reached it while it was stopped, in order. */
  resume(): void;
  /** Between `pause()` and `resume()` (or a kill, stop or restart, which end a pause). */
  readonly paused: boolean;
  /** Start it again on the same port (after kill or stop), keeping nothing. */
  restart(): Promise<void>;
  /** SIGTERM and wait for exit; idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /**
   * Extra `redis-server` arguments, e.g. ['--cluster-enabled', 'yes'], or
   * ['--enable-debug-command', 'local'] for `debugSleep()` (Redis 7 refuses DEBUG otherwise).
   */
  args?: string[];
  port?: number;
  /**
   * Text of a config file, written into the server's scratch dir and passed first, before every flag:
   * Sentinel will not start without a file it can rewrite.
   */
  configFile?: string;
}

/** Asks the kernel for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  // Last resort so a crashed test run never leaves servers behind: only our own children, by pid.
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts `redis-server` from PATH on a free loopback port, persisting nothing, and resolves once it
 * accepts connections. Each server gets its own scratch dir, removed on stop.
 */
export async function startRedisServer(opts: StartOptions = {}): Promise<RedisServer> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'edirect-lock-redis-'));
  const configPath = join(dir, 'redis.conf');
  if (opts.configFile !== undefined) writeFileSync(configPath, opts.configFile);
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const args = [
      ...(opts.configFile !== undefined ? [configPath] : []),
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--logfile',
      '',
      '--loglevel',
      'warning',
      ...(opts.args ?? []),
    ];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    await waitUntilReady(proc, port);
  };

  let paused = false;
  const send = (name: NodeJS.Signals): void => {
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server on port ${port} is not running`);
    }
    child.kill(name);
  };

  const waitExit = (proc: ChildProcess, signal: NodeJS.Signals): Promise<void> =>
    new Promise((resolve) => {
      const wasPaused = paused;
      paused = false;
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill(signal);
      // A stopped process does not act on SIGTERM until it runs again (SIGKILL needs no help).
      if (wasPaused) proc.kill('SIGCONT');
    });

  await launch();
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid ?? -1;
    },
    get paused() {
      return paused;
    },
    pause() {
      send('SIGSTOP');
      paused = true;
    },
    resume() {
      send('SIGCONT');
      paused = false;
    },
    async kill() {
      if (child) await waitExit(child, 'SIGKILL');
    },
    async restart() {
      if (child) await waitExit(child, 'SIGKILL');
      await launch();
    },
    async stop() {
      if (child) await waitExit(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

async function waitUntilReady(proc: ChildProcess, port: number): Promise<void> {
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) {
      throw new Error(`redis-server on port ${port} exited with ${proc.exitCode}: ${output.trim()}`);
    }
    if (await pingOnce(port)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  proc.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not accept connections within 10 s: ${output.trim()}`);
}

/** One raw RESP PING over a fresh socket, so the harness needs no client library. */
export function pingOnce(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    import('node:net').then(({ connect }) => {
      const sock = connect({ port, host });
      const done = (ok: boolean) => {
        sock.destroy();
        resolve(ok);
      };
      sock.setTimeout(500, () => done(false));
      sock.once('error', () => done(false));
      sock.once('connect', () => sock.write('PING\r\n'));
      sock.once('data', (d) => done(d.toString().startsWith('+PONG')));
    });
  });
}
