/**
 * Keeps Orthanc running for `npm start`: when its process dies (a crash: Orthanc 1.10 segfaults on a
 * file of a few thousand nested sequences, received over REST, STOW-RS or its DICOM port), it is
 * logged and started again with the same configuration, ports and storage, waiting longer after each
 * quick death so a crash at start-up does not spin. The sidecar needs nothing from this: its follower
 * keeps polling /changes through the outage and catches up, and the restarted Orthanc loads its Lua hook.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningOrthanc } from './startOrthanc.ts';

export interface SupervisedOrthanc {
  /** The process running now (replaced after each restart). */
  readonly current: RunningOrthanc;
  /** Restarts so far. */
  readonly restarts: number;
  /** Stops watching and stops Orthanc. */
  stop(): Promise<void>;
}

export interface SuperviseOptions {
  /** Starts one Orthanc (the same ports and storage each time). */
  readonly start: () => Promise<RunningOrthanc>;
  readonly log: (line: string) => void;
  /** Wait before the first restart; doubled after a death within `stableMs` of a start, up to 30 s. */
  readonly initialDelayMs?: number;
  readonly stableMs?: number;
  /** Called after each successful restart. */
  readonly onRestart?: (orthanc: RunningOrthanc) => void;
}

export async function superviseOrthanc(options: SuperviseOptions): Promise<SupervisedOrthanc> {
  const initialDelayMs = options.initialDelayMs ?? 1_000;
  const stableMs = options.stableMs ?? 60_000;
  let current = await options.start();
  let startedAt = Date.now();
  let delay = initialDelayMs;
  let restarts = 0;
  let stopping = false;
  let restarting: Promise<void> | undefined;

  const watch = (orthanc: RunningOrthanc): void => {
    orthanc.process.once('exit', (code, signal) => {
      if (stopping || orthanc !== current) return;
      delay = Date.now() - startedAt < stableMs ? Math.min(delay * 2, 30_000) : initialDelayMs;
      options.log(`Orthanc exited (${signal ?? `code ${code}`}); restarting it in ${delay / 1000} s. Log: ${orthanc.logFile}`);
      restarting = restart();
    });
  };

  const restart = async (): Promise<void> => {
    while (!stopping) {
      await sleep(delay);
      if (stopping) return;
      try {
        current = await options.start();
        startedAt = Date.now();
        restarts += 1;
        options.log(`Orthanc is running again at ${current.url} (restart ${restarts})`);
        watch(current);
        options.onRestart?.(current);
        return;
      } catch (error) {
        delay = Math.min(delay * 2, 30_000);
        options.log(`Orthanc did not start again (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); trying again in ${delay / 1000} s`);
      }
    }
  };

  watch(current);
  return {
    get current() {
      return current;
    },
    get restarts() {
      return restarts;
    },
    async stop() {
      stopping = true;
      await restarting;
      await current.stop();
    },
  };
}
