import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from './protocol.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

type Message<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

interface Pending {
  type: FromWorker['type'];
  resolve(msg: FromWorker): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** One forked worker process (worker.ts), spoken to over IPC; stopped only by its own pid. */
export class WorkerProc {
  readonly child: ChildProcess;
  private readonly inbox: FromWorker[] = [];
  private readonly pending: Pending[] = [];
  private exitedAt: Promise<void>;
  exited = false;

  constructor() {
    this.child = fork(WORKER, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (msg: FromWorker) => this.deliver(msg));
    this.exitedAt = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        for (const p of this.pending.splice(0)) {
          clearTimeout(p.timer);
          p.reject(new Error(`worker ${this.pid} exited (${signal ?? code}) while awaiting '${p.type}'`));
        }
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  send(msg: ToWorker): void {
    if (!this.exited && this.child.connected) this.child.send(msg);
  }

  /** The next message of `type` (a queued one first); a 'failed' message rejects instead. */
  next<T extends FromWorker['type']>(type: T, timeoutMs: number, signal?: AbortSignal): Promise<Message<T>> {
    const failed = this.inbox.findIndex((m) => m.type === 'failed');
    if (failed >= 0) {
      const [m] = this.inbox.splice(failed, 1);
      return Promise.reject(new Error(`worker ${this.pid}: ${(m as Message<'failed'>).message}`));
    }
    const at = this.inbox.findIndex((m) => m.type === type);
    if (at >= 0) return Promise.resolve(this.inbox.splice(at, 1)[0] as Message<T>);
    if (this.exited) return Promise.reject(new Error(`worker ${this.pid} has exited`));
    return new Promise((resolve, reject) => {
      const p: Pending = {
        type,
        resolve: (m) => resolve(m as Message<T>),
        reject,
        timer: setTimeout(() => {
          const at = this.pending.indexOf(p);
          if (at >= 0) this.pending.splice(at, 1);
          reject(new TimeoutError(`worker ${this.pid}: no '${type}' within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.pending.push(p);
      // A caller racing several workers withdraws from the losers, so no later message is swallowed.
      signal?.addEventListener(
        'abort',
        () => {
          const at = this.pending.indexOf(p);
          if (at < 0) return;
          this.pending.splice(at, 1);
          clearTimeout(p.timer);
          reject(new Error('withdrawn'));
        },
        { once: true },
      );
    });
  }

  private deliver(msg: FromWorker): void {
    const at = this.pending.findIndex((p) => msg.type === 'failed' || p.type === msg.type);
    if (at < 0) {
      this.inbox.push(msg);
      return;
    }
    const [p] = this.pending.splice(at, 1) as [Pending];
    clearTimeout(p.timer);
    if (msg.type === 'failed') p.reject(new Error(`worker ${this.pid}: ${msg.message}`));
    else p.resolve(msg);
  }

  /** SIGKILL, by this child's pid. Resolves with the time the signal was sent. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.exited) this.child.kill(signal);
  }

  /** Asks the worker to exit; kills it (by pid) if it has not within `graceMs`. */
  async stop(graceMs = 3_000): Promise<void> {
    if (this.exited) return;
    this.send({ type: 'exit' });
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exitedAt;
    clearTimeout(timer);
  }
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** A set of workers reused across the runs of a scenario (forking 32 Node processes takes seconds). */
export class WorkerPool {
  private readonly workers: WorkerProc[] = [];

  /** The first `n` workers, forking more when needed. */
  take(n: number): WorkerProc[] {
    while (this.workers.length < n) this.workers.push(new WorkerProc());
    return this.workers.slice(0, n);
  }

  /** Kills a worker that misbehaved and forks a fresh one in its place. */
  async replace(worker: WorkerProc): Promise<void> {
    const at = this.workers.indexOf(worker);
    worker.kill();
    await worker.stop(0).catch(() => {});
    if (at >= 0) this.workers[at] = new WorkerProc();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.stop()));
  }
}
