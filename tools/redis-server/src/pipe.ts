import type { Socket } from 'node:net';

/**
 * What a pipe does with the bytes of its direction:
 *   open   forwards them, each after the pipe's delay;
 *   stall  forwards nothing and reads nothing more: bytes already read wait in the pipe, the rest wait in
 *          the kernel's socket buffers and then in the sender's, as packets of a partitioned TCP link wait
 *          for retransmission. Reopening delivers all of it, late but in order;
 *   drop   reads everything and throws it away, as packets lost for good. The pipe remembers the loss, so
 *          its connection can be reset instead of carrying on with a hole in its byte stream.
 */
export type PipeMode = 'open' | 'stall' | 'drop';

/** The source's bytes, its end (FIN), or its reset (error or RST), in the order they happened. */
type Item =
  | { at: number; kind: 'data'; chunk: Buffer }
  | { at: number; kind: 'end' }
  | { at: number; kind: 'reset' };

/**
 * Bytes the pipe may hold while they wait out a delay before it stops reading its source, so a fast writer
 * meets backpressure instead of growing the queue without bound.
 */
const HIGH_WATER = 1 << 20;

/**
 * One direction of a proxied connection: reads `src`, writes `dst`. Everything the source does (bytes,
 * end, reset) goes through one FIFO queue, and only its head is ever released, so no delay change, stall
 * or reopening can reorder anything: bytes reach `dst` in the order `src` sent them, or not at all.
 */
export class Pipe {
  private mode: PipeMode = 'open';
  private delayMs = 0;
  private readonly queue: Item[] = [];
  /** Bytes read from the source and not yet written on: waiting out a delay, or caught by a stall. */
  queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingDrain = false;
  /** The source ended or went away: it will give nothing more. */
  private sourceDone = false;
  private disposed = false;
  /** Drop mode threw something away: bytes, or the source's end or reset. */
  lost = false;
  droppedBytes = 0;
  forwardedBytes = 0;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
  ) {
    src.on('data', (chunk: Buffer) => this.push({ at: 0, kind: 'data', chunk }));
    src.on('end', () => {
      this.sourceDone = true;
      this.push({ at: 0, kind: 'end' });
    });
    dst.on('drain', () => {
      this.waitingDrain = false;
      this.updateReading();
    });
  }

  /** The source closed without an end (an error, a RST, a destroy): the reset follows its last bytes. */
  sourceReset(): void {
    if (this.sourceDone) return;
    this.sourceDone = true;
    this.push({ at: 0, kind: 'reset' });
  }

  /**
   * Latency for what the source sends from now on. What is already queued keeps the time it was given
   * (it is "on the wire"); a later item never leaves before an earlier one, so lowering the delay cannot
   * reorder bytes.
   */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  setMode(mode: PipeMode): void {
    if (this.disposed || mode === this.mode) return;
    this.mode = mode;
    this.clearTimer();
    if (mode === 'drop') {
      // What was in flight when the link went down is lost with everything after it.
      for (const item of this.queue) this.lose(item);
      this.queue.length = 0;
      this.queuedBytes = 0;
    }
    this.updateReading();
    this.pump();
  }

  /** Forget everything queued and stop every timer: the connection is gone. */
  dispose(): void {
    this.disposed = true;
    this.clearTimer();
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private push(item: Item): void {
    if (this.disposed) return;
    if (this.mode === 'drop') {
      this.lose(item);
      return;
    }
    const tail = this.queue[this.queue.length - 1];
    item.at = Math.max(performance.now() + this.delayMs, tail?.at ?? 0);
    this.queue.push(item);
    if (item.kind === 'data') {
      this.queuedBytes += item.chunk.length;
      if (this.queuedBytes > HIGH_WATER) this.updateReading();
    }
    this.pump();
  }

  /** Releases every due item from the head of the queue, then sleeps until the next one is due. */
  private pump(): void {
    if (this.disposed || this.mode !== 'open') return;
    const now = performance.now();
    while (this.queue.length > 0) {
      const head = this.queue[0] as Item;
      if (head.at > now) {
        this.arm(head.at - now);
        return;
      }
      this.queue.shift();
      if (head.kind === 'data') this.queuedBytes -= head.chunk.length;
      this.deliver(head);
    }
    this.updateReading();
  }

  private arm(ms: number): void {
    if (this.timer) return;
    // Rounded up: a timer may fire a little early, and pump() re-arms rather than release anything early.
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, Math.ceil(ms)),
    );
  }

  private deliver(item: Item): void {
    const dst = this.dst;
    if (dst.destroyed) return;
    if (item.kind === 'reset') {
      resetSocket(dst);
      return;
    }
    if (dst.writableEnded) return;
    if (item.kind === 'end') {
      dst.end();
      return;
    }
    this.forwardedBytes += item.chunk.length;
    if (!dst.write(item.chunk)) {
      this.waitingDrain = true;
      this.updateReading();
    }
  }

  private lose(item: Item): void {
    this.lost = true;
    if (item.kind === 'data') this.droppedBytes += item.chunk.length;
  }

  /** Reads the source only when its bytes have somewhere to go (or, dropping, to be thrown away). */
  private updateReading(): void {
    if (this.disposed || this.sourceDone || this.src.destroyed) return;
    const reading =
      this.mode === 'drop' || (this.mode === 'open' && !this.waitingDrain && this.queuedBytes <= HIGH_WATER);
    if (reading) this.src.resume();
    else this.src.pause();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Closes a socket with a TCP RST, so the peer sees ECONNRESET as when a connection is cut, not the FIN of
 * a polite close. A socket still connecting has no connection to reset (and `resetAndDestroy()` would wait
 * for it to connect): it is just destroyed.
 */
export function resetSocket(sock: Socket): void {
  if (sock.destroyed) return;
  // Node 20's resetAndDestroy() on a socket already half closed (the peer's FIN read, or ours sent) never
  // emits 'close': its handle stays open and the proxy's server.close() waits forever. A half-closed
  // connection has nothing left to reset anyway.
  if (
    sock.pending ||
    sock.readableEnded ||
    sock.writableEnded ||
    typeof sock.resetAndDestroy !== 'function'
  ) {
    sock.destroy();
  } else {
    sock.resetAndDestroy();
  }
}
