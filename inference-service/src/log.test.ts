import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ tag: 'sidecar', level, sink: (line) => lines.push(line), now: () => new Date('2026-11-25T10:00:00Z') });
  return { logger, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('createLogger', () => {
  describe('writing events', () => {
    it('should write one JSON object per line with time, level, tag and message', () => {
      const { logger, entries } = capture();
      logger.info('listening', { url: 'http://127.0.0.1:3000' });
      expect(entries()).toEqual([{ time: '2026-11-25T10:00:00.000Z', level: 'info', tag: 'sidecar', msg: 'listening', url: 'http://127.0.0.1:3000' }]);
    });

    it('should drop events below its level', () => {
      const { logger, entries } = capture('warn');
      logger.debug('a');
      logger.info('b');
      logger.warn('c');
      logger.error('d');
      expect(entries().map((e) => e.msg)).toEqual(['c', 'd']);
    });

    it('should keep an error’s name, message and cause, which JSON.stringify would lose', () => {
      const { logger, entries } = capture();
      logger.error('failed', { error: new Error('outer', { cause: new TypeError('inner') }) });
      expect(entries()[0]?.error).toEqual({ name: 'Error', message: 'outer', cause: { name: 'TypeError', message: 'inner' } });
    });
  });

  describe('children', () => {
    it('should carry bound fields and narrow the tag', () => {
      const { logger, entries } = capture();
      logger.child({ tag: 'http', requestId: 'r1' }).child({ tag: 'classify' }).info('done');
      expect(entries()[0]).toMatchObject({ tag: 'sidecar:http:classify', requestId: 'r1', msg: 'done' });
    });
  });
});
