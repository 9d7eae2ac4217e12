import { Injectable } from '@nestjs/common';
import { LockService } from '@edirect/lock';

@Injectable()
export class FlagService {
  constructor(private readonly lock: LockService) {}

  // #hide
  /** The original README's key/value example, as a method. */
  // #show
  async enableNewFlow() {
    await this.lock.set('feature-flag:new-flow', 'true');
    const value = await this.lock.get('feature-flag:new-flow');
    // #hide
    return value;
    // #show
  }
}
