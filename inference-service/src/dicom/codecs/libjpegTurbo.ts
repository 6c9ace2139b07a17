import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import loadLibjpegTurboModule from '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs';
import { idctIslowWasm } from './simd/idctIslowModule.ts';

/**
 * Cornerstone's libjpeg-turbo WebAssembly build, with its inverse DCT in SIMD. libjpeg-turbo's SIMD is
 * per-architecture assembly with no WebAssembly back end, so this build runs jpeg_idct_islow in scalar
 * code: on the real 1024² radiograph it was ~55% of the decoder's time (the Huffman decoding ~30%), and
 * the decoder was ~half of what a folder spends outside the model. simd/idctIslow.wat is the same
 * function to the bit, four lanes at a time; libjpeg calls its IDCT through a function pointer, so the
 * new function goes into that table entry and nothing else of the build changes.
 *
 * The entry and the struct offset the function reads (compptr->dct_table) were read from one build,
 * pinned here by its hash: any other build (a new package version) runs unchanged with its own IDCT,
 * and a test fails to say the pin needs reading again.
 */
const pinnedBuild = {
  sha256: 'a8d104602540b9e7aeefeaac23af7380f40c5a3460291d40246a26783929a696',
  /** jpeg_idct_islow's function index in that build (a table entry's `name`): the one with jidctint.c's constants. */
  islowFunction: '354',
};

export type IdctCode = 'simd' | 'scalar';

export interface LibjpegTurbo {
  /** The Emscripten module (its embind classes: JPEGDecoder). */
  readonly module: Record<string, unknown>;
  /** Which inverse DCT it runs. */
  readonly idct: IdctCode;
  /** Where libjpeg finds its accurate integer IDCT, when this is the pinned build (tests call what is there). */
  readonly islow: PinnedIslow | undefined;
}

/** What of a WebAssembly.Table this needs (Node's typings declare no Table). */
export interface FunctionTable {
  readonly length: number;
  get(index: number): unknown;
  set(index: number, value: unknown): void;
}

let build: { readonly bytes: Uint8Array; readonly pinned: boolean } | undefined;
let idctModule: WebAssembly.Module | undefined;

/** The build's bytes (read once a thread; a module is made again after a decoder aborts) and whether it is the pinned one. */
function buildBytes(): { readonly bytes: Uint8Array; readonly pinned: boolean } {
  if (!build) {
    const bytes = readFileSync(createRequire(import.meta.url).resolve('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm'));
    build = { bytes, pinned: createHash('sha256').update(bytes).digest('hex') === pinnedBuild.sha256 };
  }
  return build;
}

function islowSlotOf(table: FunctionTable): number | undefined {
  for (let slot = 0; slot < table.length; slot += 1) {
    const entry = table.get(slot) as { name?: string } | null;
    if (entry?.name === pinnedBuild.islowFunction) return slot;
  }
  return undefined;
}

export interface PinnedIslow {
  readonly table: FunctionTable;
  /** The build's memory, which the SIMD IDCT imports. */
  readonly memory: WebAssembly.Memory;
  readonly slot: number;
}

/** jpeg_idct_islow's table entry when `instance` is of the pinned build, else undefined. */
function pinnedIslow(instance: WebAssembly.Instance, pinned: boolean): PinnedIslow | undefined {
  if (!pinned) return undefined;
  const exports = Object.values(instance.exports);
  const memory = exports.find((value): value is WebAssembly.Memory => value instanceof WebAssembly.Memory);
  const table = exports.find((value): value is FunctionTable => value instanceof (WebAssembly as unknown as { Table: abstract new () => FunctionTable }).Table);
  const slot = table ? islowSlotOf(table) : undefined;
  return table && memory && slot !== undefined ? { table, memory, slot } : undefined;
}

/** Puts the SIMD IDCT in the table; false if the engine refuses it, and the build keeps its own. */
function installSimdIdct({ table, memory, slot }: PinnedIslow): boolean {
  try {
    idctModule ??= new WebAssembly.Module(Buffer.from(idctIslowWasm, 'base64'));
    const idct = new WebAssembly.Instance(idctModule, { env: { memory } });
    table.set(slot, idct.exports['idctIslow'] as (...args: number[]) => void);
    return true;
  } catch {
    return false;
  }
}

/** WebAssembly.instantiate, which Node's typings leave out. */
const instantiate = (WebAssembly as unknown as {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: WebAssembly.Instance; module: WebAssembly.Module }>;
}).instantiate;

/**
 * A new libjpeg-turbo module, its IDCT in SIMD unless `simdIdct` is false (the tests compare the two).
 * `options` are Emscripten's (print, printErr).
 */
export async function loadLibjpegTurbo(options: object = {}, simdIdct = true): Promise<LibjpegTurbo> {
  const { bytes, pinned } = buildBytes();
  let loaded: Omit<LibjpegTurbo, 'module'> | undefined;
  let failed: (cause: unknown) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => {
    failed = reject;
  });
  // Emscripten's hook for instantiating the module ourselves: it waits for `receive`, so a failure must
  // end the wait here.
  const instantiateWasm = (imports: Record<string, Record<string, unknown>>, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void): object => {
    instantiate(bytes, imports)
      .then(({ instance, module }) => {
        const islow = pinnedIslow(instance, pinned);
        const installed = islow !== undefined && simdIdct && installSimdIdct(islow);
        loaded = { islow, idct: installed ? 'simd' : 'scalar' };
        receive(instance, module);
      })
      .catch(failed);
    return {};
  };
  const module = (await Promise.race([loadLibjpegTurboModule({ ...options, instantiateWasm }), failure])) as Record<string, unknown>;
  if (!loaded) throw new Error('libjpeg-turbo: its WebAssembly module resolved without being instantiated');
  return { module, ...loaded };
}
