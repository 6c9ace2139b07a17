/**
 * The site's routing file (`CXR_ROUTING_FILE`, JSON): which images are classified (include/exclude rules
 * on their header and on the AE title that sent them) and where the stored results go (DICOM modalities
 * Orthanc knows, DICOMweb STOW-RS endpoints). Read once at start; every mistake is reported with the path
 * of the rule or destination that holds it, so a failed start says exactly what to fix.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** What a rule can test; each is an image's attribute (the AE title is Orthanc's record of the sender). */
export const ruleAttributes = {
  callingAeTitle: 'the calling AE title that sent the image (Orthanc metadata RemoteAET)',
  modality: 'Modality (0008,0060)',
  stationName: 'StationName (0008,1010)',
  institutionName: 'InstitutionName (0008,0080)',
  bodyPartExamined: 'BodyPartExamined (0018,0015)',
  viewPosition: 'ViewPosition (0018,5101)',
  seriesDescription: 'SeriesDescription (0008,103E)',
} as const;

export type RuleAttribute = keyof typeof ruleAttributes;

/** DICOM values are at most 64 characters (LO); a pattern much longer than that is a mistake. */
const pattern = z
  .string()
  .min(1, 'a pattern must not be empty (use "*" for any value)')
  .max(256, 'a pattern is at most 256 characters')
  .refine((p) => ![...p].some((ch) => ch.charCodeAt(0) < 0x20), 'a pattern must not hold control characters');

const patterns = z.union([pattern, z.array(pattern).min(1, 'a list of patterns must not be empty').max(100)], {
  error: (issue) => (issue.code === 'invalid_union' ? 'expected a pattern (a string with * and ?) or a list of patterns' : undefined),
});

const ruleName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, 'a name is 1–64 letters, digits, spaces, dots, dashes or underscores');

const rule = z
  .strictObject({
    name: ruleName,
    ...(Object.fromEntries(Object.keys(ruleAttributes).map((key) => [key, patterns.optional()])) as Record<RuleAttribute, z.ZodOptional<typeof patterns>>),
  })
  .refine((r) => Object.keys(ruleAttributes).some((key) => r[key as RuleAttribute] !== undefined), {
    message: `a rule tests at least one of ${Object.keys(ruleAttributes).join(', ')}`,
  });

export type ClassifyRule = z.infer<typeof rule>;

const destinationName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'a destination name is 1–64 letters, digits, dashes or underscores');

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A–Z, 0–9, _)');

const dicomDestination = z.strictObject({
  name: destinationName,
  type: z.literal('dicom'),
  /** The symbolic name of the modality in Orthanc's `DicomModalities` (Orthanc makes the C-STORE). */
  modality: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'the name of an entry of Orthanc\'s DicomModalities'),
});

const stowDestination = z
  .strictObject({
    name: destinationName,
    type: z.literal('stow-rs'),
    /** The DICOMweb root; STOW-RS posts to `<url>/studies` (PS3.18 §10.5). */
    url: z.url({ protocol: /^https?$/ }),
    username: z.string().min(1).optional(),
    /** The password inline, or (better: a Kubernetes Secret, a compose env file) the variable holding it. */
    password: z.string().min(1).optional(),
    passwordEnv: envName.optional(),
    timeoutMs: z.number().int().positive().max(600_000).optional(),
  })
  .refine((d) => !(d.password !== undefined && d.passwordEnv !== undefined), { message: 'give password or passwordEnv, not both' })
  .refine((d) => (d.username === undefined) === (d.password === undefined && d.passwordEnv === undefined), {
    message: 'a username needs a password (password or passwordEnv), and a password a username',
  });

const routingFileSchema = z.strictObject({
  classify: z
    .strictObject({
      include: z.array(rule).max(1000).optional(),
      exclude: z.array(rule).max(1000).optional(),
    })
    .optional(),
  destinations: z.array(z.discriminatedUnion('type', [dicomDestination, stowDestination])).max(100).optional(),
  delivery: z
    .strictObject({
      /** Failed attempts after which a delivery is listed as failed, until someone retries it. */
      maxAttempts: z.number().int().positive().max(1000).optional(),
      initialDelayMs: z.number().int().positive().optional(),
      maxDelayMs: z.number().int().positive().optional(),
    })
    .optional(),
});

