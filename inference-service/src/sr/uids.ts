import { createHash } from 'node:crypto';

/**
 * Name-based UIDs for the findings SR. The same (image, model) always gives the same SOP Instance UID,
 * so a second classification of an image, a hook plus a catch-up, or two sidecars racing each other
 * store the same instance: Orthanc answers "AlreadyStored" instead of keeping a duplicate.
 */

/** Fixed namespace: changing it would re-key every SR ever written. */
const namespace = 'cxr-findings/sr/v1';

/**
 * PS3.5 B.2: a UID may be "2.25." followed by the decimal form of a UUID (no leading zeros). The UUID
 * is name-based, RFC 9562 version 8 built from SHA-256 (as RFC 9562 Appendix B.2 shows): the first
 * 128 bits of the digest with the version and variant bits set.
 */
export function nameBasedUid(...parts: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(namespace);
  for (const part of parts) {
    // Length-prefixed so ('ab', 'c') and ('a', 'bc') hash differently.
    hash.update(`\u0000${part.length}:${part}`);
  }
  const bytes = hash.digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10xx (RFC 9562 4.1)
  return `2.25.${BigInt(`0x${bytes.toString('hex')}`).toString(10)}`;
}

/**
 * The SR's identity for one image and one model (by the SHA-256 of the ONNX file that ran). A new series
 * per SR: never the image's own series (PS3.3 C.17.1: an SR Document Series holds only SR instances).
 */
export function findingsSrUids(
  imageSOPInstanceUID: string,
  onnxSha256: string,
): { SOPInstanceUID: string; SeriesInstanceUID: string } {
  if (imageSOPInstanceUID.length === 0) throw new Error('findingsSrUids: imageSOPInstanceUID is empty');
  if (!/^[0-9a-f]{64}$/.test(onnxSha256)) {
    throw new Error(`findingsSrUids: onnxSha256 must be 64 lower-case hex digits, got '${onnxSha256}'`);
  }
  return {
    SOPInstanceUID: nameBasedUid('instance', imageSOPInstanceUID, onnxSha256),
    SeriesInstanceUID: nameBasedUid('series', imageSOPInstanceUID, onnxSha256),
  };
}

/**
 * The TID 1500 result's identity for one image and one model, in its own series (a different document of
 * the same (image, model); same rules as findingsSrUids).
 */
export function measurementReportUids(imageSOPInstanceUID: string, onnxSha256: string): { SOPInstanceUID: string; SeriesInstanceUID: string } {
  findingsSrUids(imageSOPInstanceUID, onnxSha256); // the same argument checks
  return {
    SOPInstanceUID: nameBasedUid('tid1500-instance', imageSOPInstanceUID, onnxSha256),
    SeriesInstanceUID: nameBasedUid('tid1500-series', imageSOPInstanceUID, onnxSha256),
  };
}

/** The heatmaps' (Parametric Map's) identity for one image and one model, in its own series (same rules). */
export function parametricMapUids(imageSOPInstanceUID: string, onnxSha256: string): { SOPInstanceUID: string; SeriesInstanceUID: string } {
  findingsSrUids(imageSOPInstanceUID, onnxSha256); // the same argument checks
  return {
    SOPInstanceUID: nameBasedUid('pmap-instance', imageSOPInstanceUID, onnxSha256),
    SeriesInstanceUID: nameBasedUid('pmap-series', imageSOPInstanceUID, onnxSha256),
  };
}

/** TID 4108 Tracking Unique Identifier of one finding of one (image, model): the same finding, the same UID. */
export function trackingUid(imageSOPInstanceUID: string, onnxSha256: string, label: string): string {
  return nameBasedUid('tracking', imageSOPInstanceUID, onnxSha256, label);
}
