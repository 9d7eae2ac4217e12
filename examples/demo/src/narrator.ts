import type { Stamped } from './protocol.js';

const REORDER_MS = 30;

/**
 * Prints pod events as one time-ordered log. Events from different processes can arrive slightly out
 * of order, so each waits REORDER_MS in a buffer and leaves it sorted by its monotonic timestamp.
 */
export class Narrator {
  private buffer: Stamped[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly listeners: Array<(e: Stamped) => void> = [];

  constructor(
    /** Time zero of the log, on the monotonic clock. */
    public origin: number,
    private readonly line: (text: string) => void = (text) => process.stdout.write(`${text}\n`),
  ) {
    this.timer = setInterval(() => this.flush(false), REORDER_MS);
  }

  push(event: Stamped): void {
    this.buffer.push(event);
    for (const listener of this.listeners) listener(event);
  }

  /** Resolves with the first event (seen from now on) that `match` accepts. */
  next(match: (e: Stamped) => boolean): Promise<Stamped> {
    return new Promise((resolve) => {
      const listener = (e: Stamped) => {
        if (!match(e)) return;
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve(e);
      };
      this.listeners.push(listener);
    });
  }

  heading(text: string): void {
    this.flush(true);
    this.line(`\n── ${text} ${'─'.repeat(Math.max(0, 96 - text.length))}`);
  }

  say(at: number, who: string, text: string): void {
    this.flush(true);
    this.print(at, who, text);
  }

  close(): void {
    this.flush(true);
    clearInterval(this.timer);
  }

  private flush(all: boolean): void {
    this.buffer.sort((a, b) => a.at - b.at);
    const now = Number(process.hrtime.bigint() / 1000n) / 1000;
    while (this.buffer.length > 0 && (all || (this.buffer[0] as Stamped).at < now - REORDER_MS)) {
      const e = this.buffer.shift() as Stamped;
      const text = describe(e);
      if (text) this.print(e.at, e.pod, text);
    }
  }

  private print(at: number, who: string, text: string): void {
    this.line(`${`${(at - this.origin).toFixed(0)} ms`.padStart(9)}  ${who.padEnd(8)} ${text}`);
  }
}

function describe({ event: e }: Stamped): string | null {
  switch (e.kind) {
    case 'waiting':
      return `waits for "${e.job}"`;
    case 'holding':
      return `▶ holds "${e.job}"   fencing token ${e.fence}   (waited ${e.waitedMs.toFixed(0)} ms)`;
    case 'released':
      return `◁ releases "${e.job}": the next pod in line gets it`;
    case 'elected':
      return `★ elected leader   term fencing token ${e.fence}`;
    case 'revoked':
      return '☆ no longer leader';
    case 'leader-work':
      return `  (leader-only work, term ${e.fence})`;
    case 'closed':
      return 'closed its client: released its locks and its leadership';
    default:
      return null;
  }
}
