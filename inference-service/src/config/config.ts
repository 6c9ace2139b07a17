import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { dicomLimitDefaults, dicomLimitNames, type DicomLimits } from '../dicom/index.ts';
import { logLevels } from '../log.ts';
import { modelLayouts, type ModelLayout } from '../model/modelLayout.ts';
import { preparePoolDefaults, preparePoolEnv } from '../pipeline/preparePool.ts';
import { configDefaults, configEnv, dataFiles } from './defaults.ts';
import { viewerFileDefaults } from './paths.ts';
import { loadRoutingFile, RoutingFileError, type RoutingSettings } from '../routing/routingFile.ts';

/** Switches read from the environment: anything else is a mistake worth a clear error. */
const onOff = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['1', '0', 'true', 'false', 'on', 'off', 'yes', 'no']))
  .transform((value) => ['1', 'true', 'on', 'yes'].includes(value));

const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  [configEnv.port]: z.coerce.number().int().min(0).max(65535).default(configDefaults.port),
  [configEnv.host]: z.string().min(1).default(configDefaults.host),
  // Several URLs (comma-separated): Orthancs sharing one index (PostgreSQL), tried in turn.
  [configEnv.orthancUrl]: z
    .string()
    .default(configDefaults.orthancUrl)
    .transform((value) => value.split(',').map((url) => url.trim()))
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'each comma-separated entry must be an http(s) URL' })).min(1)),
  [configEnv.orthancUsername]: z.string().optional(),
  [configEnv.orthancPassword]: z.string().optional(),
  [configEnv.apiToken]: z.string().min(16, 'must be at least 16 characters').optional(),
  [configEnv.dataDir]: z.string().min(1).default(configDefaults.dataDir),
  [configEnv.autoClassify]: onOff.default(configDefaults.autoClassify),
  [configEnv.maxQueue]: positiveInt.default(configDefaults.maxQueue),
  [configEnv.concurrency]: positiveInt.default(configDefaults.concurrency),
  [configEnv.intraOpThreads]: positiveInt.default(configDefaults.intraOpThreads),
  [configEnv.ortSpinning]: onOff.default(configDefaults.ortSpinning),
  [configEnv.modelLayout]: z.string().trim().toLowerCase().pipe(z.enum(modelLayouts)).default(configDefaults.modelLayout),
  [configEnv.bodyLimitMb]: z.coerce.number().positive().default(configDefaults.bodyLimitMb),
  [configEnv.bodyTotalLimitMb]: z.coerce.number().positive().default(configDefaults.bodyTotalLimitMb),
  [configEnv.requestTimeoutMs]: positiveInt.default(configDefaults.requestTimeoutMs),
  [configEnv.srRetryMaxDelayMs]: positiveInt.default(configDefaults.srRetryMaxDelayMs),
  [configEnv.heatmaps]: onOff.default(configDefaults.heatmaps),
  [configEnv.logLevel]: z.enum(logLevels).default(configDefaults.logLevel),
  [configEnv.viewerDir]: z.string().min(1).default(viewerFileDefaults.dir),
  [configEnv.viewerExtensionFile]: z.string().min(1).default(viewerFileDefaults.extensionFile),
  [configEnv.mode]: z.string().optional(),
  [configEnv.auth]: z.enum(['local', 'oidc']).default(configDefaults.auth),
  [configEnv.publicHosts]: z.string().optional(),
  [configEnv.cookieSecure]: onOff.default(configDefaults.cookieSecure),
  [configEnv.dicomWebStow]: onOff.default(configDefaults.dicomWebStow),
  [configEnv.auditLog]: z.string().min(1).optional(),
  [configEnv.auditSyslog]: z.url({ protocol: /^udp$/ }).optional(),
  [configEnv.oidcIssuer]: z.url({ protocol: /^https?$/ }).optional(),
  [configEnv.oidcAudience]: z.string().min(1).optional(),
  [configEnv.oidcClientId]: z.string().min(1).optional(),
  [configEnv.oidcRolesClaim]: z.string().min(1).default(configDefaults.oidcRolesClaim),
  [configEnv.oidcScope]: z.string().min(1).default(configDefaults.oidcScope),
  [configEnv.oidcTokenType]: z.string().min(1).default(configDefaults.oidcTokenType),
  [configEnv.orthancProxyUsername]: z.string().optional(),
  [configEnv.orthancProxyPassword]: z.string().optional(),
  [configEnv.routingFile]: z.string().min(1).optional(),
  [configEnv.redisUrl]: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  [configEnv.redisPrefix]: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only').default(configDefaults.redisPrefix),
  [configEnv.queueLockMs]: z.coerce.number().int().min(1_000).default(configDefaults.queueLockMs),
  // 0: read and preprocess on the main thread (to compare; not for a sidecar others depend on).
  [preparePoolEnv.threads]: z.coerce.number().int().min(0).optional(),
  [preparePoolEnv.timeoutMs]: positiveInt.default(preparePoolDefaults.timeoutMs),
  [preparePoolEnv.maxHeapMb]: positiveInt.default(preparePoolDefaults.maxHeapMb),
  ...Object.fromEntries(
    Object.entries(dicomLimitNames).map(([key, { env }]) => [env, positiveInt.default(dicomLimitDefaults[key as keyof DicomLimits])]),
  ),
});

