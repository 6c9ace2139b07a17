/**
 * The sidecar's environment variables and their defaults, as data: the config loader, `npm start`,
 * docker-compose and the tests all read these instead of repeating literals.
 */

export const configEnv = {
  port: 'CXR_PORT',
  host: 'CXR_HOST',
  orthancUrl: 'CXR_ORTHANC_URL',
  orthancUsername: 'CXR_ORTHANC_USERNAME',
  orthancPassword: 'CXR_ORTHANC_PASSWORD',
  apiToken: 'CXR_API_TOKEN',
  dataDir: 'CXR_DATA_DIR',
  autoClassify: 'CXR_AUTO_CLASSIFY',
  maxQueue: 'CXR_MAX_QUEUE',
  concurrency: 'CXR_CONCURRENCY',
  intraOpThreads: 'CXR_INTRA_OP_THREADS',
  modelLayout: 'CXR_MODEL_LAYOUT',
  ortSpinning: 'CXR_ORT_SPINNING',
  bodyLimitMb: 'CXR_BODY_LIMIT_MB',
  bodyTotalLimitMb: 'CXR_BODY_TOTAL_MB',
  requestTimeoutMs: 'CXR_REQUEST_TIMEOUT_MS',
  srRetryMaxDelayMs: 'CXR_SR_RETRY_MAX_DELAY_MS',
  /** `off`: no heatmaps object (Parametric Map) beside the SRs; the result's regions stay. */
  heatmaps: 'CXR_HEATMAPS',
  logLevel: 'CXR_LOG_LEVEL',
  /** The unpacked OHIF app and our built extension; absent files mean the API only. */
  viewerDir: 'CXR_VIEWER_DIR',
  viewerExtensionFile: 'CXR_VIEWER_EXTENSION_FILE',
  /** Who may log in: `local` (one user, password made at first start in the data dir) or `oidc`. */
  auth: 'CXR_AUTH',
  /** Host names (comma-separated) the sidecar answers to besides loopback and its bind address. */
  publicHosts: 'CXR_PUBLIC_HOSTS',
  /** `on`: session cookies are Secure even on plain HTTP (a TLS-terminating proxy is in front). */
  cookieSecure: 'CXR_COOKIE_SECURE',
  /** `on`: the viewer's proxy accepts STOW-RS from users with the store role. */
  dicomWebStow: 'CXR_DICOMWEB_STOW',
  /** The audit log (JSON lines); default `<data dir>/audit.log`. */
  auditLog: 'CXR_AUDIT_LOG',
  /** `udp://host[:port]`: the audit records also go to syslog (RFC 5424) for a SIEM. */
  auditSyslog: 'CXR_AUDIT_SYSLOG',
  oidcIssuer: 'CXR_OIDC_ISSUER',
  oidcAudience: 'CXR_OIDC_AUDIENCE',
  oidcClientId: 'CXR_OIDC_CLIENT_ID',
  oidcRolesClaim: 'CXR_OIDC_ROLES_CLAIM',
  oidcScope: 'CXR_OIDC_SCOPE',
  /** The `typ` header of the provider's access tokens: `at+jwt` (RFC 9068) or `JWT` (Keycloak, Entra ID). */
  oidcTokenType: 'CXR_OIDC_TOKEN_TYPE',
  /** Orthanc's account for the viewer's DICOMweb reads; Orthanc restricts it to them (orthanc/lua). */
  orthancProxyUsername: 'CXR_ORTHANC_PROXY_USERNAME',
  orthancProxyPassword: 'CXR_ORTHANC_PROXY_PASSWORD',
  /** The site's routing file (JSON): what to classify, where results go (inference-service/src/routing). */
  routingFile: 'CXR_ROUTING_FILE',
  /** `redis://…`: this sidecar is one worker of a shared BullMQ queue on that Redis; unset: in-process. */
  redisUrl: 'CXR_REDIS_URL',
  /** Namespaces the shared queue's keys in Redis; every worker of one queue uses the same. */
  redisPrefix: 'CXR_REDIS_PREFIX',
  /** How long a worker's claim (a job's lock, the changes lease) lasts unrenewed: a dead worker's work moves after it. */
  queueLockMs: 'CXR_QUEUE_LOCK_MS',
  /** `development` or `test` lets the sidecar start without a token (it makes one up per process). */
  mode: 'NODE_ENV',
} as const;

export const configDefaults = {
  port: 3000,
  host: '127.0.0.1',
  orthancUrl: 'http://127.0.0.1:8042',
  dataDir: './data',
  autoClassify: true,
  /** Images waiting for the model beyond those running; past it requests get 429. */
  maxQueue: 64,
  /** Images worked on at once: enough to fill the model's batches while one is being decoded. */
  concurrency: 4,
  intraOpThreads: 2,
  /**
   * 'latency': one onnxruntime session with all CXR_INTRA_OP_THREADS threads, a lone click answered
   * soonest; 'throughput': that many one-thread sessions on their own worker threads, more images per
   * second; 'adaptive': both, a lone image on the first and images that queue on the others. The sidecar
   * takes clicks and arrivals, so 'adaptive' unless told (arrivals at 1.07× the latency layout's rate,
   * median of six alternated rounds; ~220 MB more memory); the CLI takes 'throughput' for a folder and
   * 'latency' for one file.
   */
  modelLayout: 'adaptive',
  /**
   * Spinning threads answer a lone click 2–3 ms sooner on a quiet host, but arrivals go ~6 % slower, and on
   * a busy host (vCPUs taken away) a spinning run took 47 ms against 33 sleeping: off (see FindingsModelOptions).
   */
  ortSpinning: false,
  /** An uncompressed 16-bit 3000×3000 radiograph is ~18 MB; 64 MB leaves room without inviting abuse. */
  bodyLimitMb: 64,
  /** Upload bodies held at once, all requests together: the per-request limit alone times the queue's room is GBs. */
  bodyTotalLimitMb: 256,
  requestTimeoutMs: 60_000,
  /** An SR Orthanc did not store is tried again after 1 s, doubling up to this; it is never dropped. */
  srRetryMaxDelayMs: 60_000,
  heatmaps: true,
  logLevel: 'info',
  auth: 'local',
  cookieSecure: false,
  dicomWebStow: false,
  oidcRolesClaim: 'roles',
  oidcScope: 'openid profile',
  oidcTokenType: 'at+jwt',
  redisPrefix: 'cxr',
  /** BullMQ's default; it must outlast a Redis outage, or jobs whose lock lapsed meanwhile run twice. */
  queueLockMs: 30_000,
} as const;

/** Files the sidecar keeps in its data dir. */
export const dataFiles = {
  apiToken: 'api-token',
  changesCursor: 'orthanc-changes-cursor.json',
  auditLog: 'audit.log',
  /** Findings SRs Orthanc has not stored yet, each as `<SR UID>.dcm` + `.json`, retried until it does. */
  srOutbox: 'sr-outbox',
  /** Result objects not yet at a destination, one `<destination>--<UID>.json` each (routing/). */
  routeOutbox: 'route-outbox',
} as const;

/** Paths that must stay stable: the Lua hook and the viewer call them. */
export const apiPaths = {
  classify: '/api/classify',
  classifyFile: '/api/classify/file',
  health: '/api/health',
  model: '/api/model',
  openapi: '/api/openapi.json',
  orthancEvent: '/api/internal/orthanc-event',
  srOutbox: '/api/sr-outbox',
  routing: '/api/routing',
  /** The shared queue's failed jobs (`GET /failed`, `POST /retry`). */
  queue: '/api/queue',
  metrics: '/metrics',
} as const;
