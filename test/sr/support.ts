import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import type { DicomDataset } from '../../inference-service/src/dicom/index.ts';
import { demoWarning, readModelCard, upstreamCardPath } from '../../inference-service/src/model/modelCard.ts';
import type { ModelCard } from '../../inference-service/src/model/modelCard.ts';
import type { FindingProbabilities, ImageFindings } from '../../inference-service/src/pipeline/types.ts';
import { realJpegBaselineDcm } from '../support/paths.ts';

/** A fixed ONNX hash: tests of the SR need a model identity, not a model. */
export const onnxShaA = 'a3f1c2e4b5d6978812345678901234567890abcdefabcdefabcdefabcdef0123';
export const onnxShaB = 'b3f1c2e4b5d6978812345678901234567890abcdefabcdefabcdefabcdef0123';

export const upstreamCard: ModelCard = await readModelCard(upstreamCardPath);

export function demoCard(): ModelCard {
  return { ...upstreamCard, id: `${upstreamCard.id}-demo`, kind: 'demo', name: 'DenseNet-121 with seeded weights', warning: demoWarning };
}

export function readRealImage(): DicomDataset {
  return readDicomDataset(new Uint8Array(readFileSync(realJpegBaselineDcm))).dataset;
}

/** Spread over [0, 1] so that some findings are above the operating point and some below. */
export function spreadFindings(labels: readonly string[]): FindingProbabilities {
  return Object.fromEntries(labels.map((label, i) => [label, Math.round(((i * 0.0557) % 1) * 1e6) / 1e6]));
}

export function findingsFor(
  image: DicomDataset,
  card: ModelCard,
  findings: FindingProbabilities,
  onnxSha256: string = onnxShaA,
): ImageFindings {
  return {
    StudyInstanceUID: image['StudyInstanceUID'] as string,
    SeriesInstanceUID: image['SeriesInstanceUID'] as string,
    SOPInstanceUID: image['SOPInstanceUID'] as string,
    findings,
    model: { id: card.id, kind: card.kind, onnxSha256, ...(card.warning === undefined ? {} : { warning: card.warning }) },
    timingsMs: { decode: 0, preprocess: 0, inference: 0 },
  };
}

/** A secondary-capture CR chest image with only what the SR needs: no pixels, a non-ASCII name. */
export function syntheticImage(): DicomDataset {
  return {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.1.1',
    SOPInstanceUID: '2.25.1000000000000000000000000000000001',
    StudyInstanceUID: '2.25.1000000000000000000000000000000002',
    SeriesInstanceUID: '2.25.1000000000000000000000000000000003',
    Modality: 'DX',
    PatientName: [{ Alphabetic: 'Müller^Jürgen' }],
    PatientID: 'SYN-0001',
    PatientSex: 'O',
    StudyID: 'S1',
    AccessionNumber: 'ACC-42',
    StudyDate: '20240229',
    StudyTime: '101500',
    StudyDescription: 'Thorax PA',
    SeriesNumber: 3,
  };
}

let tempDir: string | undefined;

/** Writes into one temporary folder per test file; call removeTempFiles() in afterAll. */
export function writeTemp(name: string, bytes: Uint8Array): string {
  tempDir ??= mkdtempSync(join(tmpdir(), 'cxr-sr-'));
  const path = join(tempDir, name);
  writeFileSync(path, bytes);
  return path;
}

export function removeTempFiles(): void {
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
}

export interface ToolRun {
  readonly status: number | null;
  readonly output: string;
}

/** dciodvfy writes its findings to stderr, dsrdump its report to stdout: one string for both. */
export function runTool(command: string, args: readonly string[]): ToolRun {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${command} could not run (is it installed? tooling/setup/debianPackages.ts): ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export function dciodvfyErrors(output: string): string[] {
  return output.split('\n').filter((line) => line.startsWith('Error'));
}

/** A test that runs PixelMed once or twice: a Java process each, 3–15 s on a shared two-core machine. */
export const pixelmedTimeout = 180_000;

export interface TemplateValidation {
  /** The root template PixelMed found from ContentTemplateSequence, e.g. "TID_2000"; undefined if none. */
  readonly rootTemplate: string | undefined;
  readonly errors: string[];
  /** Content items PixelMed could not place in the root template (its "Content Item not in template"). */
  readonly outsideTemplate: string[];
  readonly output: string;
}

/**
 * PixelMed's DicomSRValidator (Debian pixelmed-apps) on one file: IOD checks, then the root template the
 * file declares. Java 17's XPath limits are too low for its style sheets, hence the three properties.
 * About 3 s per file: tests validate a representative few.
 */
export function pixelmedValidate(path: string): TemplateValidation {
  const { output } = runTool('java', [
    '-Djdk.xml.xpathExprOpLimit=0',
    '-Djdk.xml.xpathExprGrpLimit=0',
    '-Djdk.xml.xpathTotalOpLimit=0',
    '-cp',
    '/usr/share/java/pixelmed.jar:/usr/share/java/commons-codec.jar',
    'com.pixelmed.validate.DicomSRValidator',
    path,
  ]);
  if (!output.includes('IOD validation complete')) throw new Error(`DicomSRValidator did not finish on ${path}:\n${output}`);
  const lines = output.split('\n');
  return {
    rootTemplate: /Found Root Template (TID_\d+)/.exec(output)?.[1],
    errors: lines.filter((line) => line.startsWith('Error')),
    outsideTemplate: lines.filter((line) => line.includes('Content Item not in template')),
    output,
  };
}

/** dcentvfy (dicom3tools) on a set of files: patient, study and series attributes consistent across them. */
export function dcentvfyErrors(paths: readonly string[]): string[] {
  return runTool('dcentvfy', [...paths]).output.split('\n').filter((line) => line.startsWith('Error'));
}
