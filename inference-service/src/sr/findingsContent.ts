import type { DicomDataset } from '../dicom/types.ts';
import type { ModelCard } from '../model/modelCard.ts';
import type { ImageFindings } from '../pipeline/types.ts';
import { srConcepts } from './codes.ts';
import type { CodedConcept } from './codes.ts';
import { codeItem, containerItem, numItem, textItem, uidrefItem } from './contentItems.ts';
import { findingCode } from './findingCodes.ts';
import { algorithmParameterKeys, formatAlgorithmParameter } from './identity.ts';
import { nameBasedUid } from './uids.ts';

import { operatingPoint } from '../finding/rules.ts';

export { operatingPoint };

export const demoNotice = 'DEMO MODEL - not clinically meaningful';

export const deviceName = 'CXR Findings';
export const deviceModelName = 'CXR Findings inference service';

/**
 * Said next to the numbers because "Pneumothorax 50.6 %" reads as a probability of disease: op_norm
 * rescales each output around its operating threshold, it does not calibrate.
 */
export const scoreExplanation =
  `Scores are the model's outputs rescaled so that ${operatingPoint * 100} % is each finding's operating point; ` +
  'they are not calibrated probabilities of disease. Produced by software and not reviewed by a physician.';

export interface FindingScore {
  readonly label: string;
  readonly concept: CodedConcept;
  readonly probability: number;
  /** probability × 100 with two decimals, as written (DS, PS3.5 6.2). */
  readonly percent: string;
}

/** One score per label of the card, in the card's order; a missing or impossible value is an error. */
export function findingScores(card: ModelCard, result: ImageFindings): FindingScore[] {
  return card.labels.map((label) => {
    const probability = result.findings[label];
    if (typeof probability !== 'number' || !Number.isFinite(probability) || probability < 0 || probability > 1) {
      throw new Error(`buildFindingsSr: finding '${label}' has no probability in [0, 1] (got ${String(probability)})`);
    }
    return { label, concept: findingCode(label), probability, percent: (probability * 100).toFixed(2) };
  });
}

export interface FindingsContentInput {
  readonly card: ModelCard;
  readonly result: ImageFindings;
  readonly scores: readonly FindingScore[];
  readonly manufacturer: string;
  readonly isDemo: boolean;
}

/** The root CONTAINER's children in two parts: the same for every image of a model, and this image's. */
export interface FindingsContent {
  /** Language (TID 1204), device observer context (TID 1002/1004), procedure reported, TID 4019, warnings. */
  readonly context: DicomDataset[];
  /** The Findings (one NUM per finding, in %) and the Impression. */
  readonly result: DicomDataset[];
}

/** The children of the root CONTAINER, in reading order: `context`, then `result`. */
export function findingsContent({ card, result, scores, manufacturer, isDemo }: FindingsContentInput): FindingsContent {
  // What the reader must see before the numbers: the card's own warning, or at least that it is a demo.
  const cardWarnings = unique([card.warning, result.model.warning]);
  const warnings = isDemo && !cardWarnings.some((w) => w.includes('DEMO MODEL')) ? [`${demoNotice}.`, ...cardWarnings] : cardWarnings;
  const context = [
    codeItem('HAS CONCEPT MOD', srConcepts.languageOfContent, srConcepts.english),
    codeItem('HAS OBS CONTEXT', srConcepts.observerType, srConcepts.device),
    uidrefItem('HAS OBS CONTEXT', srConcepts.deviceObserverUID, nameBasedUid('device', manufacturer, deviceName)),
    textItem('HAS OBS CONTEXT', srConcepts.deviceObserverName, deviceName),
    textItem('HAS OBS CONTEXT', srConcepts.deviceObserverManufacturer, manufacturer),
    textItem('HAS OBS CONTEXT', srConcepts.deviceObserverModelName, deviceModelName),
    codeItem('HAS CONCEPT MOD', srConcepts.procedureReported, srConcepts.plainChestXray),
    ...tid4019AlgorithmIdentification(card, result, isDemo),
    ...warnings.map((w) => textItem('CONTAINS', srConcepts.comment, w)),
    textItem('CONTAINS', srConcepts.comment, scoreExplanation),
  ];
  return {
    context,
    result: [
      containerItem(
        'CONTAINS',
        srConcepts.findings,
        scores.map((s) => numItem('CONTAINS', s.concept, s.percent, srConcepts.percent)),
      ),
      containerItem('CONTAINS', srConcepts.impressions, [textItem('CONTAINS', srConcepts.impression, impressionText(scores, isDemo))]),
    ],
  };
}

/** The findings at or above the operating point, highest first, or that there are none. */
function impressionText(scores: readonly FindingScore[], isDemo: boolean): string {
  const positives = scores.filter((s) => s.probability >= operatingPoint).sort((a, b) => b.probability - a.probability);
  const text =
    positives.length === 0
      ? `No finding reached the operating point (${operatingPoint * 100} %).`
      : `At or above the operating point (${operatingPoint * 100} %): ${positives.map((s) => `${s.concept.CodeMeaning} ${s.percent} %`).join(', ')}.`;
  return isDemo ? `${demoNotice}. ${text}` : text;
}

/** TID 4019: name, version, parameters. The parameters carry what identifies the model exactly. */
function tid4019AlgorithmIdentification(card: ModelCard, result: ImageFindings, isDemo: boolean): DicomDataset[] {
  const name = isDemo && !card.name.includes('DEMO MODEL') ? `${card.name} - ${demoNotice}` : card.name;
  const parameters: [keyof typeof algorithmParameterKeys, string][] = [
    ['modelId', card.id],
    ['modelKind', card.kind],
    ['onnxSha256', result.model.onnxSha256],
  ];
  if (card.weights !== undefined) parameters.push(['weightsSha256', card.weights.sha256]);
  parameters.push(
    ['input', `${card.input.resolution}x${card.input.resolution}, ${card.input.channels} channel, intensity range [${card.input.range.join(', ')}]`],
    ['output', `per-finding score in percent after TorchXRayVision op_norm; ${operatingPoint * 100} % is each finding's operating point`],
  );
  return [
    textItem('HAS CONCEPT MOD', srConcepts.algorithmName, name),
    textItem('HAS CONCEPT MOD', srConcepts.algorithmVersion, `${card.id}@${result.model.onnxSha256.slice(0, 12)}`),
    ...parameters.map(([key, value]) => textItem('HAS CONCEPT MOD', srConcepts.algorithmParameters, formatAlgorithmParameter(key, value))),
  ];
}

function unique(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v.length > 0))];
}
