import { describe, expect, it } from 'vitest';
import { QueueFullError, WorkQueue } from './workQueue.ts';

/** A task that finishes when the test says so. */
function gate<T>(value: T) {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { task: async () => (await opened, value), open };
}

describe('WorkQueue', () => {
  describe('under its limits', () => {
    it('should run at most `concurrency` tasks at once and start waiting ones in order', async () => {
      const depths: [number, number][] = [];
      const queue = new WorkQueue({ concurrency: 2, maxQueue: 2, onDepth: (w, r) => depths.push([w, r]) });
      const gates = [gate('a'), gate('b'), gate('c'), gate('d')];
      const started: string[] = [];
      const results = gates.map((g, i) =>
        queue.run(async () => {
          started.push(String(i));
          return g.task();
        }),
      );
      expect(queue.running).toBe(2);
      expect(queue.waiting).toBe(2);
      expect(started).toEqual(['0', '1']);
      gates[1]?.open();
      await results[1];
      expect(started).toEqual(['0', '1', '2']);
      for (const g of gates) g.open();
      expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
      expect(depths.at(-1)).toEqual([0, 0]);
    });

    it('should pass a failing task’s error to its caller and carry on', async () => {
      const queue = new WorkQueue({ concurrency: 1, maxQueue: 1 });
      const failing = queue.run(async () => {
        throw new Error('boom');
      });
      const next = queue.run(async () => 'after');
      await expect(failing).rejects.toThrow('boom');
      expect(await next).toBe('after');
    });

    it('should resolve idle() once everything has settled', async () => {
      const queue = new WorkQueue({ concurrency: 1, maxQueue: 1 });
      const g = gate(1);
      const running = queue.run(g.task);
      let idle = false;
      const waiting = queue.idle().then(() => (idle = true));
      await Promise.resolve();
      expect(idle).toBe(false);
      g.open();
      await running;
      await waiting;
      expect(idle).toBe(true);
    });
  });

  describe('when full', () => {
    it('should refuse with QueueFullError and a Retry-After of at least a second', async () => {
      const queue = new WorkQueue({ concurrency: 1, maxQueue: 1 });
      const g = gate(0);
      const first = queue.run(g.task);
      const second = queue.run(g.task);
      const third = queue.run(g.task);
      await expect(third).rejects.toBeInstanceOf(QueueFullError);
      await expect(third).rejects.toMatchObject({ maxQueue: 1, retryAfterSeconds: expect.any(Number) });
      expect(() => queue.assertRoomFor(1)).toThrow(/work queue is full \(1 images waiting\)/);
      g.open();
      await Promise.all([first, second]);
      expect(queue.available).toBe(2);
    });

    it('should still take unbounded work from a caller that bounds itself', async () => {
      const queue = new WorkQueue({ concurrency: 1, maxQueue: 0 });
      const g = gate('x');
      const first = queue.run(g.task);
      const second = queue.run(async () => 'y', { bounded: false });
      g.open();
      expect(await Promise.all([first, second])).toEqual(['x', 'y']);
    });

    it('should count a reservation as taken room until it is run or released, once', async () => {
      const queue = new WorkQueue({ concurrency: 1, maxQueue: 1 });
      const a = queue.reserve();
      const b = queue.reserve();
      expect(queue.available).toBe(0);
      expect(() => queue.reserve()).toThrow(QueueFullError);
      b.release();
      b.release();
      expect(queue.available).toBe(1);
      expect(await a.run(async () => 'ran')).toBe('ran');
      await expect(a.run(async () => 'twice')).rejects.toThrow(/used twice/);
      a.release();
      expect(queue.available).toBe(2);
    });

    it('should reject nonsense limits', () => {
      expect(() => new WorkQueue({ concurrency: 0, maxQueue: 1 })).toThrow(/concurrency must be a positive integer, got 0/);
      expect(() => new WorkQueue({ concurrency: 1, maxQueue: -1 })).toThrow(/maxQueue must be a non-negative integer/);
    });
  });
});
