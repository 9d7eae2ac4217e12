import { describe, expect, it } from 'vitest';
import { type Suite, unique } from './backend.js';

export function keyValueContract(s: Suite): void {
  describe('key/value', () => {
    it('set then get, across pods, under the key prefix', async () => {
      const a = s.pod();
      const b = s.pod();
      const key = unique('kv');
      await a.client.set(key, 'hello');
      expect(await b.client.get(key)).toBe('hello');
      expect(await s.backend.inspect.get(`${s.backend.prefix}${key}`)).toBe('hello');
      expect(await s.backend.inspect.pttl(`${s.backend.prefix}${key}`)).toBe(-1);
    });

    it('set keeps an existing value unless override is true', async () => {
      const a = s.pod();
      const key = unique('kv');
      await a.client.set(key, 'first');
      await a.client.set(key, 'second');
      expect(await a.client.get(key)).toBe('first');
      await a.client.set(key, 'third', true);
      expect(await a.client.get(key)).toBe('third');
      await a.client.set(key, 'fourth', false);
      expect(await a.client.get(key)).toBe('third');
    });

    it('get of a missing key is null; the empty string is a value', async () => {
      const a = s.pod();
      expect(await a.client.get(unique('missing'))).toBeNull();
      const key = unique('kv');
      await a.client.set(key, '');
      expect(await a.client.get(key)).toBe('');
    });
  });
}