/** OpenID Connect: the issuer whose access tokens the sidecar accepts, and the viewer's client. */
export interface OidcSettings {
  /** The issuer URL exactly as its tokens' `iss` (discovery at `<issuer>/.well-known/openid-configuration`). */
  readonly issuer: string;
  /** The `aud` the sidecar's tokens must carry (the API's identifier at the provider). */
  readonly audience: string;
  /** The viewer's public client (authorization code + PKCE). */
  readonly clientId: string;
  /** Where the roles are in the token: a claim name or a dotted path (`realm_access.roles`). */
  readonly rolesClaim: string;
  readonly scope: string;
  /** The access tokens' `typ` header. */
  readonly tokenType: string;
}

export interface AccessSettings {
  readonly mode: 'local' | 'oidc';
  /** Host names the sidecar answers to besides loopback and its bind address. */
  readonly publicHosts: readonly string[];
  readonly cookieSecure: boolean;
  /** STOW-RS through the viewer's proxy (for users with the store role). */
  readonly dicomWebStow: boolean;
  readonly auditLogFile: string;
  /** `udp://host:port` of a syslog receiver that also gets every audit record. */
  readonly auditSyslog?: string;
  readonly oidc?: OidcSettings;
}

/** The viewer's files: the unpacked `@ohif/app` `dist/` and our extension as one ES module. */
export interface ViewerFiles {
  readonly dir: string;
  readonly extensionFile: string;
}

export interface SidecarConfig {
  readonly port: number;
  readonly host: string;
  readonly orthanc: {
    readonly url: string;
    /** Further endpoints of Orthancs sharing the first one's index, used when it cannot be reached. */
    readonly failoverUrls?: readonly string[];
    readonly credentials?: { readonly username: string; readonly password: string };
    /** The viewer proxy's own account (reads only, enforced by Orthanc); the main one when absent. */
    readonly proxyCredentials?: { readonly username: string; readonly password: string };
  };
  readonly apiToken: string;
  /** True when the token was made up at start because none was configured (development only). */
  readonly apiTokenGenerated: boolean;
  readonly dataDir: string;
  readonly autoClassify: boolean;
  readonly maxQueue: number;
  readonly concurrency: number;
  readonly intraOpThreads: number;
  readonly ortSpinning: boolean;
  readonly modelLayout: ModelLayout;
  readonly bodyLimitBytes: number;
  readonly bodyTotalLimitBytes: number;
  readonly requestTimeoutMs: number;
  /** The longest wait between two attempts to store an SR Orthanc did not take. */
  readonly srRetryMaxDelayMs: number;
  /** Whether each image with a positive finding also gets its heatmaps as a Parametric Map. */
  readonly heatmaps: boolean;
  /** Bounds a file must keep to be read at all (CXR_LIMIT_*; dicom/limits.ts). */
  readonly dicomLimits: DicomLimits;
  /** Worker threads that read and preprocess (threads absent: one per core; 0: none, inline). */
  readonly preparePool: { readonly threads?: number; readonly timeoutMs: number; readonly maxHeapMb: number };
  readonly logLevel: (typeof logLevels)[number];
  /** Served when its index.html exists; otherwise the sidecar serves the API only. */
  readonly viewer?: ViewerFiles;
  readonly access: AccessSettings;
  /** From CXR_ROUTING_FILE: what to classify beyond the fixed eligibility, where results go. */
  readonly routing?: RoutingSettings;
  /** The shared queue (CXR_REDIS_URL); absent: arrivals are classified in this process. */
  readonly queue?: QueueSettings;
}

