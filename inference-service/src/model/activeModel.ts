import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { denseNetOnnxNames } from './onnxNames.ts';
import { modelsDir, readModelCard } from './modelCard.ts';
import type { ModelCard } from './modelCard.ts';

export interface ActiveModel {
  /** The card, with `onnx` set. */
  readonly card: ModelCard & { readonly onnx: NonNullable<ModelCard['onnx']> };
  readonly onnxPath: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Resolves the card's ONNX file name inside `dir`, refusing anything that is not a plain file name. */
function onnxPathOf(card: ModelCard, dir: string, where: string): string {
  const file = card.onnx?.file;
  if (!file) throw new Error(`Model card ${where} has no 'onnx' entry: it describes no built model`);
  if (basename(file) !== file || file.startsWith('.')) {
    throw new Error(`Model card ${where}: onnx.file '${file}' must be a file name inside ${dir}`);
  }
  return resolve(dir, file);
}

/**
 * Reads `models/active.json` (the card of the active model), validates it and checks that its ONNX file
 * exists and has the recorded SHA-256. Throws naming the file and what is wrong; a missing active model says
 * how to make one.
 */
export async function loadActiveModel(dir = modelsDir): Promise<ActiveModel> {
  const cardPath = resolve(dir, 'active.json');
  try {
    await stat(cardPath);
  } catch (cause) {
    throw new Error(`No active model: ${cardPath} does not exist. Run \`npm run setup\` (demo model) or \`cxr-findings model import <file.pt>\``, { cause });
  }
  const card = await readModelCard(cardPath);
  const onnxPath = onnxPathOf(card, dir, cardPath);
  let bytes: Buffer;
  try {
    bytes = await readFile(onnxPath);
  } catch (cause) {
    throw new Error(`Active model '${card.id}': its ONNX file ${onnxPath} cannot be read`, { cause });
  }
  const actual = sha256Hex(bytes);
  const onnx = card.onnx;
  if (!onnx || actual !== onnx.sha256) {
    throw new Error(`Active model '${card.id}': ${onnxPath} has SHA-256 ${actual}, its card ${cardPath} records ${onnx?.sha256 ?? 'none'}`);
  }
  return { card: { ...card, onnx }, onnxPath };
}

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

/**
 * Makes a built model the active one: writes `<card.id>.onnx` into `models/`, then `active.json` — the card
 * with `onnx: { file, sha256, outputs }` filled in — last, so an interrupted write never leaves a card
 * pointing to a half-written file. Returns what `loadActiveModel()` will return.
 */
export async function activateModel(card: ModelCard, onnxBytes: Uint8Array, dir = modelsDir): Promise<ActiveModel> {
  const file = `${card.id}.onnx`;
  const onnx = { file, sha256: sha256Hex(onnxBytes), outputs: [denseNetOnnxNames.logits, denseNetOnnxNames.features] };
  const active = { ...card, onnx, createdAt: card.createdAt ?? new Date().toISOString() };
  const onnxPath = onnxPathOf(active, dir, `for '${card.id}'`);
  // CXR_MODELS_DIR may name a directory nobody has made yet (a fresh volume).
  await mkdir(dir, { recursive: true });
  await writeAtomically(onnxPath, onnxBytes);
  const cardPath = resolve(dir, 'active.json');
  await writeAtomically(cardPath, `${JSON.stringify(active, null, 2)}\n`);
  return { card: active, onnxPath };
}
