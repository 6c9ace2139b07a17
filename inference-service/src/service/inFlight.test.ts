import { describe, expect, it } from 'vitest';
import { InFlight } from './inFlight.ts';

describe('InFlight', () => {
  describe('identical concurrent work', () => {
    it('should run the task once and give every caller its result', async () => {
      const inFlight = new InFlight<number>();
      let runs = 0;
      let finish = (): void => undefined;
      const task = () =>
        new Promise<number>((resolve) => {
          runs += 1;
          finish = () => resolve(42);
        });
      const first = inFlight.run('image|model', task);
      const second = inFlight.run('image|model', task);
      expect([first.coalesced, second.coalesced]).toEqual([false, true]);
      finish();
      expect(await Promise.all([first.promise, second.promise])).toEqual([42, 42]);
      expect(runs).toBe(1);
    });
  });

  describe('after the work settled', () => {
    it('should forget the key, even when the task failed, so a retry runs again', async () => {
      const inFlight = new InFlight<string>();
      await expect(inFlight.run('k', () => Promise.reject(new Error('no'))).promise).rejects.toThrow('no');
      expect(inFlight.has('k')).toBe(false);
      const retry = inFlight.run('k', async () => 'yes');
      expect(retry.coalesced).toBe(false);
      expect(await retry.promise).toBe('yes');
    });

    it('should keep different keys apart', async () => {
      const inFlight = new InFlight<string>();
      const a = inFlight.run('a', async () => 'A');
      const b = inFlight.run('b', async () => 'B');
      expect(b.coalesced).toBe(false);
      expect(await Promise.all([a.promise, b.promise])).toEqual(['A', 'B']);
    });
  });
});
