import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { infoFields, type Resp, redisCommand, waitFor } from './resp.js';
import { freePort, type RedisServer, startRedisServer } from './server.js';

const run = promisify(execFile);

export interface ClusterOptions {
  /** Masters, each serving a share of the 16384 slots (default 3, the fewest Redis accepts). */
  masters?: number;
  /** Replicas per master, to promote when a master dies (default 1). */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout`, ms (default 5000): how long a silent node takes to be failed over. Redis's
   * default (15 s) is for networks. A failover test wants about a second; a suite that must not see a
   * failover wants more, because on a loaded CI machine a node can miss its pongs for a second.
   */
  nodeTimeout?: number;
  /** Extra `redis-server` arguments for every node. */
  args?: string[];
}

/** One node as the cluster sees it now. */
export interface ClusterNodeInfo {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** The master's id, for a replica. */
  masterId: string | null;
  failed: boolean;
}

/** A Redis Cluster of processes this process started; every node stopped by its own pid. */
export interface RedisCluster {
  /** Every node, masters and replicas, in start order. */
  readonly nodes: readonly RedisServer[];
  /** What `new Cluster(startupNodes)` takes. */
  readonly startupNodes: ReadonlyArray<{ host: string; port: number }>;
  /** The node serving `key`'s slot as master, as a live node sees it now. */
  masterOf(key: string): Promise<RedisServer>;
  /** The live replicas of a master. */
  replicasOf(master: RedisServer): Promise<RedisServer[]>;
  /** The roles and health of every node, as a live node sees them. */
  topology(): Promise<ClusterNodeInfo[]>;
  /** SIGKILL a node, as in a crash. Its replica is promoted once the others agree it failed. */
  kill(node: RedisServer): Promise<void>;
  /**
   * Resolves once every live node says cluster_state:ok, every slot's master is alive, and every live
   * replica is in sync with its master (so the next failover has a replica to promote).
   */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every node (SIGTERM, by pid) and removes their files; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `masters * (1 + replicasPerMaster)` nodes with `--cluster-enabled yes` on free loopback ports
 * (each with its own bus port: port + 10000 may not exist), joins them with `redis-cli --cluster create`,
 * and resolves once the cluster is healthy. Takes about 2 s. On failure every started node is stopped.
 */
export async function startRedisCluster(opts: ClusterOptions = {}): Promise<RedisCluster> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicasPerMaster ?? 1;
  if (masters < 3) throw new RangeError('a Redis Cluster needs at least 3 masters');
  const count = masters * (1 + replicas);
  const ports = await distinctPorts(count * 2);
  const nodes: RedisServer[] = [];
  const killed = new Set<RedisServer>();
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    const started = await Promise.allSettled(
      Array.from({ length: count }, (_, i) =>
        startRedisServer({
          port: ports[i * 2] as number,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-port',
            String(ports[i * 2 + 1]),
            '--cluster-node-timeout',
            String(opts.nodeTimeout ?? 5_000),
            // A master waits 5 s for more replicas before a full sync by default: none will come.
            '--repl-diskless-sync-delay',
            '0',
            ...(opts.args ?? []),
          ],
        }),
      ),
    );
    for (const result of started) if (result.status === 'fulfilled') nodes.push(result.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
  } catch (err) {
    await stopAll();
    throw err;
  }

  const live = (): RedisServer[] => nodes.filter((n) => !killed.has(n));
  const byPort = (port: number): RedisServer => {
    const node = nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no node of this cluster listens on ${port}`);
    return node;
  };
  const ask = async (args: Array<string | number>): Promise<Resp> => {
    let lastError: unknown;
    for (const node of live()) {
      try {
        return await redisCommand(node.port, args);
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError ?? new Error('no live node');
  };
  const topology = async (): Promise<ClusterNodeInfo[]> =>
    parseClusterNodes(String(await ask(['CLUSTER', 'NODES'])));

  const cluster: RedisCluster = {
    nodes,
    startupNodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    async masterOf(key) {
      const slot = Number(await ask(['CLUSTER', 'KEYSLOT', key]));
      const ranges = (await ask(['CLUSTER', 'SLOTS'])) as Resp[][];
      for (const range of ranges) {
        const [start, end, master] = range as [number, number, Resp[]];
        if (slot >= start && slot <= end) return byPort(Number(master[1]));
      }
      throw new Error(`no master serves slot ${slot} of "${key}"`);
    },
    async replicasOf(master) {
      const all = await topology();
      const id = all.find((n) => n.port === master.port)?.id;
      return all
        .filter((n) => n.masterId === id && !n.failed)
        .map((n) => byPort(n.port))
        .filter((n) => !killed.has(n));
    },
    topology,
    async kill(node) {
      killed.add(node);
      await node.kill();
    },
    async waitUntilHealthy(timeoutMs = 20_000) {
      await waitFor(
        'a healthy cluster',
        async () => ((await healthy(live(), killed)) ? true : undefined),
        timeoutMs,
      );
    },
    stop: stopAll,
  };
  try {
    await cluster.waitUntilHealthy();
  } catch (err) {
    await stopAll();
    throw err;
  }
  return cluster;
}

async function healthy(live: RedisServer[], killed: Set<RedisServer>): Promise<boolean> {
  const deadPorts = new Set([...killed].map((n) => n.port));
  for (const node of live) {
    const info = infoFields(await redisCommand(node.port, ['CLUSTER', 'INFO']));
    if (info.get('cluster_state') !== 'ok') return false;
    const ranges = (await redisCommand(node.port, ['CLUSTER', 'SLOTS'])) as Resp[][];
    if (ranges.some((range) => deadPorts.has(Number((range[2] as Resp[])[1])))) return false;
    const replication = infoFields(await redisCommand(node.port, ['INFO', 'replication']));
    if (replication.get('role') === 'slave' && replication.get('master_link_status') !== 'up') return false;
  }
  return true;
}

/** `CLUSTER NODES`: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slots>...` */
export function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id = '', address = '', flags = '', master = '-'] = line.split(' ');
      const flagSet = new Set(flags.split(','));
      return {
        id,
        port: Number(address.split('@')[0]?.split(':').pop()),
        role: flagSet.has('master') ? 'master' : 'replica',
        masterId: master === '-' ? null : master,
        failed: flagSet.has('fail') || flagSet.has('fail?') || flagSet.has('noaddr'),
      };
    });
}

/** `n` free loopback ports, no two alike (two quick asks of the kernel may return the same one). */
async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}
