import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export interface Event {
  event: string;
  at: number;
  [field: string]: unknown;
}

/** A fixture script in its own OS process, speaking JSON lines; SIGKILLed after the file if still alive. */
export interface Proc {
  readonly child: ChildProcess;
  readonly events: Event[];
  send(command: string): void;
  next(event: string, after?: number): Promise<Event>;
  exited(): Promise<number | null>;
}

const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

export function startProc(script: string, args: string[]): Proc {
  const child = spawn(process.execPath, [fixture(script), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  started.push(child);
  const events: Event[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    events.push(JSON.parse(line) as Event);
    for (const wake of waiters.splice(0)) wake();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    events,
    send: (command) => child.stdin?.write(`${command}\n`),
    async next(event, after = 0) {
      for (;;) {
        const found = events.find((e) => e.event === event && e.at >= after);
        if (found) return found;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`${script} exited before "${event}"`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    exited: () => exit,
  };
}

/** Now on the machine-wide monotonic clock the fixtures use, ms. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}
