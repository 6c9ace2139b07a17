import { DicomReadError } from '../errors.ts';
import type { DecodedFrame } from './decodedFrame.ts';
import { endsWithEndMarker, type JpegFrameHeader } from './jpegMarkers.ts';

type DcmjsCodecs = typeof import('dcmjs-codecs');

let codecs: Promise<DcmjsCodecs> | undefined;

/**
 * dcmjs-codecs' WebAssembly (IJG libjpeg built for 8, 12 and 16 bits, and more), loaded on the first
 * 12-bit frame only: it is 4 MB, and nothing else here needs it. A failed load is retried next time.
 */
function loadCodecs(): Promise<DcmjsCodecs> {
  codecs ??= import('dcmjs-codecs')
    .then(async (module) => {
      const loaded = ((module as { default?: DcmjsCodecs }).default ?? module) as DcmjsCodecs;
      if (!loaded.NativeCodecs.isInitialized()) await loaded.NativeCodecs.initializeAsync();
      return loaded;
    })
    .catch((cause: unknown) => {
      codecs = undefined;
      throw cause;
    });
  return codecs;
}

/**
 * 12-bit DCT JPEG (ISO 10918-1 process 4, transfer syntax .51) with dcmjs-codecs' low-level
 * `NativeCodecs.decodeJpeg` (its Transcoder refuses .51 as a source; the call itself decodes it exactly,
 * max abs diff 0 against dcmtk's dcmdjpeg). Grey images only: a 12-bit colour JPEG is refused rather
 * than guessed at. The codec takes the frame's geometry from the caller and zero-fills what a short
 * stream lacks, so the geometry comes from the stream's own SOF, the stream must end with EOI, and the
 * output must be exactly that many samples.
 */
export async function decodeJpeg12(encoded: Uint8Array, header: JpegFrameHeader, where: string): Promise<DecodedFrame> {
  if (header.components !== 1) {
    throw new DicomReadError(
      'unsupported-pixel-format',
      `${where}: 12-bit DCT JPEG with ${header.components} components; only single-component (grey) 12-bit JPEG is decoded`,
    );
  }
  if (header.lines === 0 || header.samplesPerLine === 0) {
    throw new DicomReadError('corrupt-pixel-data', `${where}: the JPEG frame header says ${header.samplesPerLine}×${header.lines} (DNL is not supported)`);
  }
  if (!endsWithEndMarker(encoded)) {
    throw new DicomReadError('corrupt-pixel-data', `${where}: frame 1's JPEG stream has no EOI marker at its end (truncated stream)`);
  }
  let module: DcmjsCodecs;
  try {
    module = await loadCodecs();
  } catch (cause) {
    throw new Error('dcmjs-codecs: cannot load its WebAssembly module', { cause });
  }
  const { Context, NativeCodecs } = module;
  const context = new Context({
    width: header.samplesPerLine,
    height: header.lines,
    bitsAllocated: 16,
    bitsStored: 12,
    samplesPerPixel: 1,
    pixelRepresentation: 0,
    planarConfiguration: 0,
    photometricInterpretation: 'MONOCHROME2',
    encodedBuffer: encoded,
  });
  let bytes: Uint8Array | undefined;
  try {
    bytes = NativeCodecs.decodeJpeg(context, { convertColorspaceToRgb: false }).getDecodedBuffer();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DicomReadError('corrupt-pixel-data', `${where}: libjpeg (12-bit) could not decode frame 1: ${reason}`, { cause });
  }
  const samples = header.samplesPerLine * header.lines;
  if (bytes === undefined || bytes.byteLength !== samples * 2) {
    throw new DicomReadError(
      'corrupt-pixel-data',
      `${where}: libjpeg (12-bit) decoded ${bytes?.byteLength ?? 0} bytes, the frame header's ${header.samplesPerLine}×${header.lines} needs ${samples * 2}`,
    );
  }
  // Copied out of the codec's buffer into memory of our own, aligned for 16-bit words.
  const words = new Uint16Array(samples);
  new Uint8Array(words.buffer).set(bytes);
  return { words, width: header.samplesPerLine, height: header.lines, components: 1 };
}
