import type { DicomDataset } from '../dicom/types.ts';
import {
  lateralViewPositions,
  monochromePhotometrics,
  radiographModalities,
  radiographSopClasses,
  structuredReportSopClassPrefix,
} from '../finding/rules.ts';
import type { Eligibility } from './types.ts';

export { radiographSopClasses };

function text(dataset: DicomDataset, keyword: string): string | undefined {
  const value = dataset[keyword];
  if (typeof value === 'string') return value.trim().toUpperCase() || undefined;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0].trim().toUpperCase() || undefined;
  return undefined;
}

/**
 * Decides from the header alone whether an image is a frontal chest radiograph the model was trained on.
 * Absent optional attributes (BodyPartExamined, ViewPosition) do not disqualify: many secondary captures
 * of chest films, the NIH and SIIM sets among them, carry neither.
 */
export function checkEligibility(dataset: DicomDataset): Eligibility {
  const sopClass = typeof dataset.SOPClassUID === 'string' ? dataset.SOPClassUID : undefined;
  const modality = text(dataset, 'Modality');
  if (modality === 'SR' || sopClass?.startsWith(structuredReportSopClassPrefix)) {
    return { eligible: false, reason: 'it is a structured report, not an image' };
  }
  if (!sopClass || !(sopClass in radiographSopClasses)) {
    return { eligible: false, reason: `SOP class ${sopClass ?? '(none)'} is not a projection radiograph (CR, DX or secondary capture)` };
  }
  if (!modality || !radiographModalities.has(modality)) {
    return { eligible: false, reason: `modality ${modality ?? '(none)'} is not CR or DX` };
  }
  const photometric = text(dataset, 'PhotometricInterpretation');
  if (!photometric || !monochromePhotometrics.has(photometric)) {
    return { eligible: false, reason: `photometric interpretation ${photometric ?? '(none)'} is not MONOCHROME1 or MONOCHROME2` };
  }
  const bodyPart = text(dataset, 'BodyPartExamined');
  if (bodyPart && bodyPart !== 'CHEST') {
    return { eligible: false, reason: `body part ${bodyPart} is not CHEST` };
  }
  const view = text(dataset, 'ViewPosition');
  if (view && lateralViewPositions.has(view)) {
    return { eligible: false, reason: `view position ${view} is lateral; the model reads frontal (PA/AP) views` };
  }
  return { eligible: true };
}
