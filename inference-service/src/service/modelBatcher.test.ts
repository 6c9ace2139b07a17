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
