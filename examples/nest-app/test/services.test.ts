// Unit tests of the app's services with no Redis: LockModule on the in-memory fake, two "pods" sharing
// one fake server. This is how an app's own tests use the library.
import 'reflect-metadata';
import { LockModule } from '@edirect/lock';
import { InMemoryRedis } from '@edirect/lock/testing';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlagService } from '../src/flag.service.js';
import { JobService } from '../src/job.service.js';
import { ReportService } from '../src/report.service.js';
import { SyncService } from '../src/sync.service.js';

// #region pods
async function startPod(server: InMemoryRedis, name: string) {
  const moduleRef = await Test.createTestingModule({
    imports: [LockModule.register({ lockOwner: 'orders', instanceId: name, connection: server.duplicate() })],
    providers: [JobService, SyncService, ReportService, FlagService],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}
// #endregion

const apps: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

describe('the app’s services on the in-memory fake', () => {
  it('runs the scheduled job on the owner pod only, and on the other once the owner shuts down', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const server = new InMemoryRedis();
    const podA = await startPod(server, 'pod-a');
    const podB = await startPod(server, 'pod-b');
    apps.push(podB);
    const jobA = podA.get(JobService);
    const jobB = podB.get(JobService);
    for (let tick = 0; tick < 3; tick++) {
      await jobA.runScheduledJob();
      await jobB.runScheduledJob();
    }
    expect([jobA.processed, jobB.processed]).toEqual([3, 0]);
    await podA.close(); // shutdown hooks release the ownership
    await jobB.runScheduledJob();
    expect(jobB.processed).toBe(1);
  });

  it('lets one pod at a time run the locked sync, in order', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const server = new InMemoryRedis();
    const pods = await Promise.all([startPod(server, 'a'), startPod(server, 'b')]);
    apps.push(...pods);
    const [syncA, syncB] = pods.map((p) => p.get(SyncService)) as [SyncService, SyncService];
    await Promise.all([syncA.syncPolicies(), syncB.syncPolicies()]);
    await vi.waitFor(() => expect(syncA.synced + syncB.synced).toBe(2));
  });

  it('skips the @WithLock report on a pod that finds the lock held', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const server = new InMemoryRedis();
    const pods = await Promise.all([startPod(server, 'a'), startPod(server, 'b')]);
    apps.push(...pods);
    const [reportA, reportB] = pods.map((p) => p.get(ReportService)) as [ReportService, ReportService];
    await Promise.all([reportA.rebuildReport(), reportB.rebuildReport()]);
    expect(reportA.reports + reportB.reports).toBe(1);
    expect(await reportB.settleInvoice('INV-7')).toBe('settled INV-7');
    expect(await pods[0]?.get(FlagService).enableNewFlow()).toBe('true');
  });
});
