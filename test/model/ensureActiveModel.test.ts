import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activateModel, demoWarning, loadActiveModel } from '../../inference-service/src/model/index.ts';
import { ensureActiveModel } from '../../tooling/setup/activeModel.ts';
import { cardWith, scratchDir } from './modelFiles.ts';

describe('ensureActiveModel', () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  beforeEach(async () => {
    scratch = await scratchDir();
  });
  afterEach(async () => {
    await scratch.remove();
  });

  describe('a fresh models folder', () => {
    it('should build and activate the labelled demo model, then keep it', async () => {
      const built = await ensureActiveModel(scratch.dir);
      expect(built.card).toMatchObject({ id: 'densenet121-res224-all-demo', kind: 'demo', warning: demoWarning });
      expect(built.onnxPath).toBe(join(scratch.dir, 'densenet121-res224-all-demo.onnx'));
      expect(await loadActiveModel(scratch.dir)).toEqual(built);
      expect(await ensureActiveModel(scratch.dir)).toEqual(built);
    });
  });

  describe('a broken active model', () => {
    it('should rebuild a demo model whose ONNX file was damaged', async () => {
      const built = await ensureActiveModel(scratch.dir);
      await writeFile(built.onnxPath, 'damaged');
      const rebuilt = await ensureActiveModel(scratch.dir);
      expect(rebuilt.card.onnx.sha256).toBe(built.card.onnx.sha256);
      expect((await readFile(rebuilt.onnxPath)).length).toBeGreaterThan(28_000_000);
    });

    it('should rebuild a demo model made from another card (say, older thresholds)', async () => {
      const built = await ensureActiveModel(scratch.dir);
      const cardPath = join(scratch.dir, 'active.json');
      const stale = { ...built.card, operatingThresholds: built.card.operatingThresholds.map(() => 0.5) };
      await writeFile(cardPath, JSON.stringify(stale));
      expect((await loadActiveModel(scratch.dir)).card.operatingThresholds[0]).toBe(0.5);
      const rebuilt = await ensureActiveModel(scratch.dir);
      expect(rebuilt.card.operatingThresholds).toEqual(built.card.operatingThresholds);
    });

    it('should not replace a damaged imported model, but say what is wrong', async () => {
      const imported = await activateModel({ ...(await cardWith()), kind: 'upstream' }, new Uint8Array([1, 2, 3]), scratch.dir);
      await writeFile(imported.onnxPath, 'damaged');
      await expect(ensureActiveModel(scratch.dir)).rejects.toThrow(/Active model 'densenet121-res224-all': .* has SHA-256/);
    });
  });
});
