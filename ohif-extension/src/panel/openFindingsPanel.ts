import { panelId } from '../constants.ts';
import type { OhifServices } from '../ohifTypes.ts';

/** Brings the findings tab forward in its side panel, opening the side panel if it is closed. */
export function openFindingsPanel(services: Pick<OhifServices, 'panelService'>, force = true): void {
  services.panelService?.activatePanel(panelId, force);
}
