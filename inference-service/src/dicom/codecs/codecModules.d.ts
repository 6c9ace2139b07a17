/**
 * The decoders' JavaScript entry points ship no types. The Cornerstone codecs are Emscripten/embind
 * factories resolving to a WASM module; `embind.ts` types the decoder classes they hold.
 */
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: (options?: object) => Promise<unknown>;
  export default factory;
}
declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: (options?: object) => Promise<unknown>;
  export default factory;
}
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: (options?: object) => Promise<unknown>;
  export default factory;
}
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    constructor();
    /** Decodes a lossless JPEG (ISO 10918-1 process 14) stream; up to 8 bits → Uint8Array, else Uint16Array. */
    decode(buffer: ArrayBuffer, offset?: number, length?: number, numBytes?: number): Uint8Array | Uint16Array;
    readonly xDim: number;
    readonly yDim: number;
    readonly numComp: number;
    readonly precision: number | undefined;
  }
}

declare module '@cornerstonejs/codec-openjph/wasmjs' {
  const factory: (options?: object) => Promise<unknown>;
  export default factory;
}
