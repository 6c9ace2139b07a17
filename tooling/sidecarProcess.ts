/**
 * `cxr-findings serve` as a child process (the compiled product, as a container runs it), for the
 * tests and the benchmark that need several sidecar workers: its JSON log lines are collected, and it
 * can be scraped, killed outright (a crashed machine) or stopped with SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiPaths } from '../inference-service/src/config/defaults.ts';
import { modelsDirEnv } from '../inference-service/src/config/paths.ts';

const bin = resolve(import.meta.dirname, '../inference-service/bin/cxr-findings.mjs');

export interface SidecarProcess {
  readonly child: ChildProcess;
  /** Parsed JSON log lines so far. */
  readonly log: Record<string, unknown>[];
  readonly stderr: string[];
  readonly exited: Promise<number | null>;
  /** The first log line with this `msg` (waits for it). */
  logLine(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** `GET /metrics` with the token: the text exposition. */
  metrics(url: string, token: string): Promise<string>;
  /** SIGKILL by default; another signal gets 15 s to end the process before SIGKILL. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Only what is given (and the models dir): a developer's CXR_* settings must not leak in. */
export function spawnSidecar(env: Record<string, string>): SidecarProcess {
  const child = spawn(process.execPath, [bin, 'serve'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', [modelsDirEnv]: process.env[modelsDirEnv] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      try {
        log.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        log.push({ msg: line });
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    log,
    stderr,
    exited,
    async logLine(msg, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const entry = log.find((e) => e.msg === msg);
        if (entry) return entry;
        if (child.exitCode !== null) throw new Error(`the sidecar exited (${child.exitCode}) before logging '${msg}': ${stderr.join('').slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`no '${msg}' log line within ${timeoutMs} ms`);
        await sleep(50);
      }
    },
    async metrics(url, token) {
      const response = await fetch(`${url}${apiPaths.metrics}`, { headers: { authorization: `Bearer ${token}` } });
      if (!response.ok) throw new Error(`GET ${apiPaths.metrics} answered ${response.status}`);
      return response.text();
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      // A graceful stop waits for the jobs in hand; one that hangs past 15 s is ended.
      const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The sum of a counter's samples (every label set) in a Prometheus text exposition. */
export function counterTotal(exposition: string, name: string): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
