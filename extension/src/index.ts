/** The TRUS cine segmentation extension for OHIF: a service, commands, the panel and a hanging protocol. */
import { EXTENSION_ID } from './id.js';
import { TrusSegmentationService } from './services/TrusSegmentationService.js';
import getPanelModule from './getPanelModule.js';
import commandsModule from './commandsModule.js';
import getHangingProtocolModule from './getHangingProtocolModule.js';
import type { ModuleContext } from './types/ohif.js';

export { TrusSegmentationService, type ServiceConfiguration } from './services/TrusSegmentationService.js';
export type { ModelChoice } from './services/models.js';
export * from './id.js';

const extension = {
  id: EXTENSION_ID,
  preRegistration({ servicesManager, configuration, appConfig }: ModuleContext) {
    // Sites that build OHIF pass settings as the extension's configuration or in app-config.js.
    const fromAppConfig = appConfig?.trusCineSeg;
    const settings = { ...(typeof fromAppConfig === 'object' && fromAppConfig ? fromAppConfig : {}), ...(configuration ?? {}) };
    servicesManager.registerService(TrusSegmentationService.REGISTRATION, settings);
  },
  getPanelModule,
  getCommandsModule: commandsModule,
  getHangingProtocolModule,
};

export default extension;
