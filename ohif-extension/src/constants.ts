/** Names other parts of OHIF refer to ours by, and the sidecar's contract, as data. */
export const names = Object.freeze({
  command: 'classifyFindings',
  button: 'ClassifyFindings',
  evaluator: 'evaluate.cxrFindings.classifiable',
  /** The toolbar section longitudinal mode fills from `cornerstone.toolbarSections`. */
  section: 'primary',
  /** `@ohif/mode-longitudinal` routes at `/viewer` (its routeName); extension hooks are not told the mode. */
  longitudinalRouteName: 'viewer',
  notificationTitle: 'Classify findings',
} as const);

export const sidecar = Object.freeze({
  /** Same origin as the viewer: the sidecar serves both, and its session cookie authenticates the call. */
  classifyPath: '/api/classify',
} as const);

/**
 * The sidecar's own rules, bundled from its source so the two never disagree: image storage SOP classes the
 * model may read (the sidecar checks the rest: modality, photometric, view, and says why it refuses), the
 * SR family that is never classified, and the operating point.
 */
export {
  operatingPoint,
  radiographSopClasses as classifiableSopClasses,
  structuredReportSopClassPrefix,
} from '../../inference-service/src/finding/rules.ts';
