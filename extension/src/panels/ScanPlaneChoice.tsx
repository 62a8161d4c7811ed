/** The active loop's scan plane: as its header says, or named here (what pairs it with a loop of the other plane for a volume). */
import React from 'react';
import type { TrusSegmentationService } from '../services/TrusSegmentationService.js';
import type { LoopResult } from '../services/loopResult.js';
import type { ScanPlane } from '../../../src/dicom/scanPlane.js';
import { SELECT } from './styles.js';

export function ScanPlaneChoice({ service, result, named, notKept, busy }: { service: TrusSegmentationService; result: LoopResult; named: ScanPlane | 'none' | undefined; notKept: string | undefined; busy: boolean }): React.ReactElement {
  const header = result.scanPlane;
  const forThisPage = notKept ? ` (for this page only: ${notKept})` : '';
  return (
    <div className="flex flex-col text-xs" data-testid="trus-scan-plane" data-plane={service.planeOf(result)?.plane ?? ''}>
      <div className="flex items-center gap-2">
        <label className="text-primary-light" htmlFor="trus-plane">Scan plane</label>
        <select
          id="trus-plane"
          data-testid="trus-plane-select"
          className={SELECT}
          value={named ?? ''}
          disabled={busy}
          onChange={(e) => service.nameScanPlane(result.sopInstanceUID, e.target.value === '' ? undefined : (e.target.value as ScanPlane | 'none'))}
        >
          <option value="">{header ? `${header.plane} (header)` : 'not in the header'}</option>
          <option value="transverse">transverse</option>
          <option value="sagittal">sagittal</option>
          <option value="none">not paired</option>
        </select>
      </div>
      <span className="text-primary-light">{named ? `${named === 'none' ? 'not paired with another loop for a volume' : 'named here'}${forThisPage}` : header ? `from ${header.from}` : 'name it to pair this loop with a loop of the other plane for a prostate volume'}</span>
    </div>
  );
}
