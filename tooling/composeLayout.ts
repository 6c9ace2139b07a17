/**
 * The docker-compose deployment as data: service names and paths inside the containers.
 * `docker-compose.yml` and `inference-service/Dockerfile` spell these out; their test checks that
 * they agree with this table, with `settings.ts` and with the sidecar's `config/defaults.ts`.
 */
export const composeServices = Object.freeze({
  orthanc: 'orthanc',
  sidecar: 'sidecar',
} as const);

export const orthancContainer = Object.freeze({
  /** Replaces the image's default configuration with the committed template. */
  configFile: '/etc/orthanc/orthanc.json',
  luaDir: '/etc/orthanc/lua',
  storageDir: '/var/lib/orthanc/db',
});

export const sidecarContainer = Object.freeze({
  /** The repository's layout is kept under it, so `models/` and the sources resolve as they do here. */
  workDir: '/app',
  modelsDir: '/app/models',
  dataDir: '/app/data',
  /** Inside a container the sidecar must listen beyond loopback; the host publishes it on 127.0.0.1 only. */
  host: '0.0.0.0',
});
