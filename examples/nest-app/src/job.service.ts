import { Injectable } from '@nestjs/common';
import { LockService } from '@edirect/lock';
import { Cron } from '@nestjs/schedule';

@Injectable()
export class JobService {
  constructor(private readonly lock: LockService) {}

  @Cron('0 * * * * *') // every minute
  async runScheduledJob() {
    if (await this.lock.isLockOwner()) {
      // Only the owner pod runs this
      await this.processJob();
    }
  }
  // #hide

  processed = 0;
  private async processJob(): Promise<void> {
    this.processed++;
    console.log(`processed the scheduled job (${this.processed})`);
  }
  // #show
}
