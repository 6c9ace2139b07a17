/**
 * A real Orthanc for an integration suite: free ports, temporary storage, random credentials.
 * Start one per file (`beforeAll`) and stop it in `afterAll`: it starts in ~0.2 s but takes ~3.7 s
 * to stop.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrthancClient } from '../../inference-service/src/orthanc/orthancClient.ts';
import { startOrthanc, type RunningOrthanc, type StartOrthancOptions } from '../../tooling/orthanc/startOrthanc.ts';
import type { OrthancCredentials } from '../../inference-service/src/orthanc/types.ts';
import { configEnv } from '../../inference-service/src/config/defaults.ts';

export type TestOrthancOptions = Pick<
  StartOrthancOptions,
  'luaScripts' | 'sidecar' | 'stableAgeSeconds' | 'verbose' | 'dicomPort' | 'proxyAccount' | 'proxyMayStore' | 'dicomModalities' | 'postgres'
> & {
  /** The account to use instead of a random one (Orthancs sharing one database share their users too). */
  readonly credentials?: OrthancCredentials;
};

export interface TestOrthanc {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly credentials: OrthancCredentials;
  /** A client with these credentials. */
  readonly client: OrthancClient;
  readonly storageDir: string;
  /** The DICOM port, or false without a DICOM listener. */
  readonly dicomPort: number | false;
  /** The current process (changes after `restart()`). */
  readonly process: RunningOrthanc['process'];
  readonly logFile: string;
  /** Stops the process and keeps the storage (to test "Orthanc is down"). */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same storage. */
  restart(): Promise<void>;
  /** Stops the process and deletes the storage. */
  stop(): Promise<void>;
}

export async function startTestOrthanc(options: TestOrthancOptions = {}): Promise<TestOrthanc> {
  const storageDir = await mkdtemp(join(tmpdir(), 'cxr-orthanc-'));
  const credentials = options.credentials ?? { username: 'cxr-test', password: randomBytes(12).toString('hex') };
  const startOptions = { stableAgeSeconds: 1, ...options, storageDir, credentials };
  let current: RunningOrthanc;
  try {
    current = await startOrthanc(startOptions);
  } catch (error) {
    await rm(storageDir, { recursive: true, force: true });
    throw error;
  }
  const httpPort = current.httpPort;
  const dicomPort = current.dicomPort;
  return {
    url: current.url,
    credentials,
    client: new OrthancClient({ url: current.url, credentials, timeoutMs: 10_000 }),
    storageDir,
    dicomPort,
    get process() {
      return current.process;
    },
    logFile: current.logFile,
    kill: () => current.stop(),
    async restart() {
      await current.stop();
      current = await startOrthanc({ ...startOptions, httpPort, dicomPort });
    },
    async stop() {
      await current.stop();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

/**
 * `count` copies of a Part-10 file that Orthanc stores as distinct instances: the last component of
 * the SOPInstanceUID is replaced everywhere (meta header and data set) by a different number of the
 * same length, so no byte offset moves. Study and series stay those of the original.
 */
/** The sidecar's variables that point it at this Orthanc, for loadConfig or a child process's env. */
export function orthancEnv(orthanc: Pick<TestOrthanc, 'url' | 'credentials'>): Record<string, string> {
  return {
    [configEnv.orthancUrl]: orthanc.url,
    [configEnv.orthancUsername]: orthanc.credentials.username,
    [configEnv.orthancPassword]: orthanc.credentials.password,
  };
}

export function distinctCopies(part10: Uint8Array, count: number): Uint8Array[] {
  const uid = metaSopInstanceUid(part10);
  const lastDot = uid.lastIndexOf('.');
  const last = uid.slice(lastDot + 1);
  // A UID component has no leading zero (PS3.5 §9.1), so number from 10…0 upwards. BigInt: the last
  // component of a 2.25 UID has up to 39 digits, where a float's n++ stops changing n.
  const first = 10n ** BigInt(last.length - 1);
  if (first + BigInt(count) + 1n > 10n ** BigInt(last.length)) throw new Error(`distinctCopies: '${last}' is too short to number ${count} copies`);
  const original = Buffer.from(uid, 'latin1');
  const copies: Uint8Array[] = [];
  for (let n = first; copies.length < count; n++) {
    if (String(n) === last) continue;
    const replacement = Buffer.from(`${uid.slice(0, lastDot + 1)}${n}`, 'latin1');
    const copy = Buffer.from(part10);
    for (let at = copy.indexOf(original); at !== -1; at = copy.indexOf(original, at + original.length)) replacement.copy(copy, at);
    copies.push(new Uint8Array(copy));
  }
  return copies;
}

/** (0002,0003) MediaStorageSOPInstanceUID from the explicit-VR little-endian meta header (PS3.10 §7.1). */
function metaSopInstanceUid(part10: Uint8Array): string {
  const bytes = Buffer.from(part10.buffer, part10.byteOffset, part10.byteLength);
  const tag = Buffer.from([0x02, 0x00, 0x03, 0x00, 0x55, 0x49]);
  const at = bytes.indexOf(tag, 132);
  if (bytes.toString('latin1', 128, 132) !== 'DICM' || at === -1) throw new Error('distinctCopies: not a Part-10 file with a MediaStorageSOPInstanceUID');
  const length = bytes.readUInt16LE(at + 6);
  return bytes.toString('latin1', at + 8, at + 8 + length).replace(/\0+$/, '');
}
