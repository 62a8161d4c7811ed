/** The TRUS cine segmentation extension for OHIF: a service, commands, the panel and a hanging protocol. */
import { EXTENSION_ID } from './id.js';
import { TrusSegmentationService } from './services/TrusSegmentationService.js';
import getPanelModule from './getPanelModule.js';
import commandsModule from './commandsModule.js';
import getHangingProtocolModule from './getHangingProtocolModule.js';
import type { ModuleContext } from './types/ohif.js';

export { TrusSegmentationService } from './services/TrusSegmentationService.js';
export * from './id.js';

const extension = {
  id: EXTENSION_ID,
  preRegistration({ servicesManager, configuration }: ModuleContext) {
    servicesManager.registerService(TrusSegmentationService.REGISTRATION, configuration ?? {});
  },
  getPanelModule,
  getCommandsModule: commandsModule,
  getHangingProtocolModule,
};

export default extension;
