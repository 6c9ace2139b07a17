import { createServer } from 'node:net';

/**
 * A TCP port free right now on all interfaces (Orthanc binds all of them). Another process can still
 * take it before Orthanc does; `startOrthanc` retries when that happens.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('findFreePort: the probe server reported no port'));
      });
    });
  });
}

/** Throws naming the port when something already listens on it (Orthanc's own error is a line deep in its log). */
export function assertPortFree(port: number, what: string): Promise<void> {
  return new Promise((resolveFree, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`${what}: port ${port} is already in use (another Orthanc still running?)`, { cause: error })
          : error,
      );
    });
    server.listen(port, () => server.close(() => resolveFree()));
  });
}
