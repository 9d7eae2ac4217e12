// The in-memory Redis fake, re-exported so a Nest app's tests need no direct dependency on the core:
//   LockModule.register({ connection: new InMemoryRedis() })
export { InMemoryRedis } from '@edirect/lock-core/testing';
