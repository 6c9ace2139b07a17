import { panelId } from '../constants.ts';
import type { OhifServices } from '../ohifTypes.ts';

/**
 * Brings the findings tab forward in its side panel. `activatePanel(id, true)` opens a side panel that
 * was never opened, but OHIF 3.13's SidePanel then stays shut if the reader closed it by hand. A press
 * of the button is the reader asking for the findings, so `reopen` also tells the layout to open that
 * side, as a mode's panel options do (PANELS_CHANGED with `rightPanelClosed: false`; the layout
 * listens for it, and PanelService broadcasts through its PubSubService's `_broadcastEvent`).
 */
export function openFindingsPanel(services: Pick<OhifServices, 'panelService'>, reopen = false): void {
  const { panelService } = services;
  if (!panelService) return;
  if (reopen && panelService._broadcastEvent && panelService.getPanels) {
    const side = panelService.getPanels('right').some((panel) => panel.id === panelId) ? 'right' : 'left';
    panelService._broadcastEvent(panelService.EVENTS.PANELS_CHANGED, { position: side, options: { [`${side}PanelClosed`]: false } });
  }
  panelService.activatePanel(panelId, true);
}
