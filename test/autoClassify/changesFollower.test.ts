import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../inference-service/src/log.ts';
import { ChangesFollower, type ChangesFollowerOptions } from '../../inference-service/src/autoClassify/changesFollower.ts';
import { readCursor } from '../../inference-service/src/autoClassify/cursorStore.ts';
import { OrthancUnavailableError } from '../../inference-service/src/orthanc/errors.ts';
import { distinctCopies, startTestOrthanc, type TestOrthanc } from '../support/orthanc.ts';
import { realJpegBaselineDcm } from '../support/paths.ts';

/** Records every id the follower hands over, in order. */
function recorder(): { ids: string[]; handler: ChangesFollowerOptions['onNewInstance'] } {
  const ids: string[] = [];
  return { ids, handler: async (id) => void ids.push(id) };
}

function memoryLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, logger: createLogger({ tag: 'test', level: 'debug', sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }) };
}

// Its tests are the steps of scenarios against one Orthanc, each building on the last: they run in
// order, while files (and the tests of other files) run shuffled.
describe('ChangesFollower', { shuffle: false }, () => {
  let orthanc: TestOrthanc;
  let copies: Uint8Array[];
  let workDir: string;
  let nextCopy = 0;
  let fileCount = 0;

  /** Uploads `count` new instances of the real image and returns their Orthanc ids. */
  async function upload(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (const copy of copies.slice(nextCopy, nextCopy + count)) ids.push((await orthanc.client.uploadInstance(copy)).ID);
    nextCopy += count;
    return ids;
  }

  /** A cursor file of its own for each scenario; each starts from Orthanc's first change. */
  const freshCursorFile = () => join(workDir, `cursor-${++fileCount}.json`);

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'cxr-follower-'));
    orthanc = await startTestOrthanc();
    copies = distinctCopies(new Uint8Array(await readFile(realJpegBaselineDcm)), 40);
  });
  afterAll(async () => {
    await orthanc?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  describe('when instances arrive while the follower is stopped', () => {
    it('should hand over each new instance exactly once, and on restart only what arrived meanwhile', async () => {
      const cursorFile = freshCursorFile();
      const before = await upload(2);
      const seen = recorder();
      const first = new ChangesFollower({ startAt: 'beginning', client: orthanc.client, cursorFile, onNewInstance: seen.handler });
      const firstPass = await first.drain();
      expect(seen.ids).toEqual(before);
      expect(firstPass.delivered).toBe(2);
      // NewSeries, NewStudy… are read too but are not handed over.
      expect(firstPass.cursor).toBe((await orthanc.client.changes(0, 1000)).Last);
      const lastChange = (await orthanc.client.changes(firstPass.cursor - 1, 1)).Changes[0]!;
      expect(await readCursor(cursorFile)).toEqual({ since: firstPass.cursor, id: lastChange.ID });
      expect((await first.drain()).delivered).toBe(0);

      const meanwhile = await upload(3);
      const seenAfterRestart = recorder();
      const second = new ChangesFollower({ startAt: 'beginning', client: orthanc.client, cursorFile, onNewInstance: seenAfterRestart.handler });
      const secondPass = await second.drain();
      expect(seenAfterRestart.ids).toEqual(meanwhile);
      expect(secondPass.cursor).toBeGreaterThan(firstPass.cursor);
      expect(seen.ids).toEqual(before);
    });

    it('should read page by page when the backlog is longer than a page', async () => {
      const seen = recorder();
      const follower = new ChangesFollower({ startAt: 'beginning', client: orthanc.client, cursorFile: freshCursorFile(), onNewInstance: seen.handler, pageSize: 2 });
      const all = (await orthanc.client.changes(0, 1000)).Changes.filter((c) => c.ChangeType === 'NewInstance').map((c) => c.ID);
      await follower.drain();
      expect(seen.ids).toEqual(all);
    });
  });

  describe('when the saved cursor cannot be used', () => {
    it('should restart from the first change when the cursor is past Orthanc\'s last (a reset database)', async () => {
      const cursorFile = freshCursorFile();
      await writeFile(cursorFile, JSON.stringify({ since: 1_000_000, updatedAt: '2026-01-01T00:00:00.000Z' }));
      const seen = recorder();
      const { logger, lines } = memoryLogger();
      const result = await new ChangesFollower({ startAt: 'beginning', client: orthanc.client, cursorFile, onNewInstance: seen.handler, logger }).drain();
      const all = (await orthanc.client.changes(0, 1000)).Changes.filter((c) => c.ChangeType === 'NewInstance').map((c) => c.ID);
      expect(result.restarted).toBe(true);
      expect(seen.ids).toEqual(all);
      expect((await readCursor(cursorFile))?.since).toBeLessThan(1_000_000);
      expect(lines.some((l) => l.level === 'warn' && /database was reset or replaced/.test(String(l.msg)) && l.cursor === 1_000_000)).toBe(true);
    });

    it('should restart from the first change when Orthanc has another resource at the saved sequence (a replaced, grown database)', async () => {
      const cursorFile = freshCursorFile();
      const { Changes } = await orthanc.client.changes(0, 1000);
      const third = Changes[2]!;
      await writeFile(cursorFile, JSON.stringify({ since: third.Seq, id: 'aaaaaaaa-bbbbbbbb-cccccccc-dddddddd-eeeeeeee', updatedAt: '2026-01-01T00:00:00.000Z' }));
      const seen = recorder();
      const { logger, lines } = memoryLogger();
      const result = await new ChangesFollower({ startAt: 'beginning', client: orthanc.client, cursorFile, onNewInstance: seen.handler, logger }).drain();
      expect(result.restarted).toBe(true);
      expect(seen.ids).toEqual(Changes.filter((c) => c.ChangeType === 'NewInstance').map((c) => c.ID));
      expect(lines.some((l) => l.level === 'warn' && /reset or replaced/.test(String(l.msg)) && l.id === 'aaaaaaaa-bbbbbbbb-cccccccc-dddddddd-eeeeeeee')).toBe(true);
    });

    it('should trust a saved cursor whose change is the one Orthanc has at that sequence', async () => {
      const cursorFile = freshCursorFile();
      const { Changes, Last } = await orthanc.client.changes(0, 1000);
      const last = Changes.at(-1)!;
      await writeFile(cursorFile, JSON.stringify({ since: last.Seq, id: last.ID, updatedAt: '2026-01-01T00:00:00.000Z' }));
      const seen = recorder();
      const result = await new ChangesFollower({ startAt: 'beginning', client: orthanc.client, cursorFile, onNewInstance: seen.handler }).drain();
      expect(result).toEqual({ cursor: Last, delivered: 0, abandoned: 0, restarted: false });
      expect(seen.ids).toEqual([]);
    });

    it('should start from the first change when the cursor file is not a cursor', async () => {
      const cursorFile = freshCursorFile();
      await writeFile(cursorFile, '{"since": "yesterday"}');
      const seen = recorder();
      const { logger, lines } = memoryLogger();
      await new ChangesFollower({ startAt: 'beginning', client: orthanc.client, cursorFile, onNewInstance: seen.handler, logger }).drain();
      expect(seen.ids.length).toBeGreaterThan(0);
      expect(lines.some((l) => l.level === 'warn' && /Unreadable changes cursor/.test(String(l.msg)))).toBe(true);
      expect((await readCursor(cursorFile))?.since).toBe((await orthanc.client.changes(0, 1000)).Last);
    });
  });

  describe('by default, next to an archive', () => {
    it('should start at Orthanc\'s current last change: what was stored before is not handed over, an arrival is', async () => {
      const cursorFile = freshCursorFile();
      await upload(2);
      const seen = recorder();
      const follower = new ChangesFollower({ client: orthanc.client, cursorFile, onNewInstance: seen.handler });
      const first = await follower.drain();
      expect(seen.ids).toEqual([]);
      expect(first.cursor).toBe((await orthanc.client.lastChange())?.Seq);
      const arrival = await upload(1);
      await follower.drain();
      expect(seen.ids).toEqual(arrival);
    });

    it('should resume from the end with a warning naming the backfill when its cursor is lost', async () => {
      const cursorFile = freshCursorFile();
      await writeFile(cursorFile, 'not json');
      await upload(1);
      const seen = recorder();
      const { logger, lines } = memoryLogger();
      await new ChangesFollower({ client: orthanc.client, cursorFile, onNewInstance: seen.handler, logger }).drain();
      expect(seen.ids).toEqual([]);
      expect(lines.some((l) => l.level === 'warn' && /Unreadable changes cursor; following Orthanc from its current last change.*backfill/.test(String(l.msg)))).toBe(true);
      expect((await readCursor(cursorFile))?.since).toBe((await orthanc.client.lastChange())?.Seq);
    });
  });

  describe('when the handler fails', () => {
    it('should retry a failing instance and deliver it once it succeeds', async () => {
      const cursorFile = freshCursorFile();
      await new ChangesFollower({ startAt: 'beginning', client: orthanc.client, cursorFile, onNewInstance: async () => undefined }).drain();
      const [flaky] = await upload(1);
      const calls: string[] = [];
      const follower = new ChangesFollower({
        startAt: 'beginning',
        client: orthanc.client,
        cursorFile,
        retryDelayMs: 1,
        onNewInstance: async (id) => {
          calls.push(id);
          if (calls.length < 3) throw new Error('model busy');
        },
      });
      const result = await follower.drain();
      expect(calls).toEqual([flaky, flaky, flaky]);
      expect(result).toMatchObject({ delivered: 1, abandoned: 0 });
    });

    it('should pass over an instance that keeps failing after maxAttempts and go on with the next', async () => {
      const cursorFile = freshCursorFile();
      await new ChangesFollower({ startAt: 'beginning', client: orthanc.client, cursorFile, onNewInstance: async () => undefined }).drain();
      const [poison, healthy] = await upload(2);
      const calls: string[] = [];
      const { logger, lines } = memoryLogger();
      const result = await new ChangesFollower({
        startAt: 'beginning',
        client: orthanc.client,
        cursorFile,
        retryDelayMs: 1,
        maxAttempts: 2,
        logger,
        onNewInstance: async (id) => {
          calls.push(id);
          if (id === poison) throw new Error('cannot decode');
        },
      }).drain();
      expect(calls).toEqual([poison, poison, healthy]);
      expect(result).toMatchObject({ delivered: 1, abandoned: 1 });
      expect(lines.filter((l) => l.level === 'error').map((l) => l.orthancInstanceId)).toEqual([poison]);
      expect((await readCursor(cursorFile))?.since).toBe(result.cursor);
    });

    it('should keep the cursor before an instance whose handler found Orthanc unavailable', async () => {
      const cursorFile = freshCursorFile();
      const start = (await new ChangesFollower({ startAt: 'beginning', client: orthanc.client, cursorFile, onNewInstance: async () => undefined }).drain()).cursor;
      const [delivered, blocked, after] = await upload(3);
      const calls: string[] = [];
      const follower = new ChangesFollower({
        startAt: 'beginning',
        client: orthanc.client,
        cursorFile,
        onNewInstance: async (id) => {
          calls.push(id);
          if (id === blocked) throw new OrthancUnavailableError('GET', `${orthanc.url}/instances/${id}/file`, 'ECONNREFUSED');
        },
      });
      await expect(follower.drain()).rejects.toBeInstanceOf(OrthancUnavailableError);
      expect(calls).toEqual([delivered, blocked]);
      const saved = (await readCursor(cursorFile))?.since;
      const changes = (await orthanc.client.changes(start, 1000)).Changes;
      expect(saved).toBe(changes.find((c) => c.ID === delivered)?.Seq);

      const resumed = recorder();
      await new ChangesFollower({ startAt: 'beginning', client: orthanc.client, cursorFile, onNewInstance: resumed.handler }).drain();
      expect(resumed.ids).toEqual([blocked, after]);
    });
  });

  describe('when running on its own', () => {
    it('should deliver an arrival at once when poked, with several handlers in flight, and stop cleanly', async () => {
      const cursorFile = freshCursorFile();
      await new ChangesFollower({ startAt: 'beginning', client: orthanc.client, cursorFile, onNewInstance: async () => undefined }).drain();
      let inFlight = 0;
      let maxInFlight = 0;
      const seen: string[] = [];
      const arrivals: Array<() => void> = [];
      const follower = new ChangesFollower({
        startAt: 'beginning',
        client: orthanc.client,
        cursorFile,
        // Long enough that only a poke can explain a prompt delivery.
        pollIntervalMs: 600_000,
        concurrency: 3,
        onNewInstance: async (id) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 20));
          seen.push(id);
          inFlight--;
          if (seen.length === 6) arrivals.splice(0).forEach((wake) => wake());
        },
      });
      follower.start();
      expect(follower.running).toBe(true);
      // Let the pass that start() began finish: from here on the loop sleeps and only a poke wakes it.
      await follower.drain();
      const uploaded = await upload(6);
      const allSeen = new Promise<void>((r) => arrivals.push(r));
      follower.poke();
      await allSeen;
      await follower.stop();
      expect(follower.running).toBe(false);
      expect([...seen].sort()).toEqual([...uploaded].sort());
      expect(maxInFlight).toBe(3);
      expect((await readCursor(cursorFile))?.since).toBe((await orthanc.client.changes(0, 1000)).Last);
    });
  });

  describe('when Orthanc is down', () => {
    it('should reject with OrthancUnavailableError, keep the cursor, and catch up once Orthanc is back', async () => {
      const cursorFile = freshCursorFile();
      const seen = recorder();
      const follower = new ChangesFollower({ startAt: 'beginning', client: orthanc.client, cursorFile, onNewInstance: seen.handler });
      const { cursor } = await follower.drain();
      const [arrived] = await upload(1);
      await orthanc.kill();
      try {
        await expect(follower.drain()).rejects.toThrow(/Orthanc is unavailable: GET http:\/\/127\.0\.0\.1:\d+\/changes\?since=\d+&limit=100 failed \(ECONNREFUSED\)/);
        expect((await readCursor(cursorFile))?.since).toBe(cursor);
      } finally {
        await orthanc.restart();
      }
      await follower.drain();
      expect(seen.ids.slice(-1)).toEqual([arrived]);
    });
  });

  describe('with invalid options', () => {
    it('should name the option', () => {
      expect(() => new ChangesFollower({ startAt: 'beginning', client: orthanc.client, cursorFile: 'x', onNewInstance: async () => undefined, concurrency: 0 })).toThrow(
        /option 'concurrency' must be at least 1, got 0/,
      );
    });
  });
});
