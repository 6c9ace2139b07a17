import type { ImageState } from '../findings/findingsStore.ts';
import { type Finding, type ImageFindings, isPositive, orderForReading } from '../findings/imageFindings.ts';
import type { HeatmapChoice } from '../heatmap/heatmapView.ts';
import { heatGradient } from '../heatmap/heatmapOverlay.ts';
import { modelKindBadge } from '../messages.ts';
import { h, theme } from './dom.ts';

/** What the panel shows: the image in front of the user, and what is known about it. */
export interface PanelView {
  /** Says which image the findings belong to: its series and image number, never a UID. */
  readonly imageLabel?: string;
  readonly state?: ImageState;
  /** Why nothing can be classified here (no image, a report in the viewport…). */
  readonly notClassifiable?: string;
  readonly reportHref?: string;
  readonly hotkeyLabel: string;
  /** The active model, known before any finding is: its banner shows from the start. */
  readonly activeModel?: Pick<ImageFindings['model'], 'kind' | 'warning'>;
  /** The heatmaps of the findings that have one, and what the reader chose to see. */
  readonly heatmaps?: HeatmapControls;
  /** The regions of the findings that have one (the stored result's), and which are outlined. */
  readonly regions?: RegionControls;
}

export interface RegionControls {
  readonly available: ReadonlySet<string>;
  readonly shown: ReadonlySet<string>;
  onToggle(finding: string): void;
}

/** What a finding row offers beside its score. */
interface RowControls {
  readonly heatmaps?: HeatmapControls;
  readonly regions?: RegionControls;
}

export interface HeatmapControls {
  /** Names of the findings with a heatmap (the positives, from the stored Parametric Map). */
  readonly available: ReadonlySet<string>;
  readonly choice?: HeatmapChoice;
  onToggle(finding: string): void;
  onOpacity(opacity: number): void;
}

function formatScore(score: number): string {
  return score.toFixed(score >= 10 || score === 0 ? 0 : 1);
}

/** The demo or custom model's banner: first in the panel, on every state that shows findings. */
function modelBanner(model: Pick<ImageFindings['model'], 'kind' | 'warning'> | undefined): HTMLElement | undefined {
  if (!model) return undefined;
  const badge = modelKindBadge[model.kind];
  if (!badge) return undefined;
  return h(
    'div',
    {
      attributes: { role: 'alert', 'data-cy': 'cxr-findings-model-banner' },
      style: { background: theme.demoBackground, color: theme.demoForeground, padding: '6px 8px', borderRadius: '4px', marginBottom: '8px' },
    },
    [
      h('div', { text: badge, style: { fontWeight: '700', fontSize: '13px', letterSpacing: '0.02em' } }),
      model.warning ? h('div', { text: model.warning, style: { fontSize: '11px', marginTop: '2px', lineHeight: '1.3' } }) : undefined,
    ],
  );
}

