import { DicomReadError } from '../errors.ts';

/** What the Cornerstone codec decoders (embind classes) report about a decoded frame. */
export interface EmbindFrameInfo {
  readonly width: number;
  readonly height: number;
  readonly bitsPerSample: number;
  readonly componentCount: number;
  readonly isSigned?: boolean;
}

export interface EmbindDecoder {
  /** Resizes the WASM-side input buffer and returns a view of it to fill. */
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): EmbindFrameInfo;
  /** A view of WASM memory, valid until the next call on this decoder. */
  getDecodedBuffer(): Uint8Array;
  /** JPEG-LS only: 0 planar, 1 line, 2 sample interleaved. */
  getInterleaveMode?(): number;
  delete(): void;
}

export interface DecodedEmbindFrame {
  readonly info: EmbindFrameInfo;
  /** A copy of the decoded bytes, ours to keep (the WASM view dies with the decoder). */
  readonly bytes: Uint8Array;
  readonly interleaveMode: number | undefined;
}

type ModuleFactory = (options?: object) => Promise<unknown>;

/**
 * One WASM codec: the module is instantiated on first use and reused; each decode gets a fresh
 * decoder instance, because a decoder that fails (OpenJPEG on a bad header) keeps reporting the
 * previous frame's size and pixels. The codec's own log lines (OpenJPEG prints [INFO]/[ERROR]) are
 * kept off the console and quoted in the error when decoding fails. After a failure the module is
 * dropped too: an aborted Emscripten module cannot be used again.
 */
export class EmbindCodec {
  private module: Promise<Record<string, unknown>> | undefined;
  private log: string[] = [];

  constructor(
    private readonly codecName: string,
    private readonly factory: ModuleFactory,
    private readonly className: string,
  ) {}

  private newDecoder(): Promise<EmbindDecoder> {
    this.module ??= this.factory({
      print: (line: string) => this.log.push(line),
      printErr: (line: string) => this.log.push(line),
    }) as Promise<Record<string, unknown>>;
    return this.module.then((module) => {
      const DecoderClass = module[this.className];
      if (typeof DecoderClass !== 'function') throw new Error(`the WASM module has no ${this.className}`);
      return new (DecoderClass as new () => EmbindDecoder)();
    });
  }

  async decode(encoded: Uint8Array, where: string): Promise<DecodedEmbindFrame> {
    let decoder: EmbindDecoder;
    try {
      decoder = await this.newDecoder();
    } catch (cause) {
      this.module = undefined;
      throw new Error(`${this.codecName}: cannot load its WebAssembly module`, { cause });
    }
    this.log = [];
    try {
      decoder.getEncodedBuffer(encoded.length).set(encoded);
      decoder.decode();
      const info = { ...decoder.getFrameInfo() };
      // Copied out as plain bytes: the view is WASM memory (and libjpeg-turbo's is a Uint8ClampedArray).
      const view = decoder.getDecodedBuffer();
      const bytes = new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
      const interleaveMode = decoder.getInterleaveMode?.();
      decoder.delete();
      return { info, bytes, interleaveMode };
    } catch (cause) {
      this.module = undefined;
      try {
        decoder.delete();
      } catch {
        // An aborted module cannot free anything; it is dropped whole.
      }
      const reason = cause instanceof Error ? cause.message : typeof cause === 'number' ? `native exception ${cause}` : String(cause);
      const codecSaid = this.log.filter((line) => /error/i.test(line)).slice(-2).join('; ');
      throw new DicomReadError(
        'corrupt-pixel-data',
        `${where}: ${this.codecName} could not decode frame 1: ${reason}${codecSaid ? ` (${codecSaid})` : ''}`,
        { cause },
      );
    }
  }
}
