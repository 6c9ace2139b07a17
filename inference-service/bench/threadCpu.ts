import { readdir, readFile } from 'node:fs/promises';

/**
 * CPU time (user + system, ms) of each thread of this process, from /proc/self/task: which part of the
 * process a figure's CPU went to (the model's threads, the prepare workers, the rest), where
 * process.cpuUsage() gives only the sum. Empty where /proc is not there.
 */
export async function threadCpuMs(): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  const tids = await readdir('/proc/self/task').catch(() => [] as string[]);
  for (const tid of tids) {
    const stat = await readFile(`/proc/self/task/${tid}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue; // the thread ended meanwhile
    // utime and stime are the 14th and 15th fields, after the command name, which may hold spaces (proc(5)).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    times.set(tid, ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
  }
  return times;
}

/** The threads that `make` started (each a worker, or a native pool), and what `make` returned. */
export async function threadsStartedBy<T>(make: () => Promise<T>): Promise<{ readonly value: T; readonly tids: ReadonlySet<string> }> {
  const before = await threadCpuMs();
  const value = await make();
  const after = await threadCpuMs();
  return { value, tids: new Set([...after.keys()].filter((tid) => !before.has(tid))) };
}

/** CPU ms that each named group of threads used between two readings; 'other' is every thread not named. */
export function cpuByGroup(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  groups: Readonly<Record<string, ReadonlySet<string>>>,
): Record<string, number> {
  const sums: Record<string, number> = { other: 0 };
  for (const name of Object.keys(groups)) sums[name] = 0;
  for (const [tid, ms] of after) {
    const used = ms - (before.get(tid) ?? 0);
    const group = Object.keys(groups).find((name) => groups[name]!.has(tid)) ?? 'other';
    sums[group]! += used;
  }
  return sums;
}
