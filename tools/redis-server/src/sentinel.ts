import { infoFields, type Resp, redisCommand, waitFor } from './resp.js';
import { type RedisServer, startRedisServer } from './server.js';

export interface SentinelSetOptions {
  /** The master's name in Sentinel (default 'mymaster'). */
  name?: string;
  /** Sentinels, each a `redis-server --sentinel` (default 3; quorum is a majority of them). */
  sentinels?: number;
  /** `down-after-milliseconds` (default 1000): how long a silent master takes to be failed over. */
  downAfter?: number;
  /** Extra `redis-server` arguments for the master and the replica. */
  args?: string[];
}

/** A master, one replica and a few sentinels watching them: processes of this process, stopped by pid. */
export interface SentinelSet {
  readonly name: string;
  /** What `new Redis({ sentinels, name })` takes. */
  readonly sentinels: ReadonlyArray<{ host: string; port: number }>;
  /** The two data servers, the first the initial master. */
  readonly servers: readonly [RedisServer, RedisServer];
  readonly sentinelServers: readonly RedisServer[];
  /** The data server every sentinel reports as master now. */
  master(): Promise<RedisServer>;
  /** The other data server. */
  replica(): Promise<RedisServer>;
  /**
   * `SENTINEL FAILOVER`, then waits until every sentinel names the promoted replica and it answers as
   * master (about 250 ms here). The old master goes on answering as a master, to clients still connected
   * to it, until Sentinel reconfigures it as a replica, about 10 s later; `waitForReplica()` waits for that.
   */
  failover(): Promise<{ master: RedisServer; replica: RedisServer }>;
  /** Resolves once the current replica follows the current master and has caught up. */
  waitForReplica(timeoutMs?: number): Promise<void>;
  /** Stops the sentinels, then the servers (SIGTERM, by pid); idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a master, a replica of it and `sentinels` sentinels on free loopback ports, and resolves once
 * every sentinel knows the replica and the other sentinels (so a failover can be asked of any of them).
 * Takes a few seconds: sentinels find each other through hello messages sent every 2 s.
 */
export async function startSentinelSet(opts: SentinelSetOptions = {}): Promise<SentinelSet> {
  const name = opts.name ?? 'mymaster';
  const sentinelCount = opts.sentinels ?? 3;
  const quorum = Math.floor(sentinelCount / 2) + 1;
  const started: RedisServer[] = [];
  const stopAll = async (): Promise<void> => {
    // Sentinels first, so none of them reacts to the servers going away.
    await Promise.all(started.slice(2).map((s) => s.stop()));
    await Promise.all(started.slice(0, 2).map((s) => s.stop()));
  };
  // A master waits 5 s (repl-diskless-sync-delay) for more replicas before a full sync: none will come.
  const serverArgs = ['--repl-diskless-sync-delay', '0', ...(opts.args ?? [])];
  try {
    const master = await startRedisServer({ args: serverArgs });
    started.push(master);
    const replica = await startRedisServer({
      args: ['--replicaof', '127.0.0.1', String(master.port), ...serverArgs],
    });
    started.push(replica);
    const config = [
      `sentinel monitor ${name} 127.0.0.1 ${master.port} ${quorum}`,
      `sentinel down-after-milliseconds ${name} ${opts.downAfter ?? 1_000}`,
      `sentinel failover-timeout ${name} 10000`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n');
    const sentinels = await Promise.all(
      Array.from({ length: sentinelCount }, () =>
        startRedisServer({ configFile: config, args: ['--sentinel'] }),
      ),
    );
    started.push(...sentinels);
    await waitFor('the sentinels to know the replica and each other', async () => {
      for (const s of sentinels) {
        const state = pairs(await redisCommand(s.port, ['SENTINEL', 'MASTER', name]));
        if (state.get('num-slaves') !== '1') return undefined;
        if (state.get('num-other-sentinels') !== String(sentinelCount - 1)) return undefined;
      }
      return (await inSync(replica)) ? true : undefined;
    });
  } catch (err) {
    await stopAll();
    throw err;
  }

  const [first, second] = started as [RedisServer, RedisServer];
  const sentinelServers = started.slice(2);
  const masterPort = async (): Promise<number> => {
    const ports = new Set<number>();
    for (const s of sentinelServers) {
      const addr = (await redisCommand(s.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name])) as Resp[];
      ports.add(Number(addr[1]));
    }
    if (ports.size !== 1) throw new Error(`the sentinels disagree on the master: ${[...ports].join(', ')}`);
    return [...ports][0] as number;
  };
  const roles = async (): Promise<{ master: RedisServer; replica: RedisServer }> => {
    const port = await masterPort();
    return port === first.port ? { master: first, replica: second } : { master: second, replica: first };
  };

  return {
    name,
    sentinels: sentinelServers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    servers: [first, second],
    sentinelServers,
    master: async () => (await roles()).master,
    replica: async () => (await roles()).replica,
    async failover() {
      const before = await roles();
      await redisCommand((sentinelServers[0] as RedisServer).port, ['SENTINEL', 'FAILOVER', name]);
      return waitFor('the promotion', async () => {
        const now = await roles().catch(() => undefined);
        if (now?.master !== before.replica) return undefined;
        const role = infoFields(await redisCommand(now.master.port, ['INFO', 'replication']));
        return role.get('role') === 'master' ? now : undefined;
      });
    },
    async waitForReplica(timeoutMs = 30_000) {
      await waitFor(
        'the replica to catch up',
        async () => ((await inSync((await roles()).replica)) ? true : undefined),
        timeoutMs,
      );
    },
    stop: stopAll,
  };
}

/** A replica whose link to its master is up and that has caught up with it. */
async function inSync(replica: RedisServer): Promise<boolean> {
  const info = infoFields(await redisCommand(replica.port, ['INFO', 'replication']));
  if (info.get('role') !== 'slave' || info.get('master_link_status') !== 'up') return false;
  const master = infoFields(await redisCommand(Number(info.get('master_port')), ['INFO', 'replication']));
  return master.get('master_repl_offset') === info.get('slave_repl_offset');
}

/** A flat `[field, value, ...]` reply as a map. */
function pairs(reply: Resp): Map<string, string> {
  const list = (reply as Resp[]).map(String);
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < list.length; i += 2) map.set(list[i] as string, list[i + 1] as string);
  return map;
}
