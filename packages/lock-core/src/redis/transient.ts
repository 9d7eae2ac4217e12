const PERMANENT_REPLY = /^(ERR|WRONGTYPE|NOSCRIPT|NOPERM|WRONGPASS|NOAUTH|EXECABORT)\b/;

/**
 * True when retrying later may succeed: the connection dropped or is reconnecting, or the server is
 * loading, busy, failing over (READONLY, MASTERDOWN, CLUSTERDOWN, TRYAGAIN). Wrong commands, wrong types
 * and authentication errors are permanent.
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'ReplyError') return !PERMANENT_REPLY.test(err.message);
  return true;
}
