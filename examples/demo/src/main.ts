// The @edirect/lock demo: three pods, each its own OS process on one Redis, tell one story in one log.
//   1. a timed lock passes between them in FIFO order, with increasing fencing tokens
//   2. they elect a leader through the owner lock
//   3. the leader is killed (SIGKILL) and another takes over once its lease runs out
//   4. the new leader shuts down cleanly and hands over at once
// Redis: REDIS_URL if set; else a redis-server from PATH, started and stopped for the demo.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type ProvisionedRedis, provisionRedis } from '@internal/redis-server';
import { Redis } from 'ioredis';
import { Narrator } from './narrator.js';
import { monotonicMs, type PodCommand, type Stamped } from './protocol.js';

const POD_NAMES = ['pod-a', 'pod-b', 'pod-c'];
const LEASE_TTL = 1_500;

let redis: ProvisionedRedis;
try {
  redis = await provisionRedis();
} catch (err) {
  console.error(`${(err as Error).message}\n\nThe demo needs a Redis. Any of these will do:
  - REDIS_URL=redis://localhost:6379 npx -y pnpm@12.4.2 demo      (a Redis you already run)
  - sudo apt-get install redis-server                              (then rerun: the demo starts its own)
  - docker run -d -p 6379:6379 redis:7 && REDIS_URL=redis://localhost:6379 npx -y pnpm@12.4.2 demo`);
  process.exit(1);
}

const prefix = `demo:${randomBytes(3).toString('hex')}:`;
const origin = monotonicMs();
const narrator = new Narrator(origin);
const pods = new Map<string, ChildProcess>();
const podScript = fileURLToPath(new URL('./pod.js', import.meta.url));
const where =
  redis.source === 'redis-server' ? `${redis.url} (a redis-server started for this demo)` : redis.url;
console.log(`@edirect/lock demo: ${POD_NAMES.length} pods, each its own OS process, on Redis at ${where}`);

function startPod(name: string): Promise<void> {
  const child = fork(podScript, [redis.url, prefix, name], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  pods.set(name, child);
  child.on('message', (m) => narrator.push(m as Stamped));
  return narrator.next((e) => e.pod === name && e.event.kind === 'ready').then(() => {});
}
const tell = (name: string, command: PodCommand) => pods.get(name)?.send(command);
const event = (kind: Stamped['event']['kind'], pod?: string) =>
  narrator.next((e) => e.event.kind === kind && (pod === undefined || e.pod === pod));

try {
  await Promise.all(POD_NAMES.map(startPod));
  narrator.origin = monotonicMs();

  narrator.heading('1. Timed lock: "nightly-report" runs on one pod at a time; the others wait their turn');
  const jobsDone = Promise.all(POD_NAMES.map((name) => event('jobs-done', name)));
  for (const name of POD_NAMES) tell(name, { kind: 'run-jobs', jobs: 2 });
  await jobsDone;

  narrator.heading(`2. Owner lock: the pods campaign for leadership (lease ${LEASE_TTL} ms)`);
  const firstLeader = await new Promise<Stamped>((resolve) => {
    void event('elected').then(resolve);
    for (const name of POD_NAMES) tell(name, { kind: 'campaign' });
  });
  await new Promise((resolve) => setTimeout(resolve, 900));

  narrator.heading(
    `3. ${firstLeader.pod} (the leader) is killed with SIGKILL: no goodbye, its lease must run out`,
  );
  const killedAt = monotonicMs();
  pods.get(firstLeader.pod)?.kill('SIGKILL');
  narrator.say(killedAt, firstLeader.pod, '✖ killed');
  const secondLeader = await event('elected');
  const afterKill = secondLeader.at - killedAt;
  await new Promise((resolve) => setTimeout(resolve, 900));

  narrator.heading(`4. ${secondLeader.pod} (the new leader) shuts down cleanly: it hands over at once`);
  const shutdownAt = monotonicMs();
  narrator.say(shutdownAt, secondLeader.pod, 'shutting down (client.close())');
  tell(secondLeader.pod, { kind: 'shutdown' });
  const thirdLeader = await event('elected');
  const afterShutdown = thirdLeader.at - shutdownAt;
  await new Promise((resolve) => setTimeout(resolve, 500));

  narrator.heading('Summary');
  narrator.close();
  console.log(
    `  timed lock: ${POD_NAMES.length * 2} jobs ran one at a time, in the order the pods asked, fencing tokens increasing`,
  );
  console.log(
    `  failover after SIGKILL:        ${afterKill.toFixed(0).padStart(6)} ms  (${firstLeader.pod} → ${secondLeader.pod}; bounded by the ${LEASE_TTL} ms lease)`,
  );
  console.log(
    `  failover after clean shutdown: ${afterShutdown.toFixed(1).padStart(6)} ms  (${secondLeader.pod} → ${thirdLeader.pod}; the release hands the lease to the next campaigner)`,
  );
} finally {
  narrator.close();
  for (const [name, child] of pods) {
    if (child.exitCode === null && child.signalCode === null) {
      tell(name, { kind: 'shutdown' });
      await new Promise((resolve) => {
        const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
        child.once('exit', () => resolve(clearTimeout(force)));
      });
    }
  }
  const cleaner = new Redis(redis.url);
  const keys = await cleaner.scanStream({ match: `${prefix}*`, count: 500 }).toArray();
  const flat = keys.flat() as string[];
  if (flat.length > 0) await cleaner.unlink(...flat);
  await cleaner.quit();
  await redis.stop();
}
