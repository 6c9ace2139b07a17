import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModelCommand } from '../../inference-service/src/cli/modelCommand.ts';
import { loadActiveModel } from '../../inference-service/src/model/activeModel.ts';
import { FindingsModel } from '../../inference-service/src/model/findingsModel.ts';
import { readModelCard, upstreamCardPath } from '../../inference-service/src/model/modelCard.ts';
import type { ModelCard } from '../../inference-service/src/model/modelCard.ts';
import { importModel } from '../../inference-service/src/torch/importModel.ts';
import { fixedInputs, pickleExecutedMarker, readJson, torchFixture } from './torchFixtures.ts';
import type { ReferenceImage, TinyDenseNetReference } from './torchFixtures.ts';

const reference = readJson<TinyDenseNetReference>('tiny-densenet.expected.json');
const halfReference = readJson<{ images: ReferenceImage[] }>('tiny-densenet.half.expected.json');
const scratch = mkdtempSync(join(tmpdir(), 'cxr-import-test-'));
let counter = 0;
const freshDir = (): string => mkdtempSync(join(scratch, `m${counter++}-`));

/** Runs the active model of `dir` on the fixed inputs, as the product will. */
async function runImported(dir: string) {
  const { card, onnxPath } = await loadActiveModel(dir);
  const model = await FindingsModel.create({ card, onnxPath, intraOpThreads: 1 });
  try {
    return await model.run(fixedInputs());
  } finally {
    await model.dispose();
  }
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
};

