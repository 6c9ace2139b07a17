import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { cardsDir, modelsDir } from '../config/paths.ts';

export { modelsDir };
export const upstreamCardPath = resolve(cardsDir, 'densenet121-res224-all.card.json');
export const activeCardPath = resolve(modelsDir, 'active.json');

export const modelKinds = ['demo', 'upstream', 'custom'] as const;
export type ModelKind = (typeof modelKinds)[number];

const findingCount = 18;

export const modelCardSchema = z.object({
  id: z.string().min(1),
  /** demo: seeded weights, not clinically meaningful; upstream: the published file, hash-checked; custom: anything else. */
  kind: z.enum(modelKinds),
  name: z.string().min(1),
  architecture: z.object({
    family: z.literal('densenet'),
    growthRate: z.number().int().positive(),
    blockConfig: z.array(z.number().int().positive()).min(1),
    numInitFeatures: z.number().int().positive(),
    bnSize: z.number().int().positive(),
    inChannels: z.literal(1),
  }),
  input: z.object({
    resolution: z.number().int().positive(),
    channels: z.literal(1),
    range: z.tuple([z.number(), z.number()]),
  }),
  labels: z.array(z.string().min(1)).length(findingCount),
  operatingThresholds: z.array(z.number().gt(0).lt(1)).length(findingCount),
  weights: z
    .object({
      url: z.string().url().optional(),
      fileName: z.string().optional(),
      size: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      format: z.string().optional(),
    })
    .optional(),
  /** Present once the card describes a built model: the ONNX file beside the card and its hash. */
  onnx: z
    .object({
      file: z.string().min(1),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      outputs: z.array(z.string()).optional(),
    })
    .optional(),
  /** Shown wherever results are shown when set (always for demo and custom models). */
  warning: z.string().optional(),
  source: z.string().optional(),
  reference: z.string().optional(),
  createdAt: z.string().optional(),
});

export type ModelCard = z.infer<typeof modelCardSchema>;

/** Reads and validates a card; the error names the file and the first offending field. */
export async function readModelCard(path: string): Promise<ModelCard> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new Error(`Model card ${path} cannot be read as JSON`, { cause });
  }
  const parsed = modelCardSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Model card ${path} is invalid at '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'unknown'}`);
  }
  return parsed.data;
}

/** The warning every output carries for a model whose numbers mean nothing clinically. */
export const demoWarning =
  'DEMO MODEL: seeded random weights, not TorchXRayVision. These findings are NOT clinically meaningful. ' +
  'Import the real weights with `cxr-findings model import <file.pt>`.';
