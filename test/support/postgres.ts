/**
 * A real PostgreSQL for an integration suite (Debian's postgresql-15): `initdb` into a temporary
 * directory, the server on a free 127.0.0.1 port with password (SCRAM) authentication, one database,
 * stopped and deleted in `stop()`. PostgreSQL refuses to run as root, so as root (these machines, CI)
 * it runs as the `postgres` system user that Debian's package creates, and its directory is theirs.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '../../tooling/freePort.ts';

const run = promisify(execFile);

export interface TestPostgres {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly database: string;
  readonly username: string;
  readonly password: string;
  readonly process: ChildProcess;
  /** Stops the server (fast shutdown) and deletes its directory. */
  stop(): Promise<void>;
}

/** The newest PostgreSQL that Debian installed under /usr/lib/postgresql/<major>/bin. */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : [];
  const major = majors.find((m) => existsSync(join(root, m, 'bin', 'postgres')));
  if (!major) throw new Error(`PostgreSQL is not installed (${root}/<major>/bin/postgres missing): install Debian's 'postgresql' package`);
  return join(root, major, 'bin');
}

/** As root, the uid and gid of the `postgres` system user; otherwise undefined (run as oneself). */
async function runAs(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const { stdout: uid } = await run('id', ['-u', 'postgres']).catch(() => {
    throw new Error("PostgreSQL cannot run as root and there is no 'postgres' user: install Debian's 'postgresql' package");
  });
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

export async function startTestPostgres(options: { readonly database?: string; readonly readyTimeoutMs?: number } = {}): Promise<TestPostgres> {
  const bin = postgresBin();
  const user = await runAs();
  const dir = await mkdtemp(join(tmpdir(), 'cxr-postgres-'));
  const dataDir = join(dir, 'data');
  const username = 'cxr';
  const password = randomBytes(12).toString('hex');
  const database = options.database ?? 'orthanc';
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  let child: ChildProcess | undefined;
  try {
    const pwFile = join(dir, 'password');
    await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    if (user) {
      await chown(dir, user.uid, user.gid);
      await chown(pwFile, user.uid, user.gid);
    }
    await run(join(bin, 'initdb'), ['-D', dataDir, '-U', username, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C'], { ...ids });
    await rm(pwFile, { force: true });
    const port = await findFreePort();
    child = spawn(
      join(bin, 'postgres'),
      ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'fsync=off'],
      { ...ids, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log = (log + chunk).slice(-4000)));
    const env = { ...process.env, PGPASSWORD: password };
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`PostgreSQL exited (${child.exitCode}) before accepting connections:\n${log}`);
      const ready = await run(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', username], { env }).then(
        () => true,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections on port ${port} in time:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await run(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', username, database], { env });
    const server = child;
    let stopping: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      database,
      username,
      password,
      process: server,
      stop: () =>
        (stopping ??= (async () => {
          await stopServer(server);
          await rm(dir, { recursive: true, force: true });
        })()),
    };
  } catch (error) {
    if (child) await stopServer(child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** SIGINT is PostgreSQL's fast shutdown: sessions are ended, nothing waits for clients. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
