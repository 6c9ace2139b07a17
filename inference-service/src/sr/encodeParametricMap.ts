import { appendFloatPixelData } from '../dicom/appendFloatPixelData.ts';
import { appendSequenceItems, concatBytes, sequenceItemBytes } from '../dicom/appendSequenceItems.ts';
import type { DicomDataset } from '../dicom/types.ts';
import { encodeDataSet, writePart10 } from '../dicom/writePart10.ts';

/**
 * The Part-10 bytes of a Parametric Map whose PerFrameFunctionalGroupsSequence holds `frames` and whose
 * Float Pixel Data is `pixels`. dcmjs spends ~17 µs per element, and a frame's functional groups are the
 * same for every image of the same geometry with a positive for that finding: each such item is encoded
 * once and its bytes reused (as encodeFindingsSr does for SR content; the same undefined-length rule makes
 * it safe). The header is dcmjs's; the pixels are appended as they are. Tests hold the bytes equal to
 * dcmjs encoding the whole data set.
 */
export function encodeParametricMap(header: DicomDataset, frames: readonly DicomDataset[], pixels: Float32Array): Uint8Array {
  // PerFrameFunctionalGroupsSequence (5200,9230) is the header's last element; only Float Pixel Data follows.
  const file = writePart10({ ...header, PerFrameFunctionalGroupsSequence: [] });
  const items = frames.map((frame) => cachedItem(frame));
  const withFrames = items.every((bytes): bytes is Uint8Array => bytes !== undefined) ? appendSequenceItems(file, [concatBytes(items)]) : undefined;
  return appendFloatPixelData(withFrames ?? writePart10({ ...header, PerFrameFunctionalGroupsSequence: frames }), pixels);
}

const perFrameTag = [0x5200, 0x9230] as const;
/** A process sees few models and image geometries; bounded anyway. */
const maxItems = 10_000;
const items = new Map<string, Uint8Array | undefined>();

function cachedItem(frame: DicomDataset): Uint8Array | undefined {
  const key = JSON.stringify(frame);
  if (items.has(key)) return items.get(key);
  if (items.size >= maxItems) items.clear();
  const [group, element] = perFrameTag;
  const bytes = sequenceItemBytes(encodeDataSet({ PerFrameFunctionalGroupsSequence: [frame] }), group, element);
  items.set(key, bytes);
  return bytes;
}
