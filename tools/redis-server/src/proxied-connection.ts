import { Socket } from 'node:net';
import { Pipe, resetSocket } from './pipe.js';

export interface BlackholeOptions {
  /**
   * false (default), a stall: nothing is read or forwarded either way; what the client sends waits in
   * socket buffers and reaches the server after `heal()`, in order, and the replies follow, as on a TCP
   * link whose partition healed before TCP gave up. The client sees neither a reply nor a close meanwhile.
   *
   * true, a drop: both directions are read and thrown away, as packets lost for good. A connection that
   * lost anything cannot carry on (its next reply would answer a command the server never got), so
   * `heal()` resets it: the client sees ECONNRESET, its unanswered commands fail or are resent by its
   * library. A connection that sent nothing during the drop carries on.
   */
  drop?: boolean;
}

/** The faults of one connection through the proxy. The proxy-wide calls set these on every connection. */
export interface ProxiedConnection {
  /** 1, 2, 3... in the order the proxy accepted them. */
  readonly id: number;
  /** The client's own port: `redis.stream.localPort` of an ioredis client finds its connection. */
  readonly clientPort: number;
  /** The client has not closed and has not been reset. */
  readonly open: boolean;
  /**
   * Bytes the proxy has read and holds, both ways: waiting out a delay, or read just before a stall
   * (a stall reads nothing more; the rest waits in socket buffers). Lets a test wait until a command is
   * surely on its way.
   */
  readonly queuedBytes: number;
  /** Bytes a drop-mode blackhole threw away, both ways. */
  readonly droppedBytes: number;
  /** Added latency each way, ms, for bytes sent from now on; 0 removes it. */
  delay(ms: number): void;
  /** Partitions this connection (see `BlackholeOptions`). */
  blackhole(opts?: BlackholeOptions): void;
  /** Ends a partition (see `BlackholeOptions` for what the bytes sent during it become); keeps the delay. */
  heal(): void;
  /** Cuts it: a TCP RST to the client and to the server. */
  reset(): void;
}

type Fault = 'none' | 'stall' | 'drop';

export interface ConnectionState {
  delay: number;
  fault: Fault;
}

/**
 * A client socket the proxy accepted and its socket to the server, with a pipe for each direction. Both
 * sockets are half-open capable, so a FIN from one side is passed on, in its place in the stream, rather
 * than closing the other side's direction early.
 */
export class Connection implements ProxiedConnection {
  readonly clientPort: number;
  private readonly upstream = new Socket({ allowHalfOpen: true });
  private readonly up: Pipe;
  private readonly down: Pipe;
  private fault: Fault = 'none';
  private dialed = false;
  /** 'close' seen: the socket's handle is released, not just marked destroyed. */
  private clientClosed = false;
  private upstreamClosed = false;
  private finished = false;

  constructor(
    readonly id: number,
    private readonly client: Socket,
    private readonly target: { host: string; port: number },
    state: ConnectionState,
    private readonly events: { reset(): void; gone(conn: Connection): void },
  ) {
    this.clientPort = client.remotePort ?? 0;
    client.setNoDelay(true);
    this.upstream.setNoDelay(true);
    // Errors show up again as 'close'; the pipes pass them on as resets.
    client.on('error', () => {});
    this.upstream.on('error', () => {});
    this.up = new Pipe(client, this.upstream);
    this.down = new Pipe(this.upstream, client);
    client.on('close', () => {
      this.clientClosed = true;
      this.up.sourceReset();
      this.settle();
    });
    this.upstream.on('close', () => {
      this.upstreamClosed = true;
      this.down.sourceReset();
      this.settle();
    });
    this.delay(state.delay);
    if (state.fault === 'none') this.dial();
    // Born partitioned: the server is dialled only on heal, as a SYN would not get through either.
    else this.blackhole({ drop: state.fault === 'drop' });
  }

  get open(): boolean {
    return !this.client.destroyed;
  }

  delay(ms: number): void {
    this.up.setDelay(ms);
    this.down.setDelay(ms);
  }

  blackhole(opts: BlackholeOptions = {}): void {
    this.fault = opts.drop ? 'drop' : 'stall';
    this.up.setMode(this.fault);
    this.down.setMode(this.fault);
  }

  heal(): void {
    if (this.fault === 'none') return;
    this.fault = 'none';
    if (this.up.lost || this.down.lost) {
      this.reset();
      return;
    }
    this.dial();
    this.up.setMode('open');
    this.down.setMode('open');
  }

  reset(): void {
    if (this.client.destroyed && this.upstream.destroyed) return;
    if (!this.client.destroyed) this.events.reset();
    this.up.dispose();
    this.down.dispose();
    resetSocket(this.client);
    // Never dialled: there is nothing to reset, and the socket must still be destroyed to close.
    if (this.dialed) resetSocket(this.upstream);
    else this.upstream.destroy();
  }

  /** Destroys both sockets at once, whatever state they are in (close()'s last resort). */
  destroy(): void {
    this.up.dispose();
    this.down.dispose();
    this.client.destroy();
    this.upstream.destroy();
  }

  get queuedBytes(): number {
    return this.up.queuedBytes + this.down.queuedBytes;
  }

  get droppedBytes(): number {
    return this.up.droppedBytes + this.down.droppedBytes;
  }

  private dial(): void {
    if (this.dialed) return;
    this.dialed = true;
    this.upstream.connect(this.target.port, this.target.host);
  }

  /** Once both sockets have closed, its timers and queues go and the proxy forgets it. */
  private settle(): void {
    if (this.finished || !this.clientClosed || !this.upstreamClosed) return;
    this.finished = true;
    this.up.dispose();
    this.down.dispose();
    this.events.gone(this);
  }
}
