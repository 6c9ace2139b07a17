/**
 * The product's rules about images and findings, as data with no imports: the sidecar reads them, the
 * OHIF extension bundles this very file, and the Lua hook's copy of the SR prefix is held equal to it by
 * a test (test/autoClassify/notifySidecarHook.test.ts), so no copy can drift.
 */

/** TorchXRayVision's op_norm maps each finding's calibrated threshold here: at or above it, a finding is reported. */
export const operatingPoint = 0.5;

/** Storage SOP classes that carry projection radiographs (PS3.4 Annex B.5). */
export const radiographSopClasses: Readonly<Record<string, string>> = Object.freeze({
  '1.2.840.10008.5.1.4.1.1.1': 'Computed Radiography Image Storage',
  '1.2.840.10008.5.1.4.1.1.1.1': 'Digital X-Ray Image Storage - For Presentation',
  '1.2.840.10008.5.1.4.1.1.1.1.1': 'Digital X-Ray Image Storage - For Processing',
  '1.2.840.10008.5.1.4.1.1.7': 'Secondary Capture Image Storage',
});

/** Structured reports, ours among them, all live under this root (PS3.4 Annex B.5): never classified. */
export const structuredReportSopClassPrefix = '1.2.840.10008.5.1.4.1.1.88.';

export const radiographModalities: ReadonlySet<string> = new Set(['CR', 'DX']);
export const monochromePhotometrics: ReadonlySet<string> = new Set(['MONOCHROME1', 'MONOCHROME2']);
/** ViewPosition values of lateral views; the model reads frontal (PA/AP) views. */
export const lateralViewPositions: ReadonlySet<string> = new Set(['LL', 'RL', 'LAT', 'LATERAL', 'RLD', 'LLD']);
