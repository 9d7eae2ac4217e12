import type { Logger } from '@edirect/lock-core';
import { Logger as NestLogger } from '@nestjs/common';

/** The core reports background failures to a logger; in a Nest app that is Nest's, under 'LockModule'. */
export function nestLogger(context = 'LockModule'): Logger {
  const logger = new NestLogger(context);
  return {
    error: (message, err) => logger.error(message, err instanceof Error ? err.stack : undefined),
    warn: (message) => logger.warn(message),
  };
}
