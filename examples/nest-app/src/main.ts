// The Nest app of the original README. Env: REDIS_HOST, REDIS_PORT, REDIS_PASS, NAMESPACE.
// Boots, runs each job once so you can see it work, and keeps the cron jobs going until SIGTERM/SIGINT,
// when shutdown hooks release its locks and ownership so another pod takes over at once.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { FlagService } from './flag.service.js';
import { JobService } from './job.service.js';
import { ReportService } from './report.service.js';
import { SyncService } from './sync.service.js';

const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks();

await app.get(SyncService).syncPolicies();
await app.get(JobService).runScheduledJob();
await app.get(ReportService).rebuildReport();
console.log(await app.get(ReportService).settleInvoice('INV-1'));
console.log(`feature-flag:new-flow = ${await app.get(FlagService).enableNewFlow()}`);
console.log('ready');
