// One onnxruntime session in a worker thread. onnxruntime-node computes a run on the thread that calls
// it, so in the sidecar's main thread a forward pass would stall every request for its whole length —
// Orthanc's too, since its Lua hook holds Orthanc's Lua lock until the sidecar answers.
// Plain JavaScript: a worker does not inherit the TypeScript loader of tsx or of the test runner.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

let session;
try {
  session = await ort.InferenceSession.create(workerData.onnxPath, workerData.sessionOptions);
} catch (error) {
  parentPort.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  parentPort.close();
}

if (session) {
  parentPort.postMessage({
    type: 'ready',
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata.map((m) => ({ ...m, shape: m.isTensor ? [...m.shape] : undefined })),
    outputMetadata: session.outputMetadata.map((m) => ({ ...m, shape: m.isTensor ? [...m.shape] : undefined })),
  });
  parentPort.on('message', async (message) => {
    if (message.type === 'release') {
      await session.release();
      parentPort.close();
      return;
    }
    try {
      const feeds = {};
      for (const [name, { data, dims }] of Object.entries(message.feeds)) feeds[name] = new ort.Tensor('float32', data, dims);
      const results = await session.run(feeds, message.fetches);
      const outputs = {};
      for (const name of message.fetches) outputs[name] = { data: results[name].data, dims: [...results[name].dims] };
      // onnxruntime-node copies each output into an ArrayBuffer of its own, which can move rather than be copied again.
      const buffers = [];
      for (const { data } of Object.values(outputs)) {
        const whole = data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
        if (whole && !buffers.includes(data.buffer)) buffers.push(data.buffer);
      }
      parentPort.postMessage({ type: 'result', id: message.id, outputs }, buffers);
    } catch (error) {
      parentPort.postMessage({ type: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) });
    }
  });
}
