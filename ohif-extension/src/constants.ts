import { id } from './id.ts';

/** Names other parts of OHIF refer to ours by, as data. */
export const names = Object.freeze({
  command: 'classifyFindings',
  button: 'ClassifyFindings',
  /** The toolbar `uiType` of our labelled button. */
  buttonComponent: 'cxrFindings.labelledButton',
  evaluator: 'evaluate.cxrFindings.classifiable',
  /** The toolbar section longitudinal mode fills from `cornerstone.toolbarSections`. */
  section: 'primary',
  panel: 'findings',
  /** The keyboard shortcut (OHIF's hotkey syntax, Mousetrap's), free in OHIF 3.13's default bindings. */
  hotkey: 'shift+f',
} as const);

/** How modes and app-configs name the panel: `<extension id>.panelModule.<name>`. */
export const panelId = `${id}.panelModule.${names.panel}`;

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

/** "Shift+F" from Mousetrap's "shift+f", as the tooltip and the panel say it. */
export const hotkeyLabel = names.hotkey
  .split('+')
  .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
  .join('+');