export interface StowDestination {
  readonly name: string;
  readonly type: 'stow-rs';
  readonly url: string;
  readonly credentials?: { readonly username: string; readonly password: string };
  readonly timeoutMs?: number;
}

export interface DicomDestination {
  readonly name: string;
  readonly type: 'dicom';
  readonly modality: string;
}

export type Destination = DicomDestination | StowDestination;

export interface RoutingSettings {
  readonly include: readonly ClassifyRule[];
  readonly exclude: readonly ClassifyRule[];
  readonly destinations: readonly Destination[];
  readonly delivery: { readonly maxAttempts?: number; readonly initialDelayMs?: number; readonly maxDelayMs?: number };
}

export class RoutingFileError extends Error {
  override readonly name = 'RoutingFileError';
}

/** Names an issue's place as a reader finds it: `classify.exclude[1] "portables": stationName: …`. */
function describeIssue(input: unknown, issue: z.core.$ZodIssue): string {
  let where = '';
  let node: unknown = input;
  for (const key of issue.path) {
    where += typeof key === 'number' ? `[${key}]` : `${where === '' ? '' : '.'}${String(key)}`;
    node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
    const name = node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as { name?: unknown }).name : undefined;
    if (typeof key === 'number' && typeof name === 'string') where += ` "${name}"`;
  }
  return `${where === '' ? '(top level)' : where}: ${issue.message}`;
}

/** Validates the routing file's parsed JSON; `env` resolves `passwordEnv`. */
export function parseRoutingFile(input: unknown, source: string, env: Record<string, string | undefined> = process.env): RoutingSettings {
  const parsed = routingFileSchema.safeParse(input);
  if (!parsed.success) {
    throw new RoutingFileError(`Invalid routing file ${source}: ${parsed.error.issues.map((issue) => describeIssue(input, issue)).join('; ')}`);
  }
  const file = parsed.data;
  const problems: string[] = [];
  for (const list of ['include', 'exclude'] as const) {
    const seen = new Set<string>();
    for (const [index, r] of (file.classify?.[list] ?? []).entries()) {
      if (seen.has(r.name)) problems.push(`classify.${list}[${index}] "${r.name}": the name is used twice in classify.${list}`);
      seen.add(r.name);
    }
  }
  const names = new Set<string>();
  const destinations: Destination[] = [];
  for (const [index, d] of (file.destinations ?? []).entries()) {
    const where = `destinations[${index}] "${d.name}"`;
    if (names.has(d.name)) problems.push(`${where}: the name is used twice`);
    names.add(d.name);
    if (d.type === 'dicom') {
      destinations.push({ name: d.name, type: 'dicom', modality: d.modality });
      continue;
    }
    let password = d.password;
    if (d.passwordEnv !== undefined) {
      password = env[d.passwordEnv];
      if (password === undefined || password === '') problems.push(`${where}: passwordEnv names ${d.passwordEnv}, which is not set`);
    }
    destinations.push({
      name: d.name,
      type: 'stow-rs',
      url: d.url.replace(/\/+$/, ''),
      ...(d.username !== undefined && password ? { credentials: { username: d.username, password } } : {}),
      ...(d.timeoutMs !== undefined ? { timeoutMs: d.timeoutMs } : {}),
    });
  }
  const delivery = file.delivery ?? {};
  if (delivery.initialDelayMs !== undefined && delivery.maxDelayMs !== undefined && delivery.initialDelayMs > delivery.maxDelayMs) {
    problems.push('delivery: initialDelayMs is larger than maxDelayMs');
  }
  if (problems.length > 0) throw new RoutingFileError(`Invalid routing file ${source}: ${problems.join('; ')}`);
  return { include: file.classify?.include ?? [], exclude: file.classify?.exclude ?? [], destinations, delivery };
}

/** Reads and validates the routing file; a missing file or bad JSON is an error naming the file. */
export function loadRoutingFile(path: string, env: Record<string, string | undefined> = process.env): RoutingSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new RoutingFileError(`Cannot read the routing file ${path}: ${(cause as Error).message}`, { cause });
  }
  if (text.length > 1024 * 1024) throw new RoutingFileError(`The routing file ${path} is larger than 1 MB`);
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (cause) {
    throw new RoutingFileError(`The routing file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return parseRoutingFile(input, path, env);
}