export interface QueueSettings {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly lockMs: number;
  /** Attempts per job and the first retry's delay (doubling); BullmqQueueOptions has the defaults. */
  readonly attempts?: number;
  readonly backoffMs?: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const developmentModes = new Set(['development', 'test']);

/**
 * Reads the sidecar's configuration from environment variables. Errors name the variable and what
 * was wrong with it, so a failed start says exactly what to fix.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): SidecarConfig {
  const values = parseEnv(envSchema, env);
  const credentials = credentialPair(values[configEnv.orthancUsername], values[configEnv.orthancPassword], configEnv.orthancUsername, configEnv.orthancPassword);
  const proxyCredentials = credentialPair(
    values[configEnv.orthancProxyUsername],
    values[configEnv.orthancProxyPassword],
    configEnv.orthancProxyUsername,
    configEnv.orthancProxyPassword,
  );

  let oidc: OidcSettings | undefined;
  if (values[configEnv.auth] === 'oidc') {
    const issuer = values[configEnv.oidcIssuer];
    const audience = values[configEnv.oidcAudience];
    const clientId = values[configEnv.oidcClientId];
    const missing = [
      [configEnv.oidcIssuer, issuer],
      [configEnv.oidcAudience, audience],
      [configEnv.oidcClientId, clientId],
    ].filter(([, value]) => value === undefined);
    if (missing.length > 0) {
      throw new ConfigError(`Invalid sidecar configuration: ${configEnv.auth}=oidc needs ${missing.map(([name]) => name).join(', ')}`);
    }
    oidc = {
      issuer: issuer as string,
      audience: audience as string,
      clientId: clientId as string,
      rolesClaim: values[configEnv.oidcRolesClaim],
      scope: values[configEnv.oidcScope],
      tokenType: values[configEnv.oidcTokenType],
    };
  }
  const dataDir = resolve(values[configEnv.dataDir]);

  let apiToken = values[configEnv.apiToken];
  const apiTokenGenerated = apiToken === undefined;
  if (apiToken === undefined) {
    if (!developmentModes.has(values[configEnv.mode] ?? '')) {
      throw new ConfigError(
        `Invalid sidecar configuration: ${configEnv.apiToken} is required ` +
          `(set ${configEnv.mode}=development to run with a generated one; \`npm start\` keeps one in the data dir)`,
      );
    }
    apiToken = randomBytes(32).toString('base64url');
  }

  let routing: RoutingSettings | undefined;
  const routingFile = values[configEnv.routingFile];
  if (routingFile !== undefined) {
    try {
      routing = loadRoutingFile(resolve(routingFile), env);
    } catch (error) {
      if (error instanceof RoutingFileError) throw new ConfigError(`Invalid sidecar configuration: ${configEnv.routingFile}: ${error.message}`, { cause: error });
      throw error;
    }
  }

  return {
    port: values[configEnv.port],
    host: values[configEnv.host],
    orthanc: {
      ...orthancUrls(values[configEnv.orthancUrl]),
      ...(credentials ? { credentials } : {}),
      ...(proxyCredentials ? { proxyCredentials } : {}),
    },
    apiToken,
    apiTokenGenerated,
    dataDir,
    autoClassify: values[configEnv.autoClassify],
    maxQueue: values[configEnv.maxQueue],
    concurrency: values[configEnv.concurrency],
    intraOpThreads: values[configEnv.intraOpThreads],
    ortSpinning: values[configEnv.ortSpinning],
    modelLayout: values[configEnv.modelLayout],
    bodyLimitBytes: Math.round(values[configEnv.bodyLimitMb] * 1024 * 1024),
    bodyTotalLimitBytes: Math.round(values[configEnv.bodyTotalLimitMb] * 1024 * 1024),
    requestTimeoutMs: values[configEnv.requestTimeoutMs],
    srRetryMaxDelayMs: values[configEnv.srRetryMaxDelayMs],
    heatmaps: values[configEnv.heatmaps],
    preparePool: {
      ...(values[preparePoolEnv.threads] !== undefined ? { threads: values[preparePoolEnv.threads] as number } : {}),
      timeoutMs: values[preparePoolEnv.timeoutMs] as number,
      maxHeapMb: values[preparePoolEnv.maxHeapMb] as number,
    },
    dicomLimits: Object.fromEntries(
      Object.entries(dicomLimitNames).map(([key, { env }]) => [key, (values as Record<string, unknown>)[env] as number]),
    ) as unknown as DicomLimits,
    logLevel: values[configEnv.logLevel],
    ...(values[configEnv.redisUrl] !== undefined
      ? { queue: { redisUrl: values[configEnv.redisUrl] as string, prefix: values[configEnv.redisPrefix], lockMs: values[configEnv.queueLockMs] } }
      : {}),
    viewer: { dir: resolve(values[configEnv.viewerDir]), extensionFile: resolve(values[configEnv.viewerExtensionFile]) },
    access: {
      mode: values[configEnv.auth],
      publicHosts: (values[configEnv.publicHosts] ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== ''),
      cookieSecure: values[configEnv.cookieSecure],
      dicomWebStow: values[configEnv.dicomWebStow],
      auditLogFile: resolve(values[configEnv.auditLog] ?? join(dataDir, dataFiles.auditLog)),
      ...(values[configEnv.auditSyslog] ? { auditSyslog: values[configEnv.auditSyslog] } : {}),
      ...(oidc ? { oidc } : {}),
    },
    ...(routing ? { routing } : {}),
  };
}

/** Unset and empty are the same thing in a shell or a compose file; errors name each variable. */
function parseEnv<T extends z.ZodType>(schema: T, env: Record<string, string | undefined>): z.output<T> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid sidecar configuration: ${lines.join('; ')}`);
  }
  return parsed.data;
}

function credentialPair(username: string | undefined, password: string | undefined, usernameEnv: string, passwordEnv: string): { username: string; password: string } | undefined {
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError(`Invalid sidecar configuration: set both ${usernameEnv} and ${passwordEnv}, or neither`);
  }
  return username !== undefined && password !== undefined ? { username, password } : undefined;
}

const orthancEnvSchema = envSchema.pick({ [configEnv.orthancUrl]: true, [configEnv.orthancUsername]: true, [configEnv.orthancPassword]: true, [configEnv.dataDir]: true });

/**
 * Just the Orthanc part of the configuration, for the CLI's commands (they need no API token or
 * viewer): the same variables, defaults and errors as the sidecar's.
 */
export function loadOrthancSettings(
  env: Record<string, string | undefined> = process.env,
): { url: string; failoverUrls?: readonly string[]; credentials?: { username: string; password: string }; dataDir: string } {
  const values = parseEnv(orthancEnvSchema, env);
  const credentials = credentialPair(values[configEnv.orthancUsername], values[configEnv.orthancPassword], configEnv.orthancUsername, configEnv.orthancPassword);
  return { ...orthancUrls(values[configEnv.orthancUrl]), ...(credentials ? { credentials } : {}), dataDir: resolve(values[configEnv.dataDir]) };
}

/** CXR_ORTHANC_URL's list: the first endpoint, and the others of the same shared index for failover. */
function orthancUrls(urls: readonly string[]): { url: string; failoverUrls?: readonly string[] } {
  const [first, ...others] = urls.map((url) => url.replace(/\/+$/, ''));
  return { url: first as string, ...(others.length > 0 ? { failoverUrls: others } : {}) };
}
