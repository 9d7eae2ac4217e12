import { type RedisCluster, startRedisCluster } from '@internal/redis-server';
import { Cluster, type ClusterOptions } from 'ioredis';
import type { Backend, Inspector } from './backend.js';

/** Client options for a test cluster on loopback: fail fast, retry failovers quickly. */
export const clusterClientOptions: ClusterOptions = {
  redisOptions: { maxRetriesPerRequest: 1 },
  retryDelayOnFailover: 100,
  retryDelayOnClusterDown: 100,
  slotsRefreshTimeout: 1_000,
};

/**
 * The contract's backend on a real Redis Cluster of 3 masters with a replica each, started for the suite
 * and stopped after it. Every pod gets its own ioredis Cluster, so each has its own sharded subscribers.
 */
export function clusterBackend(prefix: string, onStarted?: (cluster: RedisCluster) => void) {
  return async (): Promise<Backend> => {
    const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
    onStarted?.(cluster);
    const nodes = [...cluster.startupNodes];
    const made: Cluster[] = [];
    const connect = (): Cluster => {
      const connection = new Cluster(nodes, clusterClientOptions);
      made.push(connection);
      return connection;
    };
    return {
      prefix,
      connect,
      inspect: clusterInspector(connect()),
      close: async () => {
        for (const connection of made) connection.disconnect();
        await cluster.stop();
      },
    };
  };
}

/** EXISTS of keys in several slots is refused by a Cluster (CROSSSLOT): ask key by key and add up. */
export function clusterInspector(cluster: Cluster): Inspector {
  return {
    get: (key) => cluster.get(key),
    pttl: (key) => cluster.pttl(key),
    llen: (key) => cluster.llen(key),
    exists: async (...keys) => {
      const counts = await Promise.all(keys.map((key) => cluster.exists(key)));
      return counts.reduce((sum, n) => sum + n, 0);
    },
  };
}
