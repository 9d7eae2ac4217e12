import { Injectable } from '@nestjs/common';
import { LockService } from '@edirect/lock';

@Injectable()
export class SyncService {
  constructor(private readonly lock: LockService) {}

  async syncPolicies() {
    this.lock.lock(
      'sync-policies-task',
      async unlock => {
        try {
          // Only one pod will execute this at a time
          await this.fetchAndSyncPolicies();
        } finally {
          // Always unlock when done
          unlock();
        }
      },
      30000,
    ); // optional TTL in ms (30s default)
  }
  // #hide

  /** Stands in for the real work: a short exclusive job, reported so the smoke test can see it ran. */
  synced = 0;
  private async fetchAndSyncPolicies(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 50));
    this.synced++;
    console.log(`synced policies (${this.synced})`);
  }
  // #show
}
