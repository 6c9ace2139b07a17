import { existsSync, readFileSync, rmSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../../inference-service/src/torch/pickleValues.ts';
import { readCheckpoint } from '../../inference-service/src/torch/readCheckpoint.ts';
import { toStateDict } from '../../inference-service/src/torch/stateDict.ts';
import { pickleExecutedMarker, readJson, torchFixture } from './torchFixtures.ts';
import type { TinyDenseNetReference } from './torchFixtures.ts';

type TensorsReference = Record<string, { dtype: string; shape: number[]; values: (number | boolean)[] }>;

const load = (file: string) => {
  const bytes = readFileSync(torchFixture(file));
  return { bytes, checkpoint: readCheckpoint(bytes, file) };
};

/** A protocol-2 pickle: PROTO 2, the body, STOP. */
const pickle = (body: string): Uint8Array => Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.from(body, 'latin1'), Buffer.from('.')]);

describe('readCheckpoint', () => {
  beforeAll(() => rmSync(pickleExecutedMarker, { force: true }));

  describe('tensors of every dtype and layout PyTorch wrote', () => {
    const expected = readJson<TensorsReference>('tensors.expected.json');
    for (const [file, format] of [['tensors.legacy.pt', 'legacy'], ['tensors.zip.pt', 'zip']] as const) {
      it(`should read ${format}-format tensors with their dtype, shape and values, respecting stride and offset`, () => {
        const { checkpoint } = load(file);
        expect(checkpoint.format).toBe(format);
        const { stateDict, kind } = toStateDict(checkpoint.value, file);
        expect(kind).toBe('state-dict');
        expect([...stateDict.keys()]).toEqual(Object.keys(expected));
        for (const [name, want] of Object.entries(expected)) {
          const tensor = stateDict.get(name);
          expect(tensor?.dtype, name).toBe(want.dtype);
          expect(tensor?.shape, name).toEqual(want.shape);
          expect(tensor?.toNumbers(), name).toEqual(want.values.map(Number));
        }
      });
    }

    it('should widen half precision to float32 exactly', () => {
      const { checkpoint } = load('tensors.zip.pt');
      const half = toStateDict(checkpoint.value, 'tensors.zip.pt').stateDict.get('half');
      expect(Array.from(half?.toFloat32() ?? [])).toEqual([1.5, -2.25, 65504, 2 ** -14, 2 ** -24, 0]);
    });

    it('should give a transposed tensor in row-major order as float32', () => {
      const { checkpoint } = load('tensors.legacy.pt');
      const transposed = toStateDict(checkpoint.value, 'tensors.legacy.pt').stateDict.get('transposed');
      expect(transposed?.stride).toEqual([1, 6]);
      expect(Array.from(transposed?.toFloat32().subarray(0, 8) ?? [])).toEqual([0, 6, 12, 18, 1, 7, 13, 19]);
    });
  });

  describe('a whole pickled TorchXRayVision module and a state dict', () => {
    const reference = readJson<TinyDenseNetReference>('tiny-densenet.expected.json');

    it('should walk the module tree to exactly the names model.state_dict() gives, in its order', () => {
      const { checkpoint } = load(reference.files.legacyModule.file);
      expect(checkpoint.format).toBe('legacy');
      const source = toStateDict(checkpoint.value, 'legacy');
      expect(source.kind).toBe('module');
      expect(source.rootClass).toBe('torchxrayvision.models.DenseNet');
      expect([...source.stateDict.keys()]).toEqual(reference.stateDictNames);
    });

    it('should read the same tensors from the zip-format state dict as from the legacy module', () => {
      const legacy = toStateDict(load(reference.files.legacyModule.file).checkpoint.value, 'legacy').stateDict;
      const zip = load(reference.files.zipStateDict.file);
      expect(zip.checkpoint.format).toBe('zip');
      const stateDict = toStateDict(zip.checkpoint.value, 'zip').stateDict;
      expect([...stateDict.keys()]).toEqual(reference.stateDictNames);
      for (const [name, tensor] of stateDict) {
        expect(Array.from(tensor.toFloat32()), name).toEqual(Array.from(legacy.get(name)?.toFloat32() ?? []));
      }
    });
  });

  describe('files that must be refused', () => {
    it('should refuse a pickle naming posix.system (os.system) without running it', () => {
      expect(() => load('evil-posix-system.legacy.pt')).toThrow(/global 'posix\.system', which is not allowed.*nothing was executed/);
      expect(existsSync(pickleExecutedMarker)).toBe(false);
    });

    it('should refuse a zip checkpoint naming builtins eval without running it', () => {
      expect(() => load('evil-builtins-eval.zip.pt')).toThrow(/global '__builtin__\.eval', which is not allowed/);
      expect(existsSync(pickleExecutedMarker)).toBe(false);
    });

    it.each([
      ['subprocess.Popen', 'csubprocess\nPopen\n(S\'touch x\'\ntR'],
      ['builtins.exec', 'cbuiltins\nexec\n(S\'1\'\ntR'],
      ['numpy.core.multiarray._reconstruct', 'cnumpy.core.multiarray\n_reconstruct\n'],
      ['torch.load', 'ctorch\nload\n'],
    ])('should name the unexpected global %s', (name, body) => {
      const bytes = pickle(body);
      expect(() => readCheckpoint(Buffer.concat([pickle('\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19'), bytes]), 'crafted.pt')).toThrow(
        new RegExp(`'${name.replace(/\./g, '\\.')}'`),
      );
    });

    it('should refuse REDUCE on an allowed module class used as a function with a non-tuple', () => {
      const magic = pickle('\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19');
      const body = pickle('ctorch.nn.modules.linear\nLinear\nNR');
      expect(() => readCheckpoint(Buffer.concat([magic, pickle('M\xe9\x03'), pickle('}'), body]), 'crafted.pt')).toThrow(CheckpointError);
    });

    it('should refuse opcodes PyTorch never writes (INST)', () => {
      const magic = pickle('\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19');
      const inst = pickle('(iposix\nsystem\n');
      expect(() => readCheckpoint(Buffer.concat([magic, pickle('M\xe9\x03'), pickle('}'), inst]), 'crafted.pt')).toThrow(/opcode 0x69 is not allowed/);
    });

    it.each([0.05, 0.3, 0.5, 0.9, 0.999])('should say a legacy file cut at %s of its length is truncated', (fraction) => {
      const bytes = readFileSync(torchFixture('tiny-densenet.legacy.pt'));
      const cut = bytes.subarray(0, Math.floor(bytes.length * fraction));
      expect(() => readCheckpoint(cut, 'cut.pt')).toThrow(/cut\.pt.*truncated|truncated.*cut\.pt/);
    });

    it.each([0.5, 0.99])('should say a zip file cut at %s of its length is truncated', (fraction) => {
      const bytes = readFileSync(torchFixture('tiny-densenet.state-dict.zip.pt'));
      expect(() => readCheckpoint(bytes.subarray(0, Math.floor(bytes.length * fraction)), 'cut.pt')).toThrow(/cut\.pt: the zip archive is truncated/);
    });

    it('should refuse an empty file and a file that is no checkpoint', () => {
      expect(() => readCheckpoint(new Uint8Array(0), 'empty.pt')).toThrow(/empty\.pt is empty/);
      expect(() => readCheckpoint(Buffer.from('ONNX or something else'), 'other.bin')).toThrow(/other\.bin is not a PyTorch checkpoint/);
    });
  });
});
