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
 * Image storage SOP classes the model may read (PS3.4 Annex B.5): projection radiographs and secondary
 * captures of them. The sidecar checks the rest (modality, photometric, view) and says why it refuses.
 */
export const classifiableSopClasses: Readonly<Record<string, string>> = Object.freeze({
  '1.2.840.10008.5.1.4.1.1.1': 'Computed Radiography Image Storage',
  '1.2.840.10008.5.1.4.1.1.1.1': 'Digital X-Ray Image Storage - For Presentation',
  '1.2.840.10008.5.1.4.1.1.1.1.1': 'Digital X-Ray Image Storage - For Processing',
  '1.2.840.10008.5.1.4.1.1.7': 'Secondary Capture Image Storage',
});

/** Structured reports (PS3.4 Annex B.5, the 1.2.840.10008.5.1.4.1.1.88.x family) are never classified. */
export const structuredReportSopClassPrefix = '1.2.840.10008.5.1.4.1.1.88.';
