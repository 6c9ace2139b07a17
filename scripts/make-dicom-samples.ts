/**
 * Makes dicom_samples/: small synthetic chest phantoms — not patient data — as CR images in several
 * transfer syntaxes, MONOCHROME1 and 2, 8 and 16 bit, for three phantom patients. What `npm start`
 * uploads to Orthanc so a first run has something to look at and classify.
 *
 * Run: npx tsx scripts/make-dicom-samples.ts   (needs dcmtk and gdcm: tooling/setup/debianPackages.ts)
 *
 * Native files are written with the product's own Part-10 writer; compression is done by dcmtk and
 * gdcm command-line tools. Everything is deterministic (UIDs are name-based, PS3.5 B.2; no clock, no
 * randomness), so rerunning rewrites identical files.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writePart10 } from '../inference-service/src/dicom/writePart10.ts';
import type { DicomDataset } from '../inference-service/src/dicom/types.ts';

const repoRoot = resolve(import.meta.dirname, '..');
const outDir = join(repoRoot, 'dicom_samples');

/** CR Image Storage, PS3.4 B.5: the simplest IOD for a projection radiograph. */
const crImageStorage = '1.2.840.10008.5.1.4.1.1.1';

/** A UID under 2.25 derived from a name (PS3.5 B.2 allows 2.25 + a 128-bit UUID as a decimal). */
function nameUid(name: string): string {
  const hash = createHash('sha256').update(`cxr-findings/dicom_samples/${name}`).digest();
  // Version 8 ("custom") UUID layout: set version and variant bits so it is a valid UUID.
  hash[6] = (hash[6]! & 0x0f) | 0x80;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  return `2.25.${BigInt(`0x${hash.subarray(0, 16).toString('hex')}`).toString(10)}`;
}

const smooth = (edge0: number, edge1: number, x: number) => {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
};

/** Inside-ness of an ellipse with a soft rim, 1 inside, 0 outside. */
const ellipse = (u: number, v: number, cu: number, cv: number, ru: number, rv: number, soft = 0.08) =>
  1 - smooth(1 - soft, 1 + soft, Math.hypot((u - cu) / ru, (v - cv) / rv));

/**
 * A frontal chest phantom as relative attenuation in [0, 1] (0 air): a torso with shoulders, two
 * lungs with domed bases crossed by curved posterior ribs, mediastinum, heart shadow, a faint spine
 * and clavicles, summed like path lengths through tissue. Deterministic noise keeps it from looking
 * drawn; `variant` moves the anatomy a little so the phantoms differ.
 */
function chestPhantom(size: number, variant: number): Float64Array {
  const out = new Float64Array(size * size);
  const heartShift = 0.04 + 0.015 * variant;
  const lungTop = -0.36 + 0.01 * variant;
  let seed = (0x9e3779b9 ^ (variant * 7919)) >>> 0;
  const noise = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) / size - 0.5;
      const v = (y + 0.5) / size - 0.5;
      const au = Math.abs(u);
      // Torso: a neck widening into shoulders, then a slightly narrowing chest wall.
      const halfWidth = 0.09 + 0.34 * smooth(-0.47, -0.3, v) - 0.03 * smooth(-0.1, 0.5, v);
      const torso = smooth(halfWidth + 0.025, halfWidth - 0.025, au) * smooth(-0.56, -0.5, v);
      // Lungs: tall ellipses each side, their bases cut by the diaphragm domes.
      const dome = 0.2 + 0.02 * variant + 1.1 * (au - 0.2) ** 2;
      const base = smooth(0.03, -0.03, v - dome);
      const lung = (side: number) => ellipse(u, v, side * 0.2, (lungTop + dome) / 2, 0.155, (dome - lungTop) / 2 + 0.05, 0.1);
      const lungs = Math.max(lung(-1), lung(1)) * base * (0.85 + 0.15 * smooth(0.05, 0.3, au));
      // Posterior ribs: bands that run outwards and curve down, spaced like ten ribs.
      const t = v - 0.08 * au + 0.9 * u * u;
      const ribs = Math.pow(0.5 + 0.5 * Math.sin(t * 85), 8) * smooth(0.03, 0.08, au) * smooth(halfWidth, halfWidth - 0.05, au) * smooth(0.3, 0.2, v);
      const mediastinum = ellipse(u, v, 0.005, -0.12, 0.065, 0.3, 0.3);
      const heart = ellipse(u, v, heartShift, 0.12, 0.16, 0.125, 0.22);
      const spine = smooth(0.045, 0.03, au) * smooth(-0.56, -0.5, v);
      const clavicles = smooth(0.018, 0.004, Math.abs(v + 0.31 - 0.25 * au + 0.5 * u * u)) * smooth(0.33, 0.28, au) * smooth(0.02, 0.05, au);
      const abdomen = (1 - base) * torso;
      let a = 0.5 * torso - 0.33 * lungs * torso + 0.14 * mediastinum + 0.16 * heart * (1 - 0.5 * mediastinum) + 0.07 * spine + 0.07 * ribs * torso + 0.2 * clavicles + 0.07 * abdomen;
      a = Math.min(1, Math.max(0, a / 0.85 + 0.01 * noise()));
      out[y * size + x] = a;
    }
  }
  return out;
}

