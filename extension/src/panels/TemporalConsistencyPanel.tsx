/**
 * The right-hand panel: run/cancel with progress and the provider in use, the per-frame curves
 * of every model run on the loop (unstable frames flagged, click to jump), the summary figures,
 * Export SEG (STOW-RS + download) and the figures as CSV/JSON, and the results not yet in a SEG.
 * It lays out the parts beside it; each reads the service.
 */
import React, { useEffect } from 'react';
import type { TrusSegmentationService } from '../services/TrusSegmentationService.js';
import { useCurrentFrame, useServiceState } from './serviceHooks.js';
import { RunControls } from './RunControls.js';
import { LoopCharts } from './LoopCharts.js';
import { ScanPlaneChoice } from './ScanPlaneChoice.js';
import { ResultSummary } from './ResultSummary.js';
import { ExportControls } from './ExportControls.js';
import { KeptElsewhere, KeptHere, UnsavedNote } from './KeptResults.js';
import { BUTTON, WARNING } from './styles.js';

export function TemporalConsistencyPanel({ service }: { service: TrusSegmentationService }): React.ReactElement {
  const state = useServiceState(service);
  const currentFrame = useCurrentFrame(service);
  const busy = state.status === 'loading' || state.status === 'running';
  const activeDisplaySet = service.activeDisplaySet()?.displaySet;
  const activeUid = activeDisplaySet?.displaySetInstanceUID ?? state.displaySetInstanceUID;
  const keptHere = service.keptFor(activeDisplaySet);
  // Until the viewport shows its loop, no kept result can be told to be of another one.
  const keptElsewhere = activeDisplaySet ? state.kept.filter((k) => !keptHere.includes(k)) : [];
  const results = service.resultsFor(activeUid);
  const selected = results.find((r) => r.model.id === state.modelId) ?? results[results.length - 1];
  const stored = service.storedSegmentations();
  // The run in progress (or last run) may be of another loop than the one shown now.
  const runHere = state.displaySetInstanceUID === activeUid;
  const frames = Math.max(runHere ? state.progress.total : 0, ...results.map((r) => r.frames.length), 0);
  const shown = { study: activeDisplaySet?.StudyInstanceUID, loop: activeUid };
  // Once a loop is shown, the selected model loads in the background.
  const prepareFor = activeDisplaySet ? state.modelId : undefined;
  useEffect(() => (prepareFor ? service.prepareModelWhenIdle() : undefined), [service, prepareFor]);
  // A frame the viewport no longer has (the layout changed under the click) is nothing to report.
  const showFrame = (frameNumber: number) => void service.jumpToFrame(frameNumber).catch(() => undefined);
  const liveModel = state.models.find((m) => m.id === state.modelId);
  const running = busy && runHere && liveModel ? { model: liveModel, frames: state.liveFrames } : undefined;

  return (
    // overflowWrap (inherited): UIDs, URLs and digests in messages have no spaces and would run out of the panel.
    <div className="flex flex-col gap-2 p-2 text-sm text-white" style={{ overflowWrap: 'break-word' }} data-testid="trus-panel" data-kept-in-browser={state.keptInBrowser.status}>
      <div className="rounded border px-2 py-1 text-xs text-yellow-500" style={{ borderColor: WARNING }} data-testid="trus-research-note">
        Research use only, not for clinical use. The models were trained on simulated TRUS data.
      </div>

      <RunControls service={service} state={state} busy={busy} />

      {frames > 0 && <LoopCharts results={results} selected={selected} running={running} frames={frames} currentFrame={currentFrame} onSelectFrame={showFrame} />}

      {results[0] && <ScanPlaneChoice service={service} result={results[0]} named={state.namedPlanes[results[0].sopInstanceUID]} notKept={state.namedPlanesNotKept} busy={busy} />}

      {results.map((r) => (
        <ResultSummary key={r.key} service={service} result={r} measuring={state.measuring} onSelectFrame={showFrame} />
      ))}

      <KeptHere kept={keptHere} service={service} busy={busy} />

      {stored.length > 0 && (
        <div className="text-xs" data-testid="trus-stored-segs">
          <div className="text-primary-light">Stored SEGs of this study</div>
          {stored.map((d) => (
            <div key={d.displaySetInstanceUID} className="flex items-center justify-between gap-2">
              <span>{`${d.SeriesNumber ?? ''} ${d.SeriesDescription ?? 'SEG'}`}</span>
              <button className={BUTTON} data-testid="trus-load-seg" disabled={busy} onClick={() => void service.loadStoredSegmentation(d.displaySetInstanceUID)}>Show</button>
            </div>
          ))}
        </div>
      )}

      <ExportControls service={service} state={state} selected={selected} busy={busy} />
      <UnsavedNote service={service} state={state} keptHere={keptHere} shown={shown} />
      <KeptElsewhere kept={keptElsewhere} service={service} busy={busy} shown={shown} />
    </div>
  );
}
