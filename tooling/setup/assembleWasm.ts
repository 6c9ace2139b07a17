/**
 * `npm run build:wasm`: assembles the product's WebAssembly text into the modules it loads. The bytes go
 * into a TypeScript module, base64, so `tsx` and the compiled dist load them alike with no file beside the
 * code; the assembled text stays the source a reviewer reads. A test assembles it again and compares.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import wabt from 'wabt';

const sources = resolve(import.meta.dirname, '../../inference-service/src');

/** A .wat file, the generated module beside it, and the name of the base64 string that module exports. */
export interface WasmSource {
  readonly wat: string;
  readonly module: string;
  readonly exportName: string;
}

function wasmSource(dir: string, name: string): WasmSource {
  return { wat: resolve(sources, dir, `${name}.wat`), module: resolve(sources, dir, `${name}Module.ts`), exportName: `${name}Wasm` };
}

export const rowSums = wasmSource('xray/simd', 'rowSums');
export const idctIslow = wasmSource('dicom/codecs/simd', 'idctIslow');
const all = [rowSums, idctIslow];

/** The binary of a .wat file (SIMD enabled), validated. */
export async function assembleWat(path: string): Promise<Uint8Array> {
  const tools = await wabt();
  const parsed = tools.parseWat(path, await readFile(path, 'utf8'), { simd: true });
  try {
    parsed.validate();
    return parsed.toBinary({}).buffer;
  } finally {
    parsed.destroy();
  }
}

/** The generated module's text for `source`, assembled as `bytes`. */
export function moduleSource(source: WasmSource, bytes: Uint8Array): string {
  return [
    `// Generated from ${basename(source.wat)} by \`npm run build:wasm\` (tooling/setup/assembleWasm.ts); a test assembles`,
    '// the text again and fails if these bytes differ. Edit the .wat, never this file.',
    `export const ${source.exportName} = '${Buffer.from(bytes).toString('base64')}';`,
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const source of all) {
    await writeFile(source.module, moduleSource(source, await assembleWat(source.wat)));
    console.log(`wrote ${source.module}`);
  }
}