interface Sample {
  readonly file: string;
  readonly patient: { readonly PatientName: string; readonly PatientID: string; readonly PatientBirthDate: string; readonly PatientSex: string };
  readonly study: number;
  readonly series: number;
  readonly size: number;
  readonly bitsStored: 8 | 10 | 12;
  readonly photometric: 'MONOCHROME1' | 'MONOCHROME2';
  /** The tool that makes the transfer syntax from the native file; undefined keeps it native. */
  readonly transcode?: readonly string[];
  readonly syntaxName: string;
  readonly variant: number;
}

const patients = [
  { PatientName: 'PHANTOM^ALPHA', PatientID: 'CXR-PHANTOM-001', PatientBirthDate: '19700101', PatientSex: 'F' },
  { PatientName: 'PHANTOM^BRAVO', PatientID: 'CXR-PHANTOM-002', PatientBirthDate: '19650615', PatientSex: 'M' },
  { PatientName: 'PHANTOM^CHARLIE', PatientID: 'CXR-PHANTOM-003', PatientBirthDate: '19821130', PatientSex: 'O' },
] as const;

const samples: readonly Sample[] = [
  { file: 'alpha-cr-pa-12bit-j2k-lossless.dcm', patient: patients[0], study: 1, series: 1, size: 512, bitsStored: 12, photometric: 'MONOCHROME2', transcode: ['gdcmconv', '--j2k'], syntaxName: 'JPEG 2000 Lossless', variant: 0 },
  { file: 'alpha-cr-pa-8bit-jpeg-baseline.dcm', patient: patients[0], study: 2, series: 1, size: 512, bitsStored: 8, photometric: 'MONOCHROME2', transcode: ['dcmcjpeg', '+eb', '+q', '92', '+un'], syntaxName: 'JPEG Baseline', variant: 1 },
  { file: 'bravo-cr-pa-12bit-monochrome1-jpeg-ls.dcm', patient: patients[1], study: 1, series: 1, size: 512, bitsStored: 12, photometric: 'MONOCHROME1', transcode: ['dcmcjpls', '+el'], syntaxName: 'JPEG-LS Lossless', variant: 2 },
  { file: 'bravo-cr-pa-8bit-native.dcm', patient: patients[1], study: 1, series: 2, size: 256, bitsStored: 8, photometric: 'MONOCHROME2', syntaxName: 'Explicit VR Little Endian', variant: 2 },
  { file: 'charlie-cr-pa-10bit-rle.dcm', patient: patients[2], study: 1, series: 1, size: 384, bitsStored: 10, photometric: 'MONOCHROME2', transcode: ['dcmcrle'], syntaxName: 'RLE Lossless', variant: 3 },
  { file: 'charlie-cr-pa-12bit-monochrome1-jpeg-lossless.dcm', patient: patients[2], study: 1, series: 2, size: 384, bitsStored: 12, photometric: 'MONOCHROME1', transcode: ['dcmcjpeg', '+e1', '+un'], syntaxName: 'JPEG Lossless SV1', variant: 3 },
];

