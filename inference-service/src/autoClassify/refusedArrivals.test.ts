import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { RefusedArrivals } from './refusedArrivals.ts';

function capture(level: 'debug' | 'info') {
  const lines: string[] = [];
  const logger = createLogger({ tag: 'hook', level, sink: (line) => lines.push(line) });
  return { logger, entries: () => lines.map((line) => JSON.parse(line) as { level: string; msg: string; refused?: number; orthancInstanceId?: string }) };
}

describe('RefusedArrivals', () => {
  it('should say a burst of refusals once at info, then how many more at the end of each interval, and go quiet after it', async () => {
    const { logger, entries } = capture('info');
    const refused = new RefusedArrivals(logger, { intervalMs: 80 });
    for (let i = 0; i < 50; i++) refused.refused(`id-${i}`, 64);
    expect(entries()).toHaveLength(1);
    expect(entries()[0]).toMatchObject({ level: 'info', orthancInstanceId: 'id-0' });
    expect(entries()[0]?.msg).toContain('64 images waiting');
    expect(entries()[0]?.msg).toContain('changes follower');
    await sleep(120);
    refused.refused('id-50', 64);
    await sleep(120);
    expect(entries().slice(1).map((e) => e.refused)).toEqual([49, 1]);
    // An interval with no refusal ends the burst: the next one is said at once again.
    await sleep(120);
    refused.refused('id-51', 64);
    expect(entries()).toHaveLength(4);
    expect(entries()[3]).toMatchObject({ orthancInstanceId: 'id-51' });
    expect(entries().every((e) => e.level === 'info')).toBe(true);
  });

  it('should still name every refused instance at debug', () => {
    const { logger, entries } = capture('debug');
    const refused = new RefusedArrivals(logger, { intervalMs: 60_000 });
    for (let i = 0; i < 3; i++) refused.refused(`id-${i}`, 8);
    expect(entries().filter((e) => e.level === 'debug').map((e) => e.orthancInstanceId)).toEqual(['id-0', 'id-1', 'id-2']);
  });
});
