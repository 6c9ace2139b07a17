import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits for an effect of background work (the hook, the follower, a restart): polls `probe` until it is
 * true, and fails naming what never happened. A probe that throws counts as not yet (a server that is
 * still down answers with errors).
 */
export async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(100);
  }
}