/** Stored values: MONOCHROME2 shows attenuation bright; MONOCHROME1 stores the inverse (PS3.3 C.7.6.3.1.2). */
function storedPixels(sample: Sample): Uint8Array | Uint16Array {
  const phantom = chestPhantom(sample.size, sample.variant);
  const max = 2 ** sample.bitsStored - 1;
  const out = sample.bitsStored === 8 ? new Uint8Array(phantom.length) : new Uint16Array(phantom.length);
  for (let i = 0; i < phantom.length; i++) {
    const value = Math.round(phantom[i]! * max);
    out[i] = sample.photometric === 'MONOCHROME1' ? max - value : value;
  }
  return out;
}

function dataset(sample: Sample): DicomDataset {
  const { patient, study, series } = sample;
  const studyKey = `${patient.PatientID}/study-${study}`;
  const seriesKey = `${studyKey}/series-${series}`;
  const pixels = storedPixels(sample);
  const bitsAllocated = sample.bitsStored === 8 ? 8 : 16;
  const max = 2 ** sample.bitsStored - 1;
  const studyDate = `2025010${study}`;
  return {
    _vrMap: { PixelData: bitsAllocated === 8 ? 'OB' : 'OW' },
    SOPClassUID: crImageStorage,
    ImageType: ['ORIGINAL', 'PRIMARY'],
    SOPInstanceUID: nameUid(`${seriesKey}/instance-1`),
    StudyDate: studyDate,
    SeriesDate: studyDate,
    ContentDate: studyDate,
    StudyTime: '093000',
    SeriesTime: '093000',
    ContentTime: '093000',
    AccessionNumber: `PH${patient.PatientID.slice(-3)}${study}`,
    Modality: 'CR',
    Manufacturer: 'CXR Findings synthetic phantom',
    ReferringPhysicianName: '',
    StudyDescription: 'Chest PA (synthetic phantom)',
    SeriesDescription: `Phantom PA, ${sample.bitsStored}-bit ${sample.photometric}, ${sample.syntaxName}`,
    ...patient,
    BodyPartExamined: 'CHEST',
    ViewPosition: 'PA',
    StudyInstanceUID: nameUid(studyKey),
    SeriesInstanceUID: nameUid(seriesKey),
    StudyID: String(study),
    SeriesNumber: series,
    InstanceNumber: 1,
    // PS3.3 C.7.6.1.1.1: a PA chest seen as if facing the patient: rows run to the patient's left, columns to the feet.
    PatientOrientation: ['L', 'F'],
    ImageComments: 'Synthetic chest phantom made by scripts/make-dicom-samples.ts; not a patient image.',
    BurnedInAnnotation: 'NO',
    ImagerPixelSpacing: [(350 / sample.size).toFixed(4), (350 / sample.size).toFixed(4)],
    SamplesPerPixel: 1,
    PhotometricInterpretation: sample.photometric,
    Rows: sample.size,
    Columns: sample.size,
    BitsAllocated: bitsAllocated,
    BitsStored: sample.bitsStored,
    HighBit: sample.bitsStored - 1,
    PixelRepresentation: 0,
    WindowCenter: String((max + 1) / 2),
    WindowWidth: String(max + 1),
    PixelData: pixels.buffer,
  };
}

const work = mkdtempSync(join(tmpdir(), 'cxr-samples-'));
try {
  for (const name of readdirSync(outDir)) if (name.endsWith('.dcm')) rmSync(join(outDir, name));
  for (const sample of samples) {
    const native = join(work, sample.file);
    writeFileSync(native, writePart10(dataset(sample)));
    const target = join(outDir, sample.file);
    if (sample.transcode) {
      const [tool, ...options] = sample.transcode;
      execFileSync(tool!, [...options, native, target], { stdio: ['ignore', 'ignore', 'inherit'] });
    } else {
      writeFileSync(target, readFileSync(native));
    }
    console.log(`${sample.file}  ${statSync(target).size} bytes`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
