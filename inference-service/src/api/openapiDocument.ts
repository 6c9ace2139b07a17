import { z } from 'zod';
import { apiPaths } from '../config/defaults.ts';
import { classifyRequestSchema, orthancEventSchema } from './schemas.ts';

/**
 * The OpenAPI 3.1 description of the sidecar's HTTP API. Request bodies are generated from the same
 * zod schemas that validate them; responses are written out here. Kept beside the routes so a change
 * to one shows in review next to the other.
 */

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable, for programs: invalid-request, malformed-json, not-dicom, ineligible, not-found, queue-full, orthanc-unavailable, …' },
        message: { type: 'string', description: 'What went wrong and where, for a human.' },
      },
    },
  },
} as const;

const modelSummary = {
  type: 'object',
  required: ['id', 'kind', 'onnxSha256'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['demo', 'upstream', 'custom'] },
    onnxSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    warning: { type: 'string', description: 'Shown wherever results are shown (always set for demo models).' },
  },
} as const;

const findings = {
  type: 'object',
  description: 'The 18 TorchXRayVision labels to probabilities after op_norm: 0.5 is each finding’s operating point.',
  additionalProperties: { type: 'number', minimum: 0, maximum: 1 },
} as const;

const timings = { type: 'object', additionalProperties: { type: 'number' }, description: 'Milliseconds per stage.' } as const;

const uidString = { type: 'string' } as const;

const classifyReport = {
  type: 'object',
  required: ['model', 'results', 'pending', 'skipped', 'timingsMs'],
  properties: {
    model: modelSummary,
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'sr', 'report', 'timingsMs'],
        properties: {
          StudyInstanceUID: uidString,
          SeriesInstanceUID: uidString,
          SOPInstanceUID: uidString,
          findings: { ...findings, description: `${findings.description} When the SR already existed, read back from it (percent to 2 decimals).` },
          sr: {
            type: 'object',
            description: 'The AI result: a TID 1500 Imaging Measurement Report (what the viewer opens).',
            required: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'alreadyExisted'],
            properties: {
              StudyInstanceUID: uidString,
              SeriesInstanceUID: uidString,
              SOPInstanceUID: uidString,
              alreadyExisted: { type: 'boolean', description: 'The SR for this image and model was already stored; nothing was computed.' },
            },
          },
          report: {
            type: 'object',
            description: 'The readable report stored beside it: a TID 2000 Basic Diagnostic Imaging Report.',
            required: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'],
            properties: { StudyInstanceUID: uidString, SeriesInstanceUID: uidString, SOPInstanceUID: uidString },
          },
          timingsMs: timings,
        },
      },
    },
    pending: {
      type: 'array',
      description: 'Classified, but Orthanc did not store the SR (refused, FilteredOut, error, timeout): no SR exists yet. It is retried; see /api/sr-outbox.',
      items: {
        type: 'object',
        required: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'srNotStored'],
        properties: {
          StudyInstanceUID: uidString,
          SeriesInstanceUID: uidString,
          SOPInstanceUID: uidString,
          findings,
          srNotStored: {
            type: 'object',
            required: ['state', 'reason', 'message', 'attempts'],
            properties: {
              state: { enum: ['pending', 'failed'] },
              reason: { type: 'string', description: 'filtered-out, already-stored-other-content, http-4xx, http-5xx, timeout, unavailable, unexpected-status' },
              message: { type: 'string' },
              attempts: { type: 'integer' },
              nextAttemptAt: { type: 'string', format: 'date-time' },
            },
          },
        },
      },
    },
    skipped: {
      type: 'array',
      items: {
        type: 'object',
        required: ['reason'],
        properties: { SeriesInstanceUID: uidString, SOPInstanceUID: uidString, reason: { type: 'string' } },
      },
    },
    timingsMs: timings,
  },
} as const;

function encodedObject(description: string) {
  return {
    type: 'object',
    required: ['SeriesInstanceUID', 'SOPInstanceUID', 'part10Base64'],
    properties: {
      SeriesInstanceUID: uidString,
      SOPInstanceUID: uidString,
      part10Base64: { type: 'string', contentEncoding: 'base64', contentMediaType: 'application/dicom', description },
    },
  } as const;
}

