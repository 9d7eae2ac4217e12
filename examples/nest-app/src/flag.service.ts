import { Injectable } from '@nestjs/common';
import { LockService } from '@edirect/lock';

/** The original README's key/value example, as a service method. */
@Injectable()
export class FlagService {
  constructor(private readonly lock: LockService) {}

  async enableNewFlow() {
    // #region kv
    await this.lock.set('feature-flag:new-flow', 'true');
    const value = await this.lock.get('feature-flag:new-flow');
    // #endregion
    return value;
  }
}
