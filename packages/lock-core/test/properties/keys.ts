import { lockKeys, ownerKeys } from '@edirect/lock-core/testing';

/**
 * The one place the property tests learn the library's key names (design.md, "Cluster-ready keys"):
 * the lock of name `k` is `<prefix>lock:{k}`, the owner lease of namespace `n` is `<prefix>owner:{n}`.
 * It asks the testing entry's lockKeys()/ownerKeys(), so a change of layout reaches these tests too.
 */
export function serverKey(prefix: string, kind: 'lock' | 'owner', name: string): string {
  return kind === 'lock' ? lockKeys(prefix, name).lock : ownerKeys(prefix, name).lock;
}
