import { OwnerOnly, WithLock } from '@edirect/lock';
import { Injectable } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';

@Injectable()
export class ReportService {
  reports = 0;

  /** Runs on the owner pod only; on the others the call returns without running. */
  @Cron(CronExpression.EVERY_MINUTE)
  @OwnerOnly()
  async sendDailyDigest() {
    console.log('digest sent by the owner pod');
  }

  /** Runs inside the lock "rebuild-report": a pod that finds it held skips this tick. */
  @Cron(CronExpression.EVERY_5_MINUTES)
  @WithLock('rebuild-report', { ttl: 60_000 })
  async rebuildReport() {
    this.reports++;
    console.log(`report rebuilt (${this.reports})`);
  }

  /** One invoice at a time per id, waiting up to 5 s for the lock. */
  @WithLock((invoiceId: string) => `invoice:${invoiceId}`, { wait: true, waitTimeout: 5_000 })
  async settleInvoice(invoiceId: string) {
    return `settled ${invoiceId}`;
  }
}
