/**
 * Runs Debian's redis-server as a child process for the tests and the benchmark: a generated
 * configuration on a free loopback port, data in a directory of its own, append-only file with fsync on
 * every write (a stopped or killed Redis comes back with every job it had: BullMQ's jobs are the work).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '../freePort.ts';

export interface StartRedisOptions {
  /** Holds redis.conf, the log and the append-only files. */
  readonly dir: string;
  /** 0 or undefined: a free port. */
  readonly port?: number;
  readonly readyTimeoutMs?: number;
}

export interface RunningRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  readonly logFile: string;
  /** SIGTERM (Redis flushes and exits), SIGKILL after 5 s; resolves once it exited. Idempotent. */
  stop(): Promise<void>;
}

export const redisServerBinary = 'redis-server';

export async function startRedis(options: StartRedisOptions): Promise<RunningRedis> {
  const port = options.port || (await findFreePort());
  const configFile = join(options.dir, 'redis.conf');
  const logFile = join(options.dir, 'redis.log');
  await writeFile(
    configFile,
    [
      'bind 127.0.0.1',
      `port ${port}`,
      `dir ${options.dir}`,
      'daemonize no',
      `logfile ${logFile}`,
      'appendonly yes',
      'appendfsync always',
      'save ""',
      // BullMQ's keys must never be evicted (its documented requirement).
      'maxmemory-policy noeviction',
      '',
    ].join('\n'),
  );
  const out = openSync(join(options.dir, 'redis.stdout'), 'a');
  let child: ChildProcess;
  try {
    child = spawn(redisServerBinary, [configFile], { stdio: ['ignore', out, out] });
  } finally {
    closeSync(out);
  }
  const exited = once(child, 'exit');
  const spawnError = once(child, 'error').then(([error]) => {
    throw new Error(`startRedis: cannot run ${redisServerBinary} (install Debian's redis-server)`, { cause: error });
  });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
  const ready = (async () => {
    while (!(await answersPing(port))) {
      if (child.exitCode !== null) throw new Error(`startRedis: redis-server exited (${child.exitCode}): ${tail(logFile)}`);
      if (Date.now() > deadline) throw new Error(`startRedis: no PONG on port ${port} within the timeout: ${tail(logFile)}`);
      await sleep(50);
    }
  })();
  await Promise.race([ready, spawnError]);
  let stopping: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    logFile,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** One inline PING (the Redis protocol accepts it as plain text). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}
