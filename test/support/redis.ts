/**
 * A real Redis for an integration suite: a free port, a temporary directory, append-only persistence.
 * Start one per file (`beforeAll`); `kill()` and `restart()` stand for an outage (its data survives).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type RunningRedis } from '../../tooling/redis/startRedis.ts';

export interface TestRedis {
  /** `redis://127.0.0.1:<port>` (the same after a restart). */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Stops the server and keeps its data. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  restart(): Promise<void>;
  /** Stops the server and deletes its data. */
  stop(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'cxr-redis-'));
  let current: RunningRedis;
  try {
    current = await startRedis({ dir });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const port = current.port;
  return {
    url: current.url,
    port,
    dir,
    kill: () => current.stop(),
    async restart() {
      await current.stop();
      current = await startRedis({ dir, port });
    },
    async stop() {
      await current.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
