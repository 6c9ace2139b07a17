import { describe, expect, it } from 'vitest';
import { ModelBatcher } from './modelBatcher.ts';

describe('ModelBatcher', () => {
  describe('items arriving while the model is busy', () => {
    it('should run the first alone and the rest together, up to maxBatch, each getting its own output', async () => {
      const batches: number[][] = [];
      let release = (): void => undefined;
      const batcher = new ModelBatcher<number, number>(
        async (items) => {
          batches.push([...items]);
          if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
          return items.map((x) => x * 10);
        },
        { maxBatch: 3 },
      );
      const first = batcher.run(1);
      await new Promise((resolve) => setImmediate(resolve));
      const rest = [2, 3, 4, 5].map((x) => batcher.run(x));
      release();
      expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40, 50]);
      expect(batches).toEqual([[1], [2, 3, 4], [5]]);
    });
  });

  describe('items arriving in the same tick', () => {
    it('should put them in one batch', async () => {
      const batches: number[][] = [];
      const batcher = new ModelBatcher<number, number>(async (items) => (batches.push([...items]), items.map((x) => x)), { maxBatch: 8 });
      await Promise.all([1, 2, 3].map((x) => batcher.run(x)));
      expect(batches).toEqual([[1, 2, 3]]);
    });
  });

  describe('a model that computes several runs at once (maxConcurrent)', () => {
    it('should keep that many batches in flight and share the waiting items between them', async () => {
      const started: number[][] = [];
      const releases: (() => void)[] = [];
      let inFlight = 0;
      let mostInFlight = 0;
      const batcher = new ModelBatcher<number, number>(
        async (items) => {
          started.push([...items]);
          inFlight += 1;
          mostInFlight = Math.max(mostInFlight, inFlight);
          await new Promise<void>((resolve) => releases.push(resolve));
          inFlight -= 1;
          return items.map((x) => -x);
        },
        { maxBatch: 8, maxConcurrent: 2 },
      );
      const outputs = Promise.all([1, 2, 3, 4, 5, 6].map((x) => batcher.run(x)));
      await new Promise((resolve) => setImmediate(resolve));
      // Six waiting, two runs free: three each rather than six in one and none in the other.
      expect(started).toEqual([[1, 2, 3], [4, 5, 6]]);
      for (const release of releases) release();
      expect(await outputs).toEqual([-1, -2, -3, -4, -5, -6]);
      expect(mostInFlight).toBe(2);
    });

    it('should run an item that finds nothing running or waiting alone, holding every run, with exclusiveAlone', async () => {
      const started: { items: number[]; alone: boolean }[] = [];
      const releases: (() => void)[] = [];
      const batcher = new ModelBatcher<number, number>(
        async (items, { alone }) => {
          started.push({ items: [...items], alone });
          await new Promise<void>((resolve) => releases.push(resolve));
          return items.map((x) => -x);
        },
        { maxBatch: 8, maxConcurrent: 2, exclusiveAlone: true },
      );
      const first = batcher.run(1);
      await new Promise((resolve) => setImmediate(resolve));
      // Four more while it runs: none starts beside it, though a second run is nominally free.
      const rest = [2, 3, 4, 5].map((x) => batcher.run(x));
      await new Promise((resolve) => setImmediate(resolve));
      expect(started).toEqual([{ items: [1], alone: true }]);
      releases.shift()!();
      expect(await first).toBe(-1);
      // The run's end frees its slots, and the next drain is one turn of the event loop later.
      for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      // Then they are shared between both runs, neither alone.
      expect(started.slice(1)).toEqual([
        { items: [2, 3], alone: false },
        { items: [4, 5], alone: false },
      ]);
      for (const release of releases.splice(0)) release();
      expect(await Promise.all(rest)).toEqual([-2, -3, -4, -5]);
      // Two arriving together while nothing runs are not alone.
      const pair = Promise.all([6, 7].map((x) => batcher.run(x)));
      await new Promise((resolve) => setImmediate(resolve));
      expect(started.slice(3)).toEqual([
        { items: [6], alone: false },
        { items: [7], alone: false },
      ]);
      for (const release of releases.splice(0)) release();
      expect(await pair).toEqual([-6, -7]);
    });

    it('should never say alone without exclusiveAlone', async () => {
      const alones: boolean[] = [];
      const batcher = new ModelBatcher<number, number>(async (items, { alone }) => (alones.push(alone), items), { maxBatch: 8, maxConcurrent: 2 });
      expect(await batcher.run(1)).toBe(1);
      expect(alones).toEqual([false]);
    });

    it('should refuse a maxConcurrent that is not a positive integer', () => {
      expect(() => new ModelBatcher<number, number>(async (items) => items, { maxBatch: 2, maxConcurrent: 0 })).toThrow(/maxConcurrent must be a positive integer, got 0/);
    });
  });

  describe('a failing batch', () => {
    it('should reject every item of that batch and run the next', async () => {
      let calls = 0;
      const batcher = new ModelBatcher<number, number>(
        async (items) => {
          calls += 1;
          if (calls === 1) throw new Error('model failed');
          return items.map((x) => x);
        },
        { maxBatch: 8 },
      );
      const first = batcher.run(1);
      await expect(first).rejects.toThrow('model failed');
      expect(await batcher.run(2)).toBe(2);
    });

    it('should reject items the batch returned no output for', async () => {
      const batcher = new ModelBatcher<number, number>(async () => [], { maxBatch: 2 });
      await expect(batcher.run(1)).rejects.toThrow(/returned 0 results for 1 items/);
    });
  });
});
