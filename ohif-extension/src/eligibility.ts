import { classifiableSopClasses, structuredReportSopClassPrefix } from './constants.ts';
import type { OhifDisplaySet } from './ohifTypes.ts';

/** The image the sidecar is asked about, by its UIDs (the sidecar never takes a URL). */
export interface ClassifyTarget {
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly sopInstanceUID: string;
}

export type Classifiable = { readonly ok: true; readonly target: ClassifyTarget } | { readonly ok: false; readonly reason: string };

/**
 * Decides, from what the viewer already holds, whether the shown image can be sent: an image display set
 * (not an SR) of a radiograph or secondary-capture SOP class. `imageIndex` is the stack position shown.
 */
export function classifiableImage(displaySet: OhifDisplaySet | undefined, imageIndex: number): Classifiable {
  if (!displaySet) return { ok: false, reason: 'No image is shown in the active viewport. Open a chest X-ray first.' };
  const sopClass = displaySet.SOPClassUID ?? displaySet.images?.[0]?.SOPClassUID;
  if (displaySet.Modality === 'SR' || sopClass?.startsWith(structuredReportSopClassPrefix)) {
    return { ok: false, reason: 'The active viewport shows a report, not an image. Select the viewport with the X-ray.' };
  }
  const images = displaySet.images ?? [];
  if (images.length === 0) return { ok: false, reason: 'The active viewport shows no image. Open a chest X-ray first.' };
  if (!sopClass || !(sopClass in classifiableSopClasses)) {
    const what = displaySet.Modality ? `a ${displaySet.Modality} image` : 'not an X-ray image';
    return { ok: false, reason: `Only chest X-rays (CR, DX, or a secondary capture of one) can be classified; this is ${what}.` };
  }
  const image = images[Math.min(Math.max(0, Math.trunc(imageIndex)), images.length - 1)];
  if (!image?.SOPInstanceUID) return { ok: false, reason: 'The shown image cannot be identified in the archive (it has no SOP Instance UID).' };
  return {
    ok: true,
    target: {
      studyInstanceUID: image.StudyInstanceUID ?? displaySet.StudyInstanceUID,
      seriesInstanceUID: image.SeriesInstanceUID ?? displaySet.SeriesInstanceUID,
      sopInstanceUID: image.SOPInstanceUID,
    },
  };
}
