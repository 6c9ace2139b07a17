/**
 * The buffer a view fills alone, which can move to another thread instead of being copied; undefined for a
 * view into a larger buffer (moving it would take its neighbours along) or a SharedArrayBuffer. The model's
 * and the prepare pool's threads share it; ortWorker.mjs, plain JavaScript, checks the same inline.
 */
export function ownBuffer(view: ArrayBufferView): ArrayBuffer | undefined {
  const { buffer } = view;
  return buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength ? buffer : undefined;
}
