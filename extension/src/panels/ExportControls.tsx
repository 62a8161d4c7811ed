/**
 * Export SEG (stored with STOW-RS where the loop came from a PACS) and what came of it, with the
 * SEG to download either way; the figures as CSV or JSON.
 */
import React from 'react';
import type { ServiceState, TrusSegmentationService } from '../services/TrusSegmentationService.js';
import { hasSegToWrite, type LoopResult } from '../services/loopResult.js';
import { panelReport, reportFile } from '../utils/panelFigures.js';
import { sentText, stalledText } from '../../../src/util/httpTransfer.js';
import { download } from '../utils/download.js';
import { useMsSince, useMsSinceMoved } from './serviceHooks.js';
import { BUTTON, ERROR, SUCCESS } from './styles.js';

export function ExportControls({ service, state, selected, busy }: { service: TrusSegmentationService; state: ServiceState; selected: LoopResult | undefined; busy: boolean }): React.ReactElement {
  const storing = state.exported?.status === 'done' ? state.exported.outcome.storing : undefined;
  const exporting = state.exported?.status === 'writing' || storing !== undefined;
  const exportError = state.exported?.status === 'error' ? state.exported.message : undefined;
  // An export of another loop or model, or of masks edited since, is not this result's SEG.
  const exported = service.exportOf(selected);
  const exportedBefore = state.exported?.status === 'done' && selected && state.exported.outcome.resultKey === selected.key && !exported;
  const answerAwaitedMs = useMsSince(exported?.storing ? exported.storingAllSentAt : undefined);
  const sendingStalledMs = useMsSinceMoved(exported?.storing ? exported.storingSent : undefined);
  return (
    <>
      {selected && (
        <div className="flex flex-wrap gap-2">
          {hasSegToWrite(selected) && (
            <button className={BUTTON} data-testid="trus-export" disabled={exporting || busy} onClick={() => void service.exportSegmentation(selected).catch(() => undefined)}>
              {storing ? 'Storing SEG…' : exporting ? 'Writing SEG…' : 'Export SEG'}
            </button>
          )}
          {(['csv', 'json'] as const).map((format) => (
            <button
              key={format}
              className={BUTTON}
              data-testid={`trus-download-${format}`}
              onClick={() => {
                const file = reportFile(panelReport(selected, service.planeOf(selected)), format);
                download(file.name, file.type, file.text);
              }}
            >
              Figures {format.toUpperCase()}
            </button>
          ))}
        </div>
      )}
      {exportError && <div className="text-xs" style={{ color: ERROR }} data-testid="trus-export-error">{exportError}</div>}
      {exported && (
        <div className="text-xs" data-testid="trus-export-result" data-stored={exported.storing ? 'storing' : exported.stored ? 'true' : 'false'}>
          {exported.storing ? (
            <div data-testid="trus-storing">
              SEG written; storing it to the PACS ({exported.storing}){exported.storingSent ? `: ${sentText(exported.storingSent, answerAwaitedMs)}${stalledText(sendingStalledMs)}` : ''}. It can be downloaded meanwhile.
            </div>
          ) : exported.stored ? (
            <div style={{ color: SUCCESS }} data-testid="trus-stored">SEG stored to the PACS (SOP Instance UID {exported.stored.sopInstanceUID}).</div>
          ) : exported.noPacs ? (
            <div data-testid="trus-no-pacs">SEG written. This loop&apos;s data source is not a DICOMweb PACS, so there is nowhere to store it: download it below.</div>
          ) : (
            <div style={{ color: ERROR }} data-testid="trus-store-error">
              Not stored to the PACS: {exported.storeError}. The SEG is kept: download it below.
            </div>
          )}
          <button
            className={`${BUTTON} mt-1`}
            data-testid="trus-download-seg"
            onClick={() => {
              download(exported.fileName, 'application/dicom', exported.bytes as BlobPart);
              service.markDownloaded(exported);
            }}
          >
            Download SEG
          </button>
        </div>
      )}
      {exportedBefore && (
        <div className="text-xs text-yellow-500" data-testid="trus-export-stale">
          The masks were edited after the last Export SEG: export again to keep the edits.
        </div>
      )}
    </>
  );
}