/** One finding: its name, its score against its operating point, and a bar with the operating point marked. */
function findingRow(finding: Finding, { heatmaps, regions }: RowControls): HTMLElement {
  const positive = isPositive(finding);
  const relation = positive ? '≥' : '<';
  const score = formatScore(finding.score);
  const op = formatScore(finding.operatingPoint);
  const width = `${Math.max(0, Math.min(100, finding.score))}%`;
  return h(
    'li',
    {
      attributes: {
        'data-cy': 'cxr-finding',
        'data-positive': String(positive),
        title: `${finding.name}: score ${finding.score.toFixed(2)} on the model's scale, where ${op} is this finding's operating point. It is not a probability of disease.`,
      },
      style: { display: 'grid', gridTemplateColumns: '14px 1fr auto', alignItems: 'center', columnGap: '4px', padding: '2px 0', color: positive ? theme.foreground : theme.muted },
    },
    [
      h('span', { text: positive ? '●' : '', attributes: { 'aria-label': positive ? 'at or above the operating point' : '' }, style: { color: theme.positive, fontSize: '10px' } }),
      // A finding's name wraps rather than being cut short: the toggles leave long names too little room.
      h('span', { text: finding.name, style: { fontSize: '12px', fontWeight: positive ? '600' : '400', lineHeight: '1.25' } }),
      h('span', { style: { fontSize: '12px', fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' } }, [
        document.createTextNode(`${score} ${relation} ${op}`),
        regions?.available.has(finding.name) ? regionToggle(finding.name, regions) : undefined,
        heatmaps?.available.has(finding.name) ? heatmapToggle(finding.name, heatmaps) : undefined,
      ]),
      h('span', {}, []),
      h('span', { style: { gridColumn: '2 / 4', position: 'relative', height: '3px', background: theme.border, borderRadius: '2px' } }, [
        h('span', { style: { position: 'absolute', left: '0', top: '0', bottom: '0', width, background: positive ? theme.positive : theme.muted, borderRadius: '2px' } }),
        h('span', { style: { position: 'absolute', left: `${finding.operatingPoint}%`, top: '-2px', bottom: '-2px', width: '1px', background: theme.foreground } }),
      ]),
    ],
  );
}

interface ToggleOptions {
  readonly text: string;
  readonly dataCy: string;
  readonly finding: string;
  readonly pressed: boolean;
  readonly label: string;
  readonly title: string;
  onClick(): void;
}

/** A finding's small on/off button, in the row's first line, so the positives still fit the first screen at 1280×720. */
function rowToggle(options: ToggleOptions): HTMLElement {
  const { pressed } = options;
  const button = h('button', {
    text: options.text,
    attributes: { type: 'button', 'data-cy': options.dataCy, 'data-finding': options.finding, 'aria-pressed': String(pressed), 'aria-label': options.label, title: options.title },
    style: {
      marginLeft: '4px',
      padding: '0 4px',
      fontSize: '10px',
      lineHeight: '14px',
      color: pressed ? theme.demoForeground : theme.primary,
      background: pressed ? theme.primary : 'transparent',
      border: `1px solid ${theme.primary}`,
      borderRadius: '3px',
      cursor: 'pointer',
    },
  });
  button.addEventListener('click', () => options.onClick());
  return button;
}

/** "Show where the model looked": the finding's class activation map over the image, on and off. */
function heatmapToggle(name: string, heatmaps: HeatmapControls): HTMLElement {
  const chosen = heatmaps.choice?.finding === name ? heatmaps.choice : undefined;
  const action = chosen ? 'Hide where the model looked' : 'Show where the model looked';
  return rowToggle({
    text: !chosen ? 'map' : chosen.status === 'loading' ? 'map…' : 'hide',
    dataCy: 'cxr-heatmap-toggle',
    finding: name,
    pressed: chosen !== undefined,
    label: `${action} for ${name}`,
    title: `${action}: the model's class activation map for ${name}, over the image`,
    onClick: () => heatmaps.onToggle(name),
  });
}

/** The finding's region, as the stored result draws it, outlined on the image and taken away again. */
function regionToggle(name: string, regions: RegionControls): HTMLElement {
  const shown = regions.shown.has(name);
  const action = shown ? 'Hide the region' : 'Outline the region';
  return rowToggle({
    text: 'box',
    dataCy: 'cxr-region-toggle',
    finding: name,
    pressed: shown,
    label: `${action} of ${name}`,
    title: `${action} of ${name} on the image: the box where its map is highest, as the stored result records it`,
    onClick: () => regions.onToggle(name),
  });
}

/** The shown heatmap's legend: what it is, its colour bar, and its opacity. */
function heatmapLegend(heatmaps: HeatmapControls): HTMLElement | undefined {
  const choice = heatmaps.choice;
  if (!choice) return undefined;
  if (choice.status === 'failed') {
    return h('div', { text: `The heatmap of ${choice.finding} cannot be shown: ${choice.message ?? 'unknown reason'}`, attributes: { role: 'alert', 'data-cy': 'cxr-heatmap-error' }, style: { fontSize: '11px', color: theme.positive, marginTop: '6px' } });
  }
  const slider = h('input', {
    attributes: { type: 'range', min: '0.1', max: '1', step: '0.05', value: String(choice.opacity), 'aria-label': 'Heatmap opacity', 'data-cy': 'cxr-heatmap-opacity' },
    style: { width: '100%' },
  }) as HTMLInputElement;
  slider.addEventListener('input', () => heatmaps.onOpacity(Number(slider.value)));
  return h('div', { attributes: { 'data-cy': 'cxr-heatmap-legend' }, style: { marginTop: '8px', fontSize: '11px', color: theme.muted, lineHeight: '1.3' } }, [
    h('div', { text: `Where the model looked for ${choice.finding}: its class activation map, scaled from its lowest (blue) to its highest (red) over the image. Not an outline of a lesion.` }),
    h('div', { style: { height: '8px', marginTop: '4px', borderRadius: '2px', backgroundImage: heatGradient } }),
    h('div', { style: { display: 'flex', justifyContent: 'space-between' } }, [h('span', { text: 'low' }), h('span', { text: 'high' })]),
    h('label', { text: 'Opacity', style: { display: 'block', marginTop: '4px' } }, [slider]),
  ]);
}

/** Says what the outlines are, while any is shown. */
function regionNote(regions: RegionControls): HTMLElement | undefined {
  if (regions.shown.size === 0) return undefined;
  return h('div', {
    text: `Outlined (amber): ${[...regions.shown].join(', ')}. Each box is where that finding's map is highest, as the stored result records it. Not an outline of a lesion.`,
    attributes: { 'data-cy': 'cxr-region-note' },
    style: { marginTop: '6px', fontSize: '11px', color: theme.muted, lineHeight: '1.3' },
  });
}

function findingsBody(findings: ImageFindings, reportHref: string | undefined, controls: RowControls): HTMLElement[] {
  const { heatmaps, regions } = controls;
  const ordered = orderForReading(findings.findings);
  const positives = ordered.filter(isPositive);
  const rest = ordered.filter((finding) => !isPositive(finding));
  const op = formatScore(findings.findings[0]?.operatingPoint ?? 50);
  const heading = (text: string): HTMLElement =>
    h('div', { text, style: { fontSize: '11px', textTransform: 'uppercase', letterSpacing: '0.04em', color: theme.muted, margin: '8px 0 2px' } });
  const list = (items: Finding[], cy: string): HTMLElement =>
    h('ul', { attributes: { 'data-cy': cy }, style: { listStyle: 'none', margin: '0', padding: '0' } }, items.map((finding) => findingRow(finding, controls)));
  const model = findings.model;
  return [
    h('div', {
      text: `${positives.length} of ${ordered.length} findings at or above their operating point (${op}). Scores are the model's, rescaled so ${op} is each finding's operating point: not probabilities of disease.`,
      style: { fontSize: '11px', color: theme.muted, lineHeight: '1.3' },
    }),
    heading(`At or above the operating point (${positives.length})`),
    positives.length > 0 ? list(positives, 'cxr-findings-positive') : h('div', { text: 'None.', style: { fontSize: '12px', color: theme.muted } }),
    regions ? regionNote(regions) : undefined,
    heatmaps ? heatmapLegend(heatmaps) : undefined,
    heading(`Below the operating point (${rest.length})`),
    list(rest, 'cxr-findings-negative'),
    h('div', { attributes: { 'data-cy': 'cxr-findings-model' }, style: { marginTop: '10px', fontSize: '11px', color: theme.muted, lineHeight: '1.4' } }, [
      h('div', { text: `Model: ${model.name}` }),
      h('div', { text: `Version: ${model.version} · kind: ${model.kind}` }),
      h('div', { text: 'Produced by software and not reviewed by a physician.' }),
    ]),
    reportHref
      ? h('a', {
          text: 'Open the full report (new tab)',
          attributes: { href: reportHref, target: '_blank', rel: 'noopener', 'data-cy': 'cxr-findings-report-link' },
          style: { display: 'inline-block', marginTop: '6px', fontSize: '12px', color: theme.primary, textDecoration: 'underline' },
        })
      : undefined,
  ].filter((element): element is HTMLElement => element !== undefined);
}

function note(text: string, cy: string): HTMLElement {
  return h('div', { text, attributes: { 'data-cy': cy }, style: { fontSize: '12px', color: theme.muted, lineHeight: '1.4', marginTop: '6px' } });
}

export function renderFindingsPanel(view: PanelView): HTMLElement {
  const { state } = view;
  const ready = state?.status === 'ready' ? state.findings : undefined;
  const children: Array<HTMLElement | undefined> = [
    modelBanner(ready?.model ?? view.activeModel),
    view.imageLabel ? h('div', { text: view.imageLabel, attributes: { 'data-cy': 'cxr-findings-image' }, style: { fontSize: '12px', fontWeight: '600', color: theme.foreground } }) : undefined,
  ];
  if (ready) children.push(...findingsBody(ready, view.reportHref, { heatmaps: view.heatmaps, regions: view.regions }));
  else if (state?.status === 'classifying') children.push(note('Classifying this image…', 'cxr-findings-classifying'));
  else if (state?.status === 'failed') children.push(h('div', { text: state.message, attributes: { role: 'alert', 'data-cy': 'cxr-findings-error' }, style: { fontSize: '12px', color: theme.positive, marginTop: '6px', lineHeight: '1.4' } }));
  else if (view.notClassifiable) children.push(note(view.notClassifiable, 'cxr-findings-empty'));
  else children.push(note(`No findings for this image yet. Press Classify findings in the toolbar (or ${view.hotkeyLabel}).`, 'cxr-findings-empty'));
  return h('section', { attributes: { 'aria-label': 'CXR findings', 'data-cy': 'cxr-findings-panel' }, style: { padding: '8px 10px', color: theme.foreground, fontFamily: 'inherit' } }, children);
}
