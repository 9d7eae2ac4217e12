import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis } from '@edirect/lock-core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Alarms } from '../src/util/alarms.js';

/** The one timer behind every lease's deadline and renewal (see src/internal/alarms.ts). */
describe('Alarms', () => {
  let alarms: Alarms;
  beforeEach(() => {
    vi.useFakeTimers();
    alarms = new Alarms();
  });
  afterEach(() => {
    alarms.stop();
    vi.useRealTimers();
  });

  it('fires each alarm once, when due, in time order across delays', () => {
    const fired: string[] = [];
    alarms.set(300, () => fired.push('300'));
    alarms.set(100, () => fired.push('100'));
    alarms.set(200, () => fired.push('200'));
    alarms.set(100, () => fired.push('100 again'));
    expect(vi.getTimerCount()).toBe(1);

    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['100', '100 again']);
    vi.advanceTimersByTime(200);
    expect(fired).toEqual(['100', '100 again', '200', '300']);
    expect(alarms.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a cancelled alarm never fires; cancelling twice or after firing does nothing', () => {
    const fired: string[] = [];
    const a = alarms.set(50, () => fired.push('a'));
    alarms.set(50, () => fired.push('b'));
    const c = alarms.set(50, () => fired.push('c'));
    alarms.cancel(a);
    alarms.cancel(a);
    alarms.cancel(c);
    expect(alarms.size).toBe(1);
    vi.advanceTimersByTime(50);
    expect(fired).toEqual(['b']);
    alarms.cancel(c);
    alarms.cancel(undefined);
    expect(alarms.size).toBe(0);
  });

  it('an earlier alarm set later re-arms the timer for itself', () => {
    const fired: number[] = [];
    alarms.set(1_000, () => fired.push(1_000));
    alarms.set(10, () => fired.push(10));
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([10]);
    vi.advanceTimersByTime(990);
    expect(fired).toEqual([10, 1_000]);
  });

  it('an alarm may set and cancel alarms while firing, and a throwing one does not stop the others', () => {
    const fired: string[] = [];
    const errors: unknown[] = [];
    const later = alarms.set(20, () => fired.push('cancelled by first'));
    alarms.set(10, () => {
      fired.push('first');
      alarms.cancel(later);
      alarms.set(5, () => fired.push('set by first'));
      throw new Error('boom');
    });
    alarms.set(10, () => fired.push('second'));
    // The throw surfaces as a throwing Node timer callback would, from a microtask.
    const queueMicrotask = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((fn) => {
      try {
        fn();
      } catch (err) {
        errors.push(err);
      }
    });
    vi.advanceTimersByTime(10);
    queueMicrotask.mockRestore();
    expect(fired).toEqual(['first', 'second']);
    expect(errors).toEqual([new Error('boom')]);
    vi.advanceTimersByTime(20);
    expect(fired).toEqual(['first', 'second', 'set by first']);
  });

  it('an alarm cancelled by another due at the same moment does not fire', () => {
    const fired: string[] = [];
    let second: ReturnType<Alarms['set']> | undefined;
    alarms.set(10, () => {
      fired.push('first');
      alarms.cancel(second);
    });
    second = alarms.set(10, () => fired.push('second'));
    vi.advanceTimersByTime(10);
    expect(fired).toEqual(['first']);
  });

  it('a delay beyond what setTimeout takes (24.8 days) waits instead of spinning', () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const fired: string[] = [];
    alarms.set(3e9, () => fired.push('late'));
    vi.advanceTimersByTime(60_000);
    expect(setTimeoutSpy.mock.calls.length).toBe(1);
    vi.advanceTimersByTime(3e9);
    expect(fired).toEqual(['late']);
    setTimeoutSpy.mockRestore();
  });

  it('after stop() an alarm set never fires and arms no timer', () => {
    const fired: string[] = [];
    alarms.stop();
    alarms.set(10, () => fired.push('after stop'));
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([]);
  });

  it('stop() drops every alarm and the timer', () => {
    const fired: string[] = [];
    const a = alarms.set(10, () => fired.push('a'));
    alarms.set(20, () => fired.push('b'));
    alarms.stop();
    expect(vi.getTimerCount()).toBe(0);
    alarms.cancel(a);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([]);
  });
});

describe('a client keeps one timer for all its leases', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('100 renewing leases: one timer; released, the alarms go; closed, no timer is left', async () => {
    vi.useFakeTimers();
    const client = new LockClient({ redis: new InMemoryRedis() });
    const leases = await Promise.all(
      Array.from({ length: 100 }, (_, i) => client.acquire(`job-${i}`, { ttl: 30_000 })),
    );
    expect(vi.getTimerCount()).toBe(1);
    // Each renews at ttl/3; the deadline moves with every renewal, so none is lost.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(leases.every((l) => l.isHeld())).toBe(true);
    await Promise.all(leases.slice(0, 50).map((l) => l.release()));
    await client.close();
    expect(leases.every((l) => !l.isHeld())).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
