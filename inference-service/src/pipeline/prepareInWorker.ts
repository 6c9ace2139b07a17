import { parentPort, workerData } from 'node:worker_threads';
import { ClassifyError } from './classifyError.ts';
import { prepareImage, toClassifyError } from './prepareImage.ts';
import type { PrepareRequest, PrepareReply } from './preparePool.ts';

/** The worker side of PreparePool: one file at a time, the tensor handed back without a copy. */
const port = parentPort;
if (port === null) throw new Error('prepareInWorker.ts runs only as a worker thread (see preparePool.ts)');
const { resolution } = workerData as { resolution: number };

/**
 * A naturalized data set as plain data: dcmjs hangs accessor functions on its value arrays, which
 * structured clone refuses. Values themselves (strings, numbers, ArrayBuffers, nested items) are kept.
 */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (typeof v !== 'function') out[key] = plain(v);
  return out;
}

port.on('message', async (request: PrepareRequest) => {
  let reply: PrepareReply;
  try {
    const prepared = await prepareImage(request.part10, resolution, request.options);
    // Pixel Data stays here: the caller needs the header (UIDs, the SR's patient and study), not a second copy of the image.
    const { PixelData: _pixels, ...dataset } = prepared.dataset;
    reply = { id: request.id, prepared: { ...prepared, dataset: plain(dataset) as typeof dataset } };
    port.postMessage(reply, [prepared.input.tensor.buffer as ArrayBuffer]);
  } catch (cause) {
    const error = cause instanceof ClassifyError ? cause : toClassifyError(cause, 'unreadable-dicom');
    reply = { id: request.id, error: { code: error.code, message: error.message } };
    port.postMessage(reply);
  }
});
