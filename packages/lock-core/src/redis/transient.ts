/**
 * Reply errors worth retrying: the server is loading, busy, failing over, or short of memory or disk for
 * a moment. Any other reply error is permanent (a refused script, a wrong type, CROSSSLOT, a missing
 * permission, bad credentials): retrying it would only hang the caller, so it ends the wait.
 */
const TRANSIENT_REPLY = /^(LOADING|BUSY|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|OOM|MISCONF)\b/;

/**
 * True when retrying later may succeed: the connection dropped, timed out or is reconnecting, or the
 * server answered with one of the transient replies above.
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'ReplyError') return TRANSIENT_REPLY.test(err.message);
  return true;
}
