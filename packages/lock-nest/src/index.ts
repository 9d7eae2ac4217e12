export { LockClient } from '@edirect/lock-core';