const classifiedFile = {
  type: 'object',
  required: ['model', 'StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'findings', 'sr', 'report', 'timingsMs'],
  properties: {
    model: modelSummary,
    StudyInstanceUID: uidString,
    SeriesInstanceUID: uidString,
    SOPInstanceUID: uidString,
    findings,
    sr: encodedObject('The AI result, a TID 1500 Imaging Measurement Report, as a DICOM Part-10 file.'),
    report: encodedObject('The readable TID 2000 report, as a DICOM Part-10 file.'),
    timingsMs: timings,
  },
} as const;

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

const commonErrors = {
  '401': errorResponse('No credential, or a wrong one: send a bearer token (the API token or an OpenID Connect access token) or log in.'),
  '403': errorResponse('The credential lacks the role the route needs, or a cookie-borne request came from another origin.'),
  '429': { ...errorResponse('The work queue is full.'), headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' } } },
  '504': errorResponse('The request took longer than CXR_REQUEST_TIMEOUT_MS (admitted work continues).'),
} as const;

export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'CXR Findings sidecar',
      version,
      description:
        'Chest X-ray findings (TorchXRayVision DenseNet-121) for images in Orthanc, stored as DICOM Structured Reports. ' +
        'Every error is `{ "error": { "code", "message" } }`. /api/health (status only) and this document are public; the rest needs ' +
        '`Authorization: Bearer <token>` (the API token, or an OpenID Connect access token with the route\'s role: read, classify, administer) ' +
        'or the session cookie of a login to the viewer.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        viewerSession: { type: 'apiKey', in: 'cookie', name: 'cxr_session' },
      },
      schemas: { Error: errorSchema },
    },
    paths: {
      [apiPaths.classify]: {
        post: {
          summary: 'Classify the eligible images of a study, series or instance in Orthanc and store one SR per image',
          security: [{ bearer: [] }, { viewerSession: [] }],
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(classifyRequestSchema) } } },
          responses: {
            '200': { description: 'Findings and the SRs (new, or already existing for this image and model).', content: { 'application/json': { schema: classifyReport } } },
            '400': errorResponse('Malformed JSON or an invalid field (the message names it).'),
            '404': errorResponse('A UID is not in Orthanc.'),
            '415': errorResponse('Content-Type is not application/json.'),
            '422': errorResponse('Nothing in the target is a frontal chest radiograph (the message says why).'),
            '502': errorResponse('Orthanc answered with an error.'),
            '503': errorResponse('Orthanc is unreachable, or (code sr-not-stored) it stored none of the SRs: they are kept and retried, see /api/sr-outbox.'),
            ...commonErrors,
          },
        },
      },
      [apiPaths.classifyFile]: {
        post: {
          summary: 'Classify one uploaded DICOM file; the SR comes back as base64 Part-10 (nothing is stored)',
          security: [{ bearer: [] }, { viewerSession: [] }],
          requestBody: { required: true, content: { 'application/dicom': { schema: { type: 'string', contentMediaType: 'application/dicom' } } } },
          responses: {
            '200': { description: 'Findings and the SR.', content: { 'application/json': { schema: classifiedFile } } },
            '400': errorResponse('Empty body or not DICOM (code not-dicom).'),
            '413': errorResponse('Larger than CXR_BODY_LIMIT_MB.'),
            '415': errorResponse('Content-Type is not application/dicom.'),
            '422': errorResponse('DICOM that cannot be classified: not a frontal chest radiograph (ineligible), RGB, no pixel data, unsupported transfer syntax…'),
            ...commonErrors,
          },
        },
      },
      [apiPaths.health]: {
        get: {
          summary: 'Orthanc reachable and model loaded',
          security: [],
          responses: {
            '200': { description: 'Ready.', content: { 'application/json': { schema: { type: 'object' } } } },
            '503': { description: 'Orthanc is unreachable; the body has the checks and an `error`.', content: { 'application/json': { schema: { type: 'object' } } } },
          },
        },
      },
      [apiPaths.model]: {
        get: {
          summary: 'The active model card',
          security: [{ bearer: [] }, { viewerSession: [] }],
          responses: { '200': { description: 'The card (models/*.card.json schema).', content: { 'application/json': { schema: { type: 'object' } } } }, '401': commonErrors['401'] },
        },
      },
      [apiPaths.metrics]: {
        get: {
          summary: 'Prometheus metrics (administer role)',
          security: [{ bearer: [] }],
          responses: { '200': { description: 'Text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } }, '401': commonErrors['401'], '403': commonErrors['403'] },
        },
      },
      [apiPaths.orthancEvent]: {
        post: {
          summary: 'Orthanc stored an instance (called by the Lua hook); classified in the background',
          security: [{ bearer: [] }],
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(orthancEventSchema) } } },
          responses: {
            '202': { description: 'Accepted (or ignored when auto-classify is off).', content: { 'application/json': { schema: { type: 'object' } } } },
            '400': errorResponse('Invalid body.'),
            '401': commonErrors['401'],
          },
        },
      },
      [apiPaths.srOutbox]: {
        get: {
          summary: 'Findings SRs Orthanc has not stored yet: pending (retried with backoff) and failed (kept refusing)',
          security: [{ bearer: [] }],
          responses: { '200': { description: '`{ pending: [...], failed: [...] }`, oldest first.', content: { 'application/json': { schema: { type: 'object' } } } }, '401': commonErrors['401'] },
        },
      },
      [`${apiPaths.srOutbox}/retry`]: {
        post: {
          summary: 'Try the failed SRs again now',
          security: [{ bearer: [] }],
          responses: { '200': { description: '`{ stored, stillUnstored }`.', content: { 'application/json': { schema: { type: 'object' } } } }, '401': commonErrors['401'] },
        },
      },
      [apiPaths.openapi]: {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1.', content: { 'application/json': { schema: { type: 'object' } } } } } },
      },
    },
  } as const;
}
