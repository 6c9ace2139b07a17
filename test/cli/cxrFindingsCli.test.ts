import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadActiveModel, readModelCard, upstreamCardPath } from '../../inference-service/src/model/index.ts';
import { decodeNpy } from '../../inference-service/src/xray/index.ts';
import { readReferenceTensor, maxAbsDifference } from '../xray/support/references.ts';
import { largeNativeImage } from '../support/hostileDicom.ts';
import { realJpegBaselineDcm, realMonochrome1Dcm, repoRoot } from '../support/paths.ts';

const run = promisify(execFile);
const bin = join(repoRoot, 'inference-service/bin/cxr-findings.mjs');

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real command line, as a user would, and keeps its exit code instead of throwing. */
async function cli(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('cxr-findings', () => {
  let work: string;
  let labels: readonly string[];
  let activeKind: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cxr-cli-'));
    labels = (await readModelCard(upstreamCardPath)).labels;
    activeKind = (await loadActiveModel()).card.kind;
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  describe('classify --sr on a folder with bad attributes, a bare data set and files that are not DICOM', () => {
    let result: CliResult;
    let srDir: string;

    beforeAll(async () => {
      const inputs = join(work, 'attributes');
      srDir = join(work, 'attributes-sr');
      await mkdir(inputs, { recursive: true });
      await writeFile(join(inputs, 'a-long-uid.dcm'), largeNativeImage(64, 64, { sop: `1.2.${'3'.repeat(100)}` }));
      await writeFile(join(inputs, 'b-multi-uid.dcm'), largeNativeImage(64, 64, { sop: '1.2.3.4\\1.2.3.5' }));
      await writeFile(join(inputs, 'c-no-series.dcm'), largeNativeImage(64, 64, { series: null }));
      await copyFile(realJpegBaselineDcm, join(inputs, 'd-good.dcm'));
      // The data set alone, without preamble and File Meta Information, as old archives keep images.
      const native = await readFile(join(repoRoot, 'dicom_samples/bravo-cr-pa-8bit-native.dcm'));
      await writeFile(join(inputs, 'e-bare-dataset'), native.subarray(132 + 12 + native.readUInt32LE(140)));
      for (const name of ['notes.txt', 'README', 'thumbs.db']) await writeFile(join(inputs, name), 'not an image\n');
      result = await cli('classify', inputs, '--sr', srDir);
    });

    it('should go on past each bad file, naming the attribute, and write the SRs of the good ones', async () => {
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/a-long-uid\.dcm: Not classified: SOPInstanceUID \(0008,0018\) is 104 characters long/);
      expect(result.stdout).toMatch(/b-multi-uid\.dcm: Not classified: SOPInstanceUID \(0008,0018\) has 2 values/);
      expect(result.stdout).toMatch(/c-no-series\.dcm: Not classified: SeriesInstanceUID \(0020,000E\) is missing/);
      // Two images classified, each with its TID 1500 result and readable report (and heatmaps, if positive).
      expect((await readdir(srDir)).filter((name) => !name.endsWith('.heatmaps.dcm'))).toHaveLength(4);
    });

    it('should read the bare data set and count the files that are not DICOM in its summary', () => {
      expect(result.stdout).toMatch(/e-bare-dataset: /);
      expect(result.stdout).not.toMatch(/e-bare-dataset: .*(not|Not) /);
      expect(result.stderr).toContain('2 classified, 3 failed, 3 skipped: not DICOM Part-10');
    });
  });

  describe('classify on a folder with a bad file among good ones', () => {
    let result: CliResult;
    let inputs: string;
    let out: string;
    let srDir: string;

    beforeAll(async () => {
      inputs = join(work, 'inputs');
      out = join(work, 'out');
      srDir = join(work, 'sr');
      await mkdir(join(inputs, 'nested'), { recursive: true });
      await copyFile(realJpegBaselineDcm, join(inputs, 'a-pa.dcm'));
      await copyFile(realMonochrome1Dcm, join(inputs, 'nested', 'b-mono1.dcm'));
      // A Part-10 file cut off inside its pixel data: it must be named with a reason, not crash the run.
      const real = await readFile(realJpegBaselineDcm);
      await writeFile(join(inputs, 'c-truncated.dcm'), real.subarray(0, Math.floor(real.length / 2)));
      await writeFile(join(inputs, 'README.txt'), 'not an image\n');
      result = await cli('classify', inputs, '--out', out, '--sr', srDir, '--cam');
    });

    it('should exit non-zero because one file failed', () => {
      expect(result.code).toBe(1);
    });

    it('should name the bad file with a one-line reason', () => {
      const lines = result.stdout.split('\n').filter((l) => l.includes('c-truncated.dcm'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/c-truncated\.dcm: .*(pixel|truncat|end)/i);
    });

    it('should pass over the non-DICOM file in the folder and say so', () => {
      expect(result.stderr).toContain('Passed over 1 file(s)');
      expect(result.stdout).not.toContain('README.txt');
    });

    it('should warn that the demo model is not clinically meaningful', () => {
      expect(result.stderr).toMatch(/Model: .*\(demo\)/);
      expect(result.stdout).toContain('NOT clinically meaningful');
    });

    it('should write one JSON per good image with the 18 findings, model and UIDs', async () => {
      const files = (await readdir(out)).filter((f) => f.endsWith('.json'));
      expect(files).toHaveLength(2);
      for (const f of files) {
        const doc = JSON.parse(await readFile(join(out, f), 'utf8')) as Record<string, unknown>;
        const findings = doc.findings as Record<string, number>;
        expect(Object.keys(findings)).toEqual(labels);
        for (const p of Object.values(findings)) {
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
        }
        expect(doc.model).toMatchObject({ kind: 'demo' });
        expect(doc.warning).toMatch(/NOT clinically meaningful/);
        expect(f.startsWith(`${String(doc.SOPInstanceUID)}`)).toBe(true);
        const cams = doc.cams as Record<string, { peak: { x: number; y: number }; region: { x0: number; y0: number; x1: number; y1: number } }>;
        expect(Object.keys(cams)).toEqual(labels);
        for (const cam of Object.values(cams)) {
          expect(cam.region.x0).toBeGreaterThanOrEqual(0);
          expect(cam.region.x1).toBeLessThan(1024);
          expect(cam.peak.x).toBeGreaterThanOrEqual(cam.region.x0);
          expect(cam.peak.x).toBeLessThanOrEqual(cam.region.x1);
        }
      }
    });

    it('should keep both results when two files share a SOP Instance UID, and say so', () => {
      // The MONOCHROME1 twin is the same instance relabelled: same UIDs, different pixels.
      expect(result.stderr).toMatch(/b-mono1\.dcm: same SOP Instance UID as .*a-pa\.dcm; its results are written as .*-2/);
    });

    it('should write per good image the TID 1500 result and the readable report, which dsrdump reads', async () => {
      const srs = (await readdir(srDir)).filter((name) => !name.endsWith('.heatmaps.dcm')).sort();
      expect(srs).toHaveLength(4);
      expect(srs.filter((name) => name.endsWith('.tid1500.dcm'))).toHaveLength(2);
      expect(srs.filter((name) => name.endsWith('.sr.dcm'))).toHaveLength(2);
      for (const sr of srs) {
        const { stdout } = await run('dsrdump', [join(srDir, sr)]);
        expect(stdout).toContain(sr.endsWith('.tid1500.dcm') ? 'Imaging Measurement Report' : 'Diagnostic Imaging Report');
        if (activeKind === 'demo') expect(stdout).toContain('DEMO MODEL - not clinically meaningful');
        expect(stdout).toContain('Atelectasis');
      }
    });

    it('should write beside them the heatmaps of each image with a positive finding, as a Parametric Map', async () => {
      const heatmaps = (await readdir(srDir)).filter((name) => name.endsWith('.heatmaps.dcm'));
      // The demo model finds 10 of 18 on the real image; a real model may find none (then no map is written).
      if (activeKind === 'demo') expect(heatmaps).toHaveLength(2);
      for (const name of heatmaps) {
        const { stdout } = await run('dcmdump', ['--search', 'SOPClassUID', join(srDir, name)]);
        expect(stdout).toContain('ParametricMapStorage');
      }
    });
  });

  describe('classify on one image', () => {
    it('should print the table of all 18 findings in the model order', async () => {
      const { code, stdout } = await cli('classify', realJpegBaselineDcm);
      expect(code).toBe(0);
      const rows = labels.map((label) => stdout.split('\n').findIndex((line) => line.trimStart().startsWith(`${label} `)));
      expect(rows.every((r) => r > 0)).toBe(true);
      expect([...rows].sort((a, b) => a - b)).toEqual(rows);
    });

    it('should refuse a missing path with a clear message and a non-zero exit', async () => {
      const { code, stderr } = await cli('classify', join(work, 'no-such.dcm'));
      expect(code).toBe(1);
      expect(stderr).toContain('no-such.dcm: no such file or folder');
    });
  });

  describe('preprocess', () => {
    it('should write the model input that scikit-image makes, as .npy', async () => {
      const npy = join(work, 'x.npy');
      const { code } = await cli('preprocess', realJpegBaselineDcm, '--out', npy);
      expect(code).toBe(0);
      const written = decodeNpy(await readFile(npy));
      expect(written.shape).toEqual([1, 224, 224]);
      const reference = readReferenceTensor('siim-pa.xrv224.npy');
      expect(maxAbsDifference(written.data, reference.data)).toBeLessThan(0.5);
    });
  });

  describe('usage errors', () => {
    it('should name an unknown command', async () => {
      const { code, stderr } = await cli('clasify');
      expect(code).toBe(2);
      expect(stderr).toContain("Unknown command 'clasify'");
    });
  });
});
