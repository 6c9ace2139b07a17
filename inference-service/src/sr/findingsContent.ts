import type { DicomDataset } from '../dicom/types.ts';
import type { ModelCard } from '../model/modelCard.ts';
import type { ImageFindings } from '../pipeline/types.ts';
import { srConcepts } from './codes.ts';
import type { CodedConcept } from './codes.ts';
import { codeItem, containerItem, textItem, uidrefItem } from './contentItems.ts';
import { findingCode, findingDisplayName } from './findingCodes.ts';
import { operatingPoint } from './identity.ts';
import { deviceModelName, deviceName } from './srHeader.ts';
import { nameBasedUid } from './uids.ts';

export { operatingPoint };

export const demoNotice = 'DEMO MODEL - not clinically meaningful';

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
  /** The concept's meaning, with its finding site where it has one ("Lesion (lung)"). */
  readonly displayName: string;
  readonly probability: number;
  /** probability × 100 with two decimals, as written (DS, PS3.5 6.2). */
  readonly percent: string;
  /** At or above the operating point. */
  readonly positive: boolean;
}

/** One score per label of the card, in the card's order; a missing or impossible value is an error. */
export function findingScores(card: ModelCard, result: ImageFindings): FindingScore[] {
  return card.labels.map((label) => {
    const probability = result.findings[label];
    if (typeof probability !== 'number' || !Number.isFinite(probability) || probability < 0 || probability > 1) {
      throw new Error(`buildFindingsSr: finding '${label}' has no probability in [0, 1] (got ${String(probability)})`);
    }
    return {
      label,
      concept: findingCode(label),
      displayName: findingDisplayName(label),
      probability,
      percent: (probability * 100).toFixed(2),
      positive: probability >= operatingPoint,
    };
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
  /** Language, observer context, procedure reported, and what was done (Current Procedure Descriptions). */
  readonly context: DicomDataset[];
  /** The Findings (one TEXT per finding) and the Impression. */
  readonly result: DicomDataset[];
}

/** The device observer context of every SR we write (TID 1002 / TID 1004). */
export function deviceObserverContext(manufacturer: string): DicomDataset[] {
  return [
    codeItem('HAS OBS CONTEXT', srConcepts.observerType, srConcepts.device),
    uidrefItem('HAS OBS CONTEXT', srConcepts.deviceObserverUID, nameBasedUid('device', manufacturer, deviceName)),
    textItem('HAS OBS CONTEXT', srConcepts.deviceObserverName, deviceName),
    textItem('HAS OBS CONTEXT', srConcepts.deviceObserverManufacturer, manufacturer),
    textItem('HAS OBS CONTEXT', srConcepts.deviceObserverModelName, deviceModelName),
  ];
}

/** The algorithm's name, demo-marked, as TID 4019 and the procedure description say it. */
export function algorithmName(card: ModelCard, isDemo: boolean): string {
  return isDemo && !card.name.includes('DEMO MODEL') ? `${card.name} - ${demoNotice}` : card.name;
}

export function algorithmVersion(card: ModelCard, result: ImageFindings): string {
  return `${card.id}@${result.model.onnxSha256.slice(0, 12)}`;
}

/**
 * The children of the root CONTAINER of the readable report, TID 2000 Basic Diagnostic Imaging Report:
 * TID 1204 language, TID 1001 observer context, procedure reported, then headed sections (CID 7001) of
 * TID 2002 report narrative, whose items are TEXT or CODE with CID 7002 concepts. TID 2002 has no NUM
 * row, so each finding is a TEXT "Finding" that a person reads; the coded, numeric result is the TID 1500
 * report beside it. What the algorithm is and how to read its scores is a Procedure Description; the
 * algorithm's exact identity is in the Contributing Equipment Sequence (srHeader.ts).
 */
export function findingsContent({ card, result, scores, manufacturer, isDemo }: FindingsContentInput): FindingsContent {
  // What the reader must see before the numbers: the card's own warning, or at least that it is a demo.
  const cardWarnings = unique([card.warning, result.model.warning]);
  const warnings = isDemo && !cardWarnings.some((w) => w.includes('DEMO MODEL')) ? [`${demoNotice}.`, ...cardWarnings] : cardWarnings;
  // TID 2000's title comes from CID 7000, which has no "not a real report": a demo says so in the first
  // words of the report instead (and in its series description and impression).
  const procedure = `${isDemo ? `${demoNotice}. ` : ''}Chest X-ray findings classified by software: ${algorithmName(card, isDemo)}, version ${algorithmVersion(card, result)}.`;
  const context = [
    codeItem('HAS CONCEPT MOD', srConcepts.languageOfContent, srConcepts.english),
    ...deviceObserverContext(manufacturer),
    codeItem('HAS CONCEPT MOD', srConcepts.procedureReported, srConcepts.plainChestXray),
    containerItem('CONTAINS', srConcepts.currentProcedureDescriptions, [
      textItem('CONTAINS', srConcepts.procedureDescription, procedure),
      ...warnings.map((w) => textItem('CONTAINS', srConcepts.procedureDescription, w)),
      textItem('CONTAINS', srConcepts.procedureDescription, scoreExplanation),
    ]),
  ];
  return {
    context,
    result: [
      containerItem('CONTAINS', srConcepts.findings, scores.map((s) => textItem('CONTAINS', srConcepts.finding, findingText(s)))),
      containerItem('CONTAINS', srConcepts.impressions, [textItem('CONTAINS', srConcepts.impression, impressionText(scores, isDemo))]),
    ],
  };
}

/** "Pneumothorax: 50.64 % (at or above the operating point)". */
export function findingText(score: FindingScore): string {
  return `${score.displayName}: ${score.percent} %${score.positive ? ' (at or above the operating point)' : ''}`;
}

/** The findings at or above the operating point, highest first, or that there are none. */
function impressionText(scores: readonly FindingScore[], isDemo: boolean): string {
  const positives = scores.filter((s) => s.positive).sort((a, b) => b.probability - a.probability);
  const text =
    positives.length === 0
      ? `No finding reached the operating point (${operatingPoint * 100} %).`
      : `At or above the operating point (${operatingPoint * 100} %): ${positives.map((s) => `${s.displayName} ${s.percent} %`).join(', ')}.`;
  return isDemo ? `${demoNotice}. ${text}` : text;
}

function unique(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v.length > 0))];
}
