import { Injectable, Module } from '@nestjs/common';

/** Reads configuration from the environment, as `@edirect/config`'s service does for the README's setup. */
@Injectable()
export class ConfigService {
  get(name: string): string | undefined {
    return process.env[name];
  }
}

@Module({ providers: [ConfigService], exports: [ConfigService] })
export class ConfigModule {}
