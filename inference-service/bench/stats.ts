import { performance } from 'node:perf_hooks';

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p95: number;
  readonly mean: number;
  readonly min: number;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return {
    n: sorted.length,
    median: at(0.5),
    p95: at(0.95),
    mean: sorted.reduce((s, x) => s + x, 0) / sorted.length,
    min: sorted[0] ?? Number.NaN,
  };
}

/** Runs `fn` a few times untimed (JIT, WASM and ORT warm-up), then `n` timed runs in milliseconds. */
export async function timeRuns(n: number, fn: () => unknown, warmup = 3): Promise<Summary> {
  for (let i = 0; i < warmup; i += 1) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

export function ms(x: number): string {
  return `${x.toFixed(1)} ms`;
}

/** One figure per line, aligned, so the output can go into an issue note as it is. */
export function report(rows: readonly [string, string, string?][]): void {
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v, target] of rows) console.log(`  ${k.padEnd(w)}  ${v}${target ? `   (target ${target})` : ''}`);
}

/**
 * CPU time a process has used so far, in ms (user + system, all its threads), from /proc: the cost of a
 * piece of work in CPU rather than wall time, which a loaded host stretches far less.
 */
export async function processCpuMs(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may hold spaces: utime and stime are the 14th and 15th (proc(5)).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}