describe('importModel', () => {
  let upstream: ModelCard;
  beforeAll(async () => {
    upstream = await readModelCard(upstreamCardPath);
    rmSync(pickleExecutedMarker, { force: true });
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  describe('PyTorch-written files of TorchXRayVision DenseNet', () => {
    it.each([
      ['legacy', 'module', reference.files.legacyModule.file, reference.images],
      ['zip', 'state-dict', reference.files.zipStateDict.file, reference.images],
      ['zip', 'state-dict', reference.files.halfZipStateDict.file, halfReference.images],
      // Older PyTorch layouts: a pickled `_backend` factory call on every module (≤ 1.1), Parameter(data, grad) (0.4).
      ['legacy', 'module', 'tiny-densenet.old-torch-layout.legacy.pt', reference.images],
    ] as const)('should import a %s-format %s (%s) whose ONNX outputs equal PyTorch within 1e-4', async (format, contents, file, expected) => {
      const dir = freshDir();
      const result = await importModel(torchFixture(file), { modelsDir: dir });
      expect(result.format).toBe(format);
      expect(result.contents).toBe(contents);
      const { architecture } = result.active.card;
      expect([architecture.growthRate, architecture.blockConfig, architecture.numInitFeatures, architecture.bnSize]).toEqual([
        reference.architecture.growthRate, reference.architecture.blockConfig, reference.architecture.numInitFeatures, reference.architecture.bnSize,
      ]);
      const output = await runImported(dir);
      expected.forEach((image, n) => {
        expect(maxAbsDiff(output.logits[n] ?? [], image.logits)).toBeLessThan(1e-4);
        expect(maxAbsDiff(output.probabilities[n] ?? [], image.probabilities)).toBeLessThan(1e-4);
      });
    });

    it('should import a file that is not the published one as custom, with the warning in its card', async () => {
      const dir = freshDir();
      const result = await importModel(torchFixture(reference.files.legacyModule.file), { modelsDir: dir });
      const { card } = await loadActiveModel(dir);
      expect(card.kind).toBe('custom');
      expect(card.id).toBe(`custom-${reference.files.legacyModule.sha256.slice(0, 12)}`);
      expect(card.weights?.sha256).toBe(reference.files.legacyModule.sha256);
      expect(card.warning).toMatch(/^CUSTOM MODEL: tiny-densenet\.legacy\.pt .* is not the published TorchXRayVision weights/);
      expect(card.labels).toEqual(upstream.labels);
      expect(result.fileSha256).toBe(reference.files.legacyModule.sha256);
    });

    it('should import the file the card names as upstream, with the card\'s identity and no warning', async () => {
      const dir = freshDir();
      const file = torchFixture(reference.files.zipStateDict.file);
      const { growthRate, blockConfig, numInitFeatures, bnSize } = reference.architecture;
      const card: ModelCard = {
        ...upstream,
        architecture: { ...upstream.architecture, growthRate, blockConfig, numInitFeatures, bnSize },
        weights: { ...upstream.weights, size: readFileSync(file).length, sha256: reference.files.zipStateDict.sha256 },
      };
      await importModel(file, { modelsDir: dir, upstreamCard: card, strict: true });
      const active = await loadActiveModel(dir);
      expect(active.card.kind).toBe('upstream');
      expect(active.card.id).toBe(upstream.id);
      expect(active.card.warning).toBeUndefined();
    });
  });

  describe('files that must be refused', () => {
    it('should refuse a file whose hash differs from the card with --strict, writing nothing', async () => {
      const dir = freshDir();
      await expect(importModel(torchFixture(reference.files.legacyModule.file), { modelsDir: dir, strict: true })).rejects.toThrow(
        new RegExp(`--strict: .*tiny-densenet\\.legacy\\.pt is \\d+ bytes with SHA-256 ${reference.files.legacyModule.sha256}; the card densenet121-res224-all expects 28382008 bytes .*Refused`),
      );
      expect(readdirSync(dir)).toEqual([]);
    });

    it('should say a ResNet is not this DenseNet, naming its class', async () => {
      await expect(importModel(torchFixture('not-densenet-resnet.legacy.pt'), { modelsDir: freshDir() })).rejects.toThrow(
        /\(torchxrayvision\.models\.ResNet\) is not this DenseNet: the weights have no 'features\.conv0\.weight'/,
      );
    });

    it('should say a DenseNet with 14 classes is not this DenseNet', async () => {
      await expect(importModel(torchFixture('densenet-14-classes.legacy.pt'), { modelsDir: freshDir() })).rejects.toThrow(
        /not this DenseNet: its classifier has 14 outputs, densenet121-res224-all has 18 findings/,
      );
    });

    it('should refuse the malicious pickles before building anything, and nothing runs', async () => {
      const dir = freshDir();
      await expect(importModel(torchFixture('evil-posix-system.legacy.pt'), { modelsDir: dir })).rejects.toThrow(/'posix\.system'/);
      await expect(importModel(torchFixture('evil-builtins-eval.zip.pt'), { modelsDir: dir })).rejects.toThrow(/'__builtin__\.eval'/);
      expect(existsSync(pickleExecutedMarker)).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    });

    it('should say which file cannot be read', async () => {
      await expect(importModel(join(scratch, 'absent.pt'), { modelsDir: freshDir() })).rejects.toThrow(/cannot read .*absent\.pt/);
    });
  });

  describe('the model command', () => {
    it('should import, then show the active model with its kind and warning', async () => {
      const dir = freshDir();
      const lines: string[] = [];
      const original = { log: console.log, warn: console.warn };
      console.log = (...a: unknown[]) => lines.push(a.join(' '));
      console.warn = (...a: unknown[]) => lines.push(a.join(' '));
      try {
        expect(await runModelCommand(['import', torchFixture(reference.files.legacyModule.file), '--models-dir', dir])).toBe(0);
        expect(await runModelCommand(['show', '--models-dir', dir])).toBe(0);
      } finally {
        Object.assign(console, original);
      }
      const text = lines.join('\n');
      expect(text).toMatch(/Imported custom-\w{12} \(custom\) from a legacy-format module \(torchxrayvision\.models\.DenseNet\)/);
      expect(text).toMatch(/WARNING: CUSTOM MODEL/);
      expect(text).toMatch(/Active model: custom-\w{12} \(custom\)/);
    });

    it('should refuse with --strict through the command line too', async () => {
      await expect(runModelCommand(['import', torchFixture(reference.files.legacyModule.file), '--strict', '--models-dir', freshDir()])).rejects.toThrow(/Refused/);
    });
  });
});
