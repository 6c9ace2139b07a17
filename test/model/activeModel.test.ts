import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activateModel, loadActiveModel, sha256Hex } from '../../inference-service/src/model/index.ts';
import type { ModelCard } from '../../inference-service/src/model/index.ts';
import { cardWith, scratchDir } from './modelFiles.ts';

describe('activateModel / loadActiveModel', () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let card: ModelCard;
  const onnxBytes = new TextEncoder().encode('stands in for an ONNX file: only its bytes and hash matter here');

  beforeEach(async () => {
    scratch = await scratchDir();
    card = { ...(await cardWith()), kind: 'custom', id: 'imported-test', warning: 'test' };
  });
  afterEach(async () => {
    await scratch.remove();
  });

  describe('a model activated', () => {
    it('should write <id>.onnx and active.json, the card with the ONNX file and its hash', async () => {
      const active = await activateModel(card, onnxBytes, scratch.dir);
      expect(active.onnxPath).toBe(join(scratch.dir, 'imported-test.onnx'));
      expect(await readFile(active.onnxPath)).toEqual(Buffer.from(onnxBytes));
      const written = JSON.parse(await readFile(join(scratch.dir, 'active.json'), 'utf8')) as ModelCard;
      expect(written.onnx).toEqual({ file: 'imported-test.onnx', sha256: sha256Hex(onnxBytes), outputs: ['logits', 'features'] });
      expect(written).toMatchObject({ id: 'imported-test', kind: 'custom', labels: card.labels });
    });

    it('should be what loadActiveModel reads back', async () => {
      const active = await activateModel(card, onnxBytes, scratch.dir);
      expect(await loadActiveModel(scratch.dir)).toEqual(active);
    });
  });

  describe('failures', () => {
    it('should say how to make a model when none is active', async () => {
      await expect(loadActiveModel(scratch.dir)).rejects.toThrow(/No active model: .*active\.json does not exist\. Run `npm run setup`/);
    });

    it('should refuse an ONNX file changed after activation, naming both hashes', async () => {
      const active = await activateModel(card, onnxBytes, scratch.dir);
      await writeFile(active.onnxPath, 'tampered');
      await expect(loadActiveModel(scratch.dir)).rejects.toThrow(
        new RegExp(`Active model 'imported-test': .*imported-test\\.onnx has SHA-256 ${sha256Hex(new TextEncoder().encode('tampered'))}, its card .* records ${sha256Hex(onnxBytes)}`),
      );
    });

    it('should refuse a missing ONNX file, naming it', async () => {
      const active = await activateModel(card, onnxBytes, scratch.dir);
      await rm(active.onnxPath);
      await expect(loadActiveModel(scratch.dir)).rejects.toThrow(/Active model 'imported-test': its ONNX file .*imported-test\.onnx cannot be read/);
    });

    it('should refuse a card whose ONNX file points outside the models folder', async () => {
      const onnx = { file: '../elsewhere.onnx', sha256: sha256Hex(onnxBytes) };
      await writeFile(join(scratch.dir, 'active.json'), JSON.stringify({ ...card, onnx }));
      await expect(loadActiveModel(scratch.dir)).rejects.toThrow(/onnx\.file '\.\.\/elsewhere\.onnx' must be a file name inside/);
    });

    it('should refuse an invalid card, naming the field', async () => {
      await writeFile(join(scratch.dir, 'active.json'), JSON.stringify({ ...card, operatingThresholds: [0.5] }));
      await expect(loadActiveModel(scratch.dir)).rejects.toThrow(/active\.json is invalid at 'operatingThresholds'/);
    });
  });
});
