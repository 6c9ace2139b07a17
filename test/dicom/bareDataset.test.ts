/**
 * Data sets without preamble and File Meta Information, as old archives keep them, in both little-endian
 * transfer syntaxes: dcmtk's dcmconv writes them from a real sample (`-F`: the data set alone), and the
 * reader must give the same image, down to the model's input, as from the Part-10 file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rawDatasetSyntax, readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { prepareImage } from '../../inference-service/src/pipeline/prepareImage.ts';
import { repoRoot } from '../support/paths.ts';

const sample = join(repoRoot, 'dicom_samples/bravo-cr-pa-8bit-native.dcm');
const work = mkdtempSync(join(tmpdir(), 'cxr-bare-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

function bareDataset(syntaxOption: '+te' | '+ti', name: string): Uint8Array {
  const out = join(work, name);
  execFileSync('dcmconv', [syntaxOption, '-F', sample, out]);
  return new Uint8Array(readFileSync(out));
}

describe('a bare data set, without preamble and File Meta Information', () => {
  const original = new Uint8Array(readFileSync(sample));

  it.each([
    ['explicit VR little endian', '+te', '1.2.840.10008.1.2.1'],
    ['implicit VR little endian', '+ti', '1.2.840.10008.1.2'],
  ] as const)('in %s should be read as the same image, down to the model input', async (_name, option, syntax) => {
    const bare = bareDataset(option, `${option}.dcm`);
    expect(Buffer.from(bare.subarray(128, 132)).toString('latin1'), 'no DICM prefix').not.toBe('DICM');
    expect(rawDatasetSyntax(bare)).toBe(syntax);
    const [fromBare, fromFile] = [readDicomDataset(bare).dataset, readDicomDataset(original).dataset];
    for (const key of ['SOPInstanceUID', 'StudyInstanceUID', 'Rows', 'Columns', 'BitsStored', 'PhotometricInterpretation', 'ViewPosition']) {
      expect(fromBare[key], key).toEqual(fromFile[key]);
    }
    const [a, b] = await Promise.all([prepareImage(bare, 224), prepareImage(original, 224)]);
    expect(Buffer.from(a.input.tensor.buffer).equals(Buffer.from(b.input.tensor.buffer))).toBe(true);
  });
});
