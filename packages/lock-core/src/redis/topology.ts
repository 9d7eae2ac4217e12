/** ioredis marks its Cluster with `isCluster`; a plain connection, a Sentinel one or the fake has none. */
export function isCluster(redis: unknown): boolean {
  return (redis as { isCluster?: unknown }).isCluster === true;
}

/**
 * Whether the client library can subscribe to sharded channels: a Cluster needs an ioredis that knows
 * the `shardedSubscribers` option (5.11 has it; one without it would send SSUBSCRIBE to any node), a single
 * connection needs `ssubscribe`. The server must be Redis 7 or later either way.
 */
export function canShard(redis: unknown): boolean {
  if (isCluster(redis)) {
    const options = (redis as { options?: object }).options;
    return typeof options === 'object' && options !== null && 'shardedSubscribers' in options;
  }
  return typeof (redis as { ssubscribe?: unknown }).ssubscribe === 'function';
}
