/**
 * `npm run build:wasm`: assembles the product's WebAssembly text into the modules it loads. The bytes go
 * into a TypeScript module, base64, so `tsx` and the compiled dist load them alike with no file beside the
 * code; the assembled text stays the source a reviewer reads. A test assembles it again and compares.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import wabt from 'wabt';

const simdDir = resolve(import.meta.dirname, '../../inference-service/src/xray/simd');
export const rowSums = { wat: resolve(simdDir, 'rowSums.wat'), module: resolve(simdDir, 'rowSumsModule.ts') };

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

/** The generated module's text for `bytes`. */
export function moduleSource(bytes: Uint8Array): string {
  return [
    '// Generated from rowSums.wat by `npm run build:wasm` (tooling/setup/assembleWasm.ts); a test assembles',
    '// the text again and fails if these bytes differ. Edit the .wat, never this file.',
    `export const rowSumsWasm = '${Buffer.from(bytes).toString('base64')}';`,
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await writeFile(rowSums.module, moduleSource(await assembleWat(rowSums.wat)));
  console.log(`wrote ${rowSums.module}`);
}
