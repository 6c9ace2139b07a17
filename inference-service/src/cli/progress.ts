import cliProgress from 'cli-progress';

export interface Progress {
  tick(label?: string): void;
  stop(): void;
}

/** A bar on a terminal; on a pipe or in CI, a line every tenth of the work so logs stay readable. */
export function startProgress(total: number, what: string): Progress {
  if (total <= 1) return { tick() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${what} [{bar}] {value}/{total} {percentage}% | ETA {eta}s | {label}`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { label: '' });
    return { tick: (label = '') => bar.increment(1, { label }), stop: () => bar.stop() };
  }
  let done = 0;
  const step = Math.max(1, Math.ceil(total / 10));
  return {
    tick() {
      done += 1;
      if (done % step === 0 || done === total) process.stderr.write(`${what}: ${done}/${total}\n`);
    },
    stop() {},
  };
}
