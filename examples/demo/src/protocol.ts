/** What a pod tells the demo's narrator, over the child-process IPC channel. */
export type PodEvent =
  | { kind: 'ready' }
  | { kind: 'waiting'; job: string }
  | { kind: 'holding'; job: string; fence: number; waitedMs: number }
  | { kind: 'released'; job: string }
  | { kind: 'jobs-done' }
  | { kind: 'elected'; fence: number }
  | { kind: 'revoked' }
  | { kind: 'leader-seen'; leader: string | null }
  | { kind: 'leader-work'; fence: number }
  | { kind: 'closed' };

/** What the narrator tells a pod. */
export type PodCommand = { kind: 'run-jobs'; jobs: number } | { kind: 'campaign' } | { kind: 'shutdown' };

export interface Stamped {
  pod: string;
  /** The machine-wide monotonic clock (CLOCK_MONOTONIC), ms: comparable across the demo's processes. */
  at: number;
  event: PodEvent;
}

export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}
