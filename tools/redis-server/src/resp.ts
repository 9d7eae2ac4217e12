import { connect } from 'node:net';

/** A reply as RESP2 gives it: status and bulk strings, integers, nil, arrays; an error reply rejects. */
export type Resp = string | number | null | Resp[];

/**
 * Sends one command over a fresh socket and resolves with its parsed reply, so the harness can ask a
 * node about its cluster, replication or sentinel state without a client library. Rejects on an error
 * reply, a refused connection, or no full reply within `timeoutMs`.
 */
export function redisCommand(
  port: number,
  args: ReadonlyArray<string | number>,
  { host = '127.0.0.1', timeoutMs = 2_000 } = {},
): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const sock = connect({ port, host });
    let buffer = Buffer.alloc(0);
    const finish = (err: Error | null, reply?: Resp): void => {
      sock.destroy();
      if (err) reject(err);
      else resolve(reply as Resp);
    };
    sock.setTimeout(timeoutMs, () => finish(new Error(`no reply from :${port} to ${args[0]}`)));
    sock.once('error', (err) => finish(err));
    sock.once('connect', () => {
      const parts = args.map(String);
      sock.write(`*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`);
    });
    sock.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      let parsed: { value: Resp; end: number } | undefined;
      try {
        parsed = parse(buffer, 0);
      } catch (err) {
        finish(err as Error);
        return;
      }
      if (parsed) finish(null, parsed.value);
    });
  });
}

/** Parses one reply at `at`; undefined while it is incomplete. Throws an error reply as an Error. */
function parse(buf: Buffer, at: number): { value: Resp; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[at] as number);
  const line = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      throw new Error(line);
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return undefined;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: Resp[] = [];
      let end = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buf, end);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`unexpected RESP type "${type}"`);
  }
}

/** `INFO`-style text (`field:value` lines) as a map. */
export function infoFields(text: Resp): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of String(text).split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  return fields;
}

/** Polls `check` until it returns a value other than undefined, or throws with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
}
