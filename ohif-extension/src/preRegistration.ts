import { configure, readConfiguration } from './config.ts';
import { rewordInvestigationalNotice } from './investigationalNotice.ts';
import { activeModelCard } from './modelInfo.ts';
import type { PreRegistrationParams } from './ohifTypes.ts';
import { useHotkeysManager } from './onModeEnter.ts';
import { useServicesForAuthorization } from './sidecarAuthorization.ts';

/**
 * Before OHIF registers the modules: take the configuration (an OHIF build's `[extension, config]`
 * pair, or the prebuilt viewer's `cxrFindings` app-config key), ask the sidecar which model is
 * active, so that the first notification already says whether it is a demo, and put the product's
 * words into OHIF's investigational-use notice.
 */
export function preRegistration({
  configuration,
  appConfig,
  hotkeysManager,
  servicesManager,
}: Pick<PreRegistrationParams, 'configuration' | 'appConfig' | 'hotkeysManager'> & Partial<Pick<PreRegistrationParams, 'servicesManager'>>): void {
  configure(readConfiguration(configuration, appConfig));
  useServicesForAuthorization(servicesManager?.services);
  useHotkeysManager(hotkeysManager);
  void activeModelCard().then((card) => rewordInvestigationalNotice(card?.kind));
}
