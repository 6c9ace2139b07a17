import { describe, expect, it } from 'vitest';
import { RecentlyDone } from './recentlyDone.ts';

describe('RecentlyDone', () => {
  it('should forget an entry once it is older than its time limit', () => {
    let now = 1_000;
    const done = new RecentlyDone<string>({ maxEntries: 10, ttlMs: 500, now: () => now });
    done.set('a', 'A');
    now += 500;
    expect(done.get('a')).toBe('A');
    now += 1;
    expect(done.get('a')).toBeUndefined();
  });

  it('should keep at most maxEntries, dropping the oldest first', () => {
    const done = new RecentlyDone<number>({ maxEntries: 3, ttlMs: 60_000 });
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) done.set(key, i);
    expect(['a', 'b', 'c', 'd'].map((key) => done.get(key))).toEqual([undefined, 1, 2, 3]);
    // Set again, an entry is the newest.
    done.set('b', 10);
    done.set('e', 4);
    expect(['b', 'c', 'd', 'e'].map((key) => done.get(key))).toEqual([10, undefined, 3, 4]);
  });
});
