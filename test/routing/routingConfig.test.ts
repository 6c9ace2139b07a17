/**
 * CXR_ROUTING_FILE at start: a good file reaches the sidecar's configuration; a bad one stops the
 * compiled `cxr-findings serve` before it listens, with exit code 2 and a message naming the bad rule.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../inference-service/src/config/config.ts';
import { configEnv } from '../../inference-service/src/config/defaults.ts';
import { modelsDirEnv } from '../../inference-service/src/config/paths.ts';
import { repoRoot } from '../support/paths.ts';

const bin = resolve(repoRoot, 'inference-service/bin/cxr-findings.mjs');
const token = 'routing-config-token-0123456789';

describe('the routing file in the sidecar configuration', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cxr-routing-config-'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('should load the rules and destinations, the password from its variable', async () => {
    const file = join(dir, 'good.json');
    await writeFile(
      file,
      JSON.stringify({
        classify: { exclude: [{ name: 'icu', callingAeTitle: 'ICU*' }] },
        destinations: [{ name: 'vna', type: 'stow-rs', url: 'https://vna.example/dicom-web', username: 'cxr', passwordEnv: 'CXR_VNA_PASSWORD' }],
      }),
    );
    const config = loadConfig({ [configEnv.apiToken]: token, [configEnv.routingFile]: file, CXR_VNA_PASSWORD: 'from-a-secret' });
    expect(config.routing?.exclude).toEqual([{ name: 'icu', callingAeTitle: 'ICU*' }]);
    expect(config.routing?.destinations).toEqual([{ name: 'vna', type: 'stow-rs', url: 'https://vna.example/dicom-web', credentials: { username: 'cxr', password: 'from-a-secret' } }]);
    expect(loadConfig({ [configEnv.apiToken]: token }).routing).toBeUndefined();
  });

  it('should refuse a bad file with the variable, the file and the rule in the message', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ classify: { exclude: [{ name: 'portables', station: 'ICU*' }] } }));
    expect(() => loadConfig({ [configEnv.apiToken]: token, [configEnv.routingFile]: file })).toThrow(ConfigError);
    expect(() => loadConfig({ [configEnv.apiToken]: token, [configEnv.routingFile]: file })).toThrow(
      /CXR_ROUTING_FILE: Invalid routing file .*bad\.json: classify\.exclude\[0\] "portables": Unrecognized key: "station"/,
    );
  });

  it('should stop `cxr-findings serve` before it listens, with exit code 2', async () => {
    const file = join(dir, 'bad-serve.json');
    await writeFile(file, JSON.stringify({ destinations: [{ name: 'pacs', type: 'dicom', modality: 'main pacs' }] }));
    const child = spawn(process.execPath, [bin, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        [modelsDirEnv]: process.env[modelsDirEnv] ?? '',
        [configEnv.apiToken]: token,
        [configEnv.routingFile]: file,
        [configEnv.dataDir]: join(dir, 'data'),
        [configEnv.port]: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toMatch(/destinations\[0\] "pacs"\.modality: the name of an entry of Orthanc's DicomModalities/);
  }, 60_000);
});
