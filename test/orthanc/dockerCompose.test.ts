import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configDefaults, configEnv } from '../../inference-service/src/config/defaults.ts';
import { modelsDir } from '../../inference-service/src/model/modelCard.ts';
import { composeServices, orthancContainer, sidecarContainer } from '../../tooling/composeLayout.ts';
import { readOrthancTemplate } from '../../tooling/orthanc/orthancConfig.ts';
import { luaHookEnv, orthancDefaults, orthancPaths } from '../../tooling/orthanc/settings.ts';
import { repoRoot } from '../support/paths.ts';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment: Record<string, string>;
  volumes: string[];
  ports: string[];
  depends_on?: string[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

/** `host:container[:ro]` → host path resolved against the compose file's folder (or a named volume). */
function mounts(service: ComposeService): Map<string, string> {
  const byTarget = new Map<string, string>();
  for (const volume of service.volumes) {
    const [source = '', target = ''] = volume.split(':');
    byTarget.set(target, source.startsWith('.') ? resolve(repoRoot, source) : source);
  }
  return byTarget;
}

/** Orthanc's docker images map `ORTHANC__DICOM_WEB__ROOT` to `DicomWeb.Root`: this gives the top-level key's env spelling. */
function orthancEnvName(key: string): string {
  return `ORTHANC__${key.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toUpperCase()}`;
}

describe('docker-compose.yml', () => {
  let compose: ComposeFile;
  let orthanc: ComposeService;
  let sidecar: ComposeService;

  beforeAll(async () => {
    compose = parse(await readFile(join(repoRoot, 'docker-compose.yml'), 'utf8')) as ComposeFile;
    orthanc = compose.services[composeServices.orthanc]!;
    sidecar = compose.services[composeServices.sidecar]!;
  });

  describe('services', () => {
    it('should define exactly the Orthanc and sidecar services, Orthanc from an official image pinned to a version', () => {
      expect(Object.keys(compose.services).sort()).toEqual(Object.values(composeServices).sort());
      expect(orthanc.image).toMatch(/^orthancteam\/orthanc:\d+\.\d+\.\d+$/);
      expect(sidecar.depends_on).toEqual([composeServices.orthanc]);
      expect(existsSync(resolve(repoRoot, sidecar.build!.context, sidecar.build!.dockerfile))).toBe(true);
    });

    it('should declare every named volume it mounts', () => {
      const named = [...mounts(orthanc).values(), ...mounts(sidecar).values()].filter((source) => !source.startsWith('/'));
      expect(named.sort()).toEqual(Object.keys(compose.volumes).sort());
    });
  });

  describe('Orthanc', () => {
    it('should publish the configured HTTP port on loopback and the DICOM port, as the template says', async () => {
      const template = await readOrthancTemplate();
      expect(template.HttpPort).toBe(orthancDefaults.httpPort);
      expect(template.DicomPort).toBe(orthancDefaults.dicomPort);
      expect(orthanc.ports).toEqual([
        `127.0.0.1:${orthancDefaults.httpPort}:${orthancDefaults.httpPort}`,
        `${orthancDefaults.dicomPort}:${orthancDefaults.dicomPort}`,
      ]);
    });

    it('should mount the committed template and Lua hooks, and keep its storage in a volume', () => {
      const byTarget = mounts(orthanc);
      expect(byTarget.get(orthancContainer.configFile)).toBe(orthancPaths.configTemplate);
      expect(byTarget.get(orthancContainer.luaDir)).toBe(orthancPaths.luaDir);
      expect(byTarget.has(orthancContainer.storageDir)).toBe(true);
      expect(orthanc.environment.ORTHANC__STORAGE_DIRECTORY).toBe(orthancContainer.storageDir);
      expect(orthanc.environment.ORTHANC__INDEX_DIRECTORY).toBe(orthancContainer.storageDir);
    });

    it('should load the notify-sidecar hook and point it at the sidecar service with the API token', () => {
      const scripts = JSON.parse(orthanc.environment.ORTHANC__LUA_SCRIPTS!) as string[];
      expect(scripts).toEqual([`${orthancContainer.luaDir}/${basename(orthancPaths.notifySidecarScript)}`]);
      expect(orthanc.environment[luaHookEnv.sidecarUrl]).toBe(`http://${composeServices.sidecar}:${configDefaults.port}`);
      expect(orthanc.environment[luaHookEnv.sidecarToken]).toBe(sidecar.environment[configEnv.apiToken]);
    });

    it('should register the same Orthanc user the sidecar logs in with', () => {
      const users = orthanc.environment.ORTHANC__REGISTERED_USERS!;
      expect(users).toContain(sidecar.environment[configEnv.orthancUsername]);
      expect(users).toContain(sidecar.environment[configEnv.orthancPassword]);
    });

    it('should set through the environment only keys the template leaves out, so no setting is given twice', async () => {
      const template = await readOrthancTemplate();
      const templateEnvNames = Object.keys(template).map(orthancEnvName);
      const overridden = Object.keys(orthanc.environment).filter((name) => name.startsWith('ORTHANC__'));
      expect(overridden.length).toBeGreaterThan(0);
      expect(overridden.filter((name) => templateEnvNames.includes(name))).toEqual([]);
      // The keys the process manager sets per run are the ones docker sets per container.
      expect(template).not.toHaveProperty('RegisteredUsers');
      expect(template).not.toHaveProperty('LuaScripts');
      expect(template).not.toHaveProperty('StorageDirectory');
    });
  });

  describe('sidecar', () => {
    it('should use only environment names the sidecar\'s configuration knows, with the secrets it needs', () => {
      const known: string[] = Object.values(configEnv);
      expect(Object.keys(sidecar.environment).filter((name) => !known.includes(name))).toEqual([]);
      for (const required of [configEnv.orthancUrl, configEnv.orthancUsername, configEnv.orthancPassword, configEnv.apiToken, configEnv.dataDir]) {
        expect(sidecar.environment).toHaveProperty(required);
      }
      expect(sidecar.environment[configEnv.orthancUrl]).toBe(`http://${composeServices.orthanc}:${orthancDefaults.httpPort}`);
      expect(sidecar.environment[configEnv.port]).toBe(String(configDefaults.port));
      expect(sidecar.environment[configEnv.host]).toBe(sidecarContainer.host);
    });

    it('should publish its port on loopback, mount the models read-only and keep its data in a volume', () => {
      expect(sidecar.ports).toEqual([`127.0.0.1:${configDefaults.port}:${configDefaults.port}`]);
      const byTarget = mounts(sidecar);
      expect(byTarget.get(sidecarContainer.modelsDir)).toBe(modelsDir);
      expect(sidecar.volumes).toContain(`./models:${sidecarContainer.modelsDir}:ro`);
      expect(sidecar.environment[configEnv.dataDir]).toBe(sidecarContainer.dataDir);
      expect(byTarget.has(sidecarContainer.dataDir)).toBe(true);
    });

    it('should keep the secrets out of the file: every secret comes from .env and is required', () => {
      for (const name of [configEnv.orthancUsername, configEnv.orthancPassword, configEnv.apiToken]) {
        expect(sidecar.environment[name]).toBe(`\${${name}:?set ${name} in .env}`);
      }
    });
  });
});

describe('inference-service/Dockerfile', () => {
  let lines: string[];

  beforeAll(async () => {
    const text = await readFile(join(repoRoot, 'inference-service/Dockerfile'), 'utf8');
    // Join continuation lines, drop comments.
    lines = text
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
  });

  it('should run Node 20 in the work dir the compose file mounts into, as the sidecar command', () => {
    expect(lines[0]).toMatch(/^FROM node:20(-|$)/);
    expect(lines).toContain(`WORKDIR ${sidecarContainer.workDir}`);
    expect(modelsDir).toBe(resolve(repoRoot, 'models'));
    expect(sidecarContainer.modelsDir).toBe(`${sidecarContainer.workDir}/models`);
    expect(lines).toContain(`EXPOSE ${configDefaults.port}`);
    expect(lines.at(-1)).toBe('CMD ["node", "inference-service/bin/cxr-findings.mjs", "serve"]');
  });

  it('should default its environment to what the compose file sets', () => {
    const env = lines.find((l) => l.startsWith('ENV '))!;
    expect(env).toContain(`${configEnv.host}=${sidecarContainer.host}`);
    expect(env).toContain(`${configEnv.port}=${configDefaults.port}`);
    expect(env).toContain(`${configEnv.dataDir}=${sidecarContainer.dataDir}`);
  });

  it('should copy only paths that exist in the repository', () => {
    const sources = lines
      .filter((l) => l.startsWith('COPY '))
      .flatMap((l) => l.split(/\s+/).slice(1, -1))
      .map((source) => source.replace(/\*.*$/, ''));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) expect(existsSync(resolve(repoRoot, source)), source).toBe(true);
  });
});
