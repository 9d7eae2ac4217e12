import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@edirect/config';
import { LockModule } from '@edirect/lock';
// #hide
import { ScheduleModule } from '@nestjs/schedule';
import { FlagService } from './flag.service.js';
import { JobService } from './job.service.js';
import { ReportService } from './report.service.js';
import { SyncService } from './sync.service.js';
// #show

@Module({
  imports: [
    ConfigModule,
    LockModule.registerAsync({
      imports: [ConfigModule],
      useFactory: (configService: ConfigService) => ({
        lockOwner: configService.get('NAMESPACE') ?? 'default',
        redis: {
          host: configService.get('REDIS_HOST') ?? 'localhost',
          port: Number(configService.get('REDIS_PORT') ?? 6379),
          password: configService.get('REDIS_PASS'),
        },
      }),
      inject: [ConfigService],
    }),
    // #hide
    ScheduleModule.forRoot(),
    // #show
  ],
  // #hide
  providers: [SyncService, JobService, ReportService, FlagService],
  // #show
})
export class AppModule {}
