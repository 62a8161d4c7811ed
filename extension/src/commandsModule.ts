/** Commands of the extension (toolbar buttons and other extensions call these by name). */
import { SERVICE_NAME } from './id.js';
import type { TrusSegmentationService } from './services/TrusSegmentationService.js';
import type { ModuleContext } from './types/ohif.js';
import { panelReport, reportFile } from './utils/panelFigures.js';
import { download } from './utils/download.js';

export default function commandsModule({ servicesManager }: ModuleContext) {
  const service = () => servicesManager.services[SERVICE_NAME] as TrusSegmentationService;
  const notify = (type: 'success' | 'error' | 'info', title: string, message: string) =>
    servicesManager.services.uiNotificationService?.show({ title, message, type, duration: type === 'error' ? 8000 : 4000 });

  const actions = {
    trusSegmentLoop: async ({ modelId }: { modelId?: string } = {}) => {
      if (modelId) service().selectModel(modelId);
      const result = await service().segmentActiveLoop();
      const state = service().getState();
      if (!result && state.status === 'error') notify('error', 'TRUS segmentation', state.message ?? 'failed');
      return result;
    },
    trusCancelSegmentation: () => service().cancel(),
    trusJumpToFrame: ({ frameNumber }: { frameNumber: number }) => service().jumpToFrame(frameNumber),
    trusExportSeg: async () => {
      try {
        const outcome = await service().exportSegmentation();
        if (outcome.stored) notify('success', 'DICOM SEG stored', `SOP Instance UID ${outcome.stored.sopInstanceUID}`);
        else if (outcome.noPacs) notify('info', 'DICOM SEG written', "this loop's data source is not a DICOMweb PACS: download the SEG in the TRUS panel");
        else notify('error', 'DICOM SEG not stored', `${outcome.storeError ?? ''} — the download stays available in the TRUS panel`);
        return outcome;
      } catch (err) {
        notify('error', 'Export SEG', err instanceof Error ? err.message : String(err));
        return undefined;
      }
    },
    trusDownloadFigures: ({ format = 'csv' }: { format?: 'csv' | 'json' } = {}) => {
      const result = service().exportableResult();
      if (!result) {
        notify('info', 'TRUS figures', 'segment the loop first');
        return;
      }
      const file = reportFile(panelReport(result, service().planeOf(result)), format);
      download(file.name, file.type, file.text);
    },
  };

  const definitions = Object.fromEntries(Object.entries(actions).map(([name, commandFn]) => [name, { commandFn }]));
  return { actions, definitions, defaultContext: 'VIEWER' };
}
