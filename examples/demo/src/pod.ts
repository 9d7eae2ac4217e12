// One "pod" of the demo: a process with its own Redis connection and LockClient, doing what the
// narrator (main.ts) asks and reporting each step. Args: redisUrl keyPrefix podName
import { LockClient } from '@edirect/lock-core';
import { Redis } from 'ioredis';
import { monotonicMs, type PodCommand, type PodEvent } from './protocol.js';

const [url = '', keyPrefix = '', name = 'pod'] = process.argv.slice(2);
const redis = new Redis(url);
const client = new LockClient({ redis, keyPrefix, namespace: 'demo', instanceId: name });
client.on('error', () => {}); // the demo kills servers and pods on purpose; nothing here may crash
const report = (event: PodEvent) => process.send?.({ pod: name, at: monotonicMs(), event });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runJobs(jobs: number): Promise<void> {
  for (let i = 0; i < jobs; i++) {
    const job = 'nightly-report';
    report({ kind: 'waiting', job });
    const asked = performance.now();
    await client.withLock(job, async (lease) => {
      report({ kind: 'holding', job, fence: lease.fence, waitedMs: performance.now() - asked });
      await sleep(120); // the exclusive work
      report({ kind: 'released', job });
    });
    await sleep(30 + Math.random() * 40);
  }
  report({ kind: 'jobs-done' });
}

function campaign(): void {
  let work: NodeJS.Timeout | undefined;
  const election = client.elect({
    leaseTtl: 1_500,
    renewDeadline: 1_000,
    retryPeriod: 250,
    onElected: (term) => {
      report({ kind: 'elected', fence: term.fence });
      work = setInterval(() => {
        if (election.isLeader) report({ kind: 'leader-work', fence: term.fence });
      }, 400);
    },
    onRevoked: () => {
      clearInterval(work);
      report({ kind: 'revoked' });
    },
    onLeaderChange: (leader) => report({ kind: 'leader-seen', leader }),
  });
}

process.on('message', async (command: PodCommand) => {
  if (command.kind === 'run-jobs') await runJobs(command.jobs);
  if (command.kind === 'campaign') campaign();
  if (command.kind === 'shutdown') {
    await client.close(); // resigns leadership: a campaigning pod is handed the lease at once
    report({ kind: 'closed' });
    await redis.quit();
    process.disconnect?.();
  }
});
report({ kind: 'ready' });
