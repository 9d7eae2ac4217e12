import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis } from '@edirect/lock-core/testing';
import { describe, expect, it } from 'vitest';
import { rejection, settle } from './contract/async.js';

describe('InMemoryRedis: the connection', () => {
  it('fits LockClient with no cast', async () => {
    const client = new LockClient({ redis: new InMemoryRedis() });
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
    await client.close();
  });

  it("emits 'connect' and 'ready' after the constructor returns, and serves commands before", async () => {
    const redis = new InMemoryRedis();
    const events: string[] = [];
    redis.on('connect', () => events.push('connect'));
    redis.on('ready', () => events.push('ready'));
    expect(redis.status).toBe('connecting');
    expect(await redis.set('k', 'v')).toBe('OK');
    await settle();
    expect(events).toEqual(['connect', 'ready']);
    expect(redis.status).toBe('ready');
  });

  it('duplicate() shares the data; a new InMemoryRedis is a separate server', async () => {
    const one = new InMemoryRedis();
    const two = one.duplicate();
    const other = new InMemoryRedis();
    await one.set('k', 'v');
    expect(await two.get('k')).toBe('v');
    expect(await two.duplicate().get('k')).toBe('v');
    expect(await other.get('k')).toBeNull();
  });

  it('quit() and disconnect() end the connection; later commands reject as ioredis does', async () => {
    const redis = new InMemoryRedis();
    const ended: string[] = [];
    redis.on('end', () => ended.push('end'));
    expect(await redis.quit()).toBe('OK');
    expect(redis.status).toBe('end');
    await settle();
    expect(ended).toEqual(['end']);
    expect((await rejection(redis.get('k'))).message).toBe('Connection is closed.');
    expect((await rejection(redis.quit())).message).toBe('Connection is closed.');
    redis.disconnect(); // idempotent, never throws
    const other = new InMemoryRedis();
    other.disconnect();
    expect((await rejection(other.get('k'))).message).toBe('Connection is closed.');
  });
});

describe('InMemoryRedis: pub/sub', () => {
  it('delivers PUBLISH from any connection of the server to every subscriber, never synchronously', async () => {
    const server = new InMemoryRedis();
    const sub1 = server.duplicate();
    const sub2 = server.duplicate().duplicate();
    const heard: string[] = [];
    sub1.on('message', (ch, msg) => heard.push(`1 ${ch} ${msg}`));
    sub2.on('message', (ch, msg) => heard.push(`2 ${ch} ${msg}`));
    expect(await sub1.subscribe('a')).toBe(1);
    expect(await sub1.subscribe('b', 'c')).toBe(3);
    expect(await sub2.subscribe('a')).toBe(1);
    const sent = server.publish('a', 'hello');
    expect(heard).toEqual([]);
    expect(await sent).toBe(2);
    await settle();
    expect(heard).toEqual(['1 a hello', '2 a hello']);
    expect(await server.publish('nobody', 'x')).toBe(0);
    expect(await new InMemoryRedis().publish('a', 'other server')).toBe(0);
  });

  it('unsubscribe stops delivery; with no channels it drops them all', async () => {
    const server = new InMemoryRedis();
    const sub = server.duplicate();
    const heard: string[] = [];
    sub.on('message', (ch) => heard.push(ch));
    await sub.subscribe('a', 'b', 'c');
    expect(await sub.unsubscribe('a')).toBe(2);
    await server.publish('a', 'x');
    await server.publish('b', 'x');
    await settle();
    expect(heard).toEqual(['b']);
    expect(await sub.unsubscribe()).toBe(0);
    expect(await server.publish('b', 'x')).toBe(0);
  });

  it('a connection with subscriptions refuses other commands, as ioredis does', async () => {
    const sub = new InMemoryRedis();
    await sub.subscribe('a');
    expect((await rejection(sub.get('k'))).message).toBe(
      'Connection in subscriber mode, only subscriber commands may be used',
    );
    expect(await sub.ping()).toBe('PONG');
    await sub.unsubscribe('a');
    expect(await sub.get('k')).toBeNull();
  });

  it('a quit subscriber hears nothing more', async () => {
    const server = new InMemoryRedis();
    const sub = server.duplicate();
    const heard: string[] = [];
    sub.on('message', (ch) => heard.push(ch));
    await sub.subscribe('a');
    const sent = server.publish('a', 'in flight');
    await sub.quit();
    expect(await sent).toBe(1);
    expect(await server.publish('a', 'after')).toBe(0);
    await settle();
    expect(heard).toEqual([]);
  });
});
