/**
 * The right-hand panel: run/cancel with progress and the provider in use, the per-frame curves
 * of every model run on the loop (unstable frames flagged, click to jump), the summary figures,
 * Export SEG (STOW-RS + download) and the figures as CSV/JSON.
 */
import React, { useEffect, useState } from 'react';
import type { ServiceState, TrusSegmentationService } from '../services/TrusSegmentationService.js';
import { colourOf, hasSegToWrite, type KeptResult, type LoopResult } from '../services/loopResult.js';
import { CURVES, afterClosing, curve, keptWhen, panelReport, probabilityMapsOf, reportFile, resultWarnings, summaryLines, UNSTABLE_FRAMES } from '../utils/panelFigures.js';
import { FrameChart, type ChartSeries } from './FrameChart.js';
import type { ScanPlane } from '../../../src/dicom/scanPlane.js';
import { volumeToJson } from '../../../src/report/prostateVolume.js';
import type { FrameMetrics } from '../../../src/temporal/loopMetrics.js';
import { download } from '../utils/download.js';
import { cssColour } from '../utils/resultColours.js';

const cssColourOf = (result: Parameters<typeof colourOf>[0]) => cssColour(colourOf(result));

function useServiceState(service: TrusSegmentationService): ServiceState {
  const [state, setState] = useState(service.getState());
  useEffect(() => {
    const sub = service.subscribe(setState);
    setState(service.getState());
    return () => sub.unsubscribe();
  }, [service]);
  return state;
}

/** The viewport's frame, polled: the viewport is re-created by the host whenever the layout changes. */
function useCurrentFrame(service: TrusSegmentationService): number | undefined {
  const [frame, setFrame] = useState<number | undefined>(undefined);
  useEffect(() => {
    const timer = setInterval(() => {
      try {
        setFrame(service.currentFrameNumber());
      } catch {
        setFrame(undefined);
      }
    }, 200);
    return () => clearInterval(timer);
  }, [service]);
  return frame;
}

/** A button that reads as a link in running text (a frame number, a download). */
function linkButton(color: string): React.CSSProperties {
  return { color, textDecoration: 'underline', background: 'none', border: 'none', padding: 0, cursor: 'pointer', font: 'inherit' };
}

/** Frame numbers as links that show the frame (the summary's unstable frames), keyboard-reachable as buttons. */
function FrameLinks({ frames, onSelectFrame }: { frames: number[]; onSelectFrame: (frameNumber: number) => void }): React.ReactElement {
  return (
    <span>
      {frames.map((f, i) => (
        <React.Fragment key={f}>
          {i > 0 && ', '}
          <button
            type="button"
            className="hover:opacity-80"
            style={linkButton('#ef4444')}
            data-testid="trus-unstable-frame"
            data-frame={f}
            title={`Show frame ${f}`}
            onClick={() => onSelectFrame(f)}
          >
            {f}
          </button>
        </React.Fragment>
      ))}
    </span>
  );
}

/** The active loop's scan plane: as its header says, or named here (what pairs it with a loop of the other plane for a volume). */
function ScanPlaneChoice({ service, result, named, notKept, busy }: { service: TrusSegmentationService; result: LoopResult; named: ScanPlane | 'none' | undefined; notKept: string | undefined; busy: boolean }): React.ReactElement {
  const header = result.scanPlane;
  const forThisPage = notKept ? ` (for this page only: ${notKept})` : '';
  return (
    <div className="flex flex-col text-xs" data-testid="trus-scan-plane" data-plane={service.planeOf(result)?.plane ?? ''}>
      <div className="flex items-center gap-2">
        <label className="text-primary-light" htmlFor="trus-plane">Scan plane</label>
        <select
          id="trus-plane"
          data-testid="trus-plane-select"
          className="bg-black text-white text-xs border border-secondary-light rounded px-1 py-0.5"
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

/** A result's prostate volume with the other plane's loop, or why there is none yet. */
function VolumeRow({ service, result }: { service: TrusSegmentationService; result: LoopResult }): React.ReactElement {
  const outcome = service.volumeFor(result);
  if ('problem' in outcome) {
    return (
      <tr>
        <td className="text-primary-light pr-2">Prostate volume</td>
        <td className="text-primary-light" data-testid="trus-volume" data-problem={outcome.problem}>{outcome.problem}</td>
      </tr>
    );
  }
  const v = outcome.volume;
  const partner = v.transverse.sopInstanceUID === result.sopInstanceUID ? v.sagittal.source : v.transverse.source;
  return (
    <tr>
      <td className="text-primary-light pr-2">Prostate volume</td>
      <td data-testid="trus-volume" data-volume-ml={v.volumeMl}>
        {v.volumeMl.toFixed(1)} mL <span className="text-primary-light">(ellipsoid {v.transverseDiameterMm.toFixed(1)} × {v.anteroposteriorDiameterMm.toFixed(1)} × {v.lengthMm.toFixed(1)} mm, with {partner})</span>{' '}
        <button
          type="button"
          className="hover:opacity-80"
          style={linkButton('#5acce6')}
          data-testid="trus-download-volume"
          title="The volume and its diameters as JSON (the CLI's <StudyInstanceUID>.volume.json)"
          onClick={() => download(`${v.studyInstanceUID}.volume.json`, 'application/json', volumeToJson(v))}
        >
          JSON
        </button>
        {v.warnings.map((w) => (
          <div key={w} className="text-yellow-500" data-testid="trus-volume-warning">⚠ {w}</div>
        ))}
      </td>
    </tr>
  );
}

/** A result as the legend and the lists name it. */
function resultName(r: Pick<LoopResult, 'model' | 'edited'>): string {
  return `${r.model.label}${r.edited ? ' (edited)' : ''}`;
}

/**
 * A result in the unsaved list; one of another loop than the one shown names it (a kept one also
 * says so, and when that loop is of another study than the one shown). One of the loop on screen
 * goes unnamed while every unsaved result is of it; once another loop's is listed too, "this
 * loop" tells the two apart.
 */
function unsavedName(r: LoopResult | KeptResult, service: TrusSegmentationService, shown: { study?: string; loop?: string }, othersListed = false): string {
  if ('loopLabel' in r) return `${resultName(r)} (kept, ${r.loopLabel}${r.studyInstanceUID === shown.study ? '' : ' of another study'})`;
  if (r.displaySetInstanceUID !== shown.loop) return `${resultName(r)} (${service.loopName(r)})`;
  return `${resultName(r)}${othersListed ? ' (this loop)' : ''}`;
}

// Only classes that OHIF's own compiled stylesheet defines take effect (its Tailwind build never
// sees this file): tests/viewer/panelClasses.test.ts holds every class here to that.
const button = 'rounded bg-primary-main px-2 py-1 text-xs text-white hover:opacity-80 disabled:opacity-50 disabled:cursor-not-allowed';
const WARNING = '#eab308';

/** A kept result: its name (and loop, when not the one shown), when it was kept, Restore (on its own loop) and Discard. */
function KeptRow({ kept, service, busy, restorable = false, where }: { kept: KeptResult; service: TrusSegmentationService; busy: boolean; restorable?: boolean; where?: string }): React.ReactElement {
  return (
    <div className="flex items-center justify-between gap-2" data-testid="trus-kept-result" data-model={kept.model.id} data-kept-from={kept.keptFrom}>
      <div className="flex flex-col">
        <span>{where ?? resultName(kept)}</span>
        <span className="text-primary-light" data-testid="trus-kept-when">{keptWhen(kept)}</span>
      </div>
      <span className="flex gap-2">
        {restorable && (
          <button className={button} data-testid="trus-restore" disabled={busy} onClick={() => void service.restoreKept(kept.key).catch(() => undefined)}>Restore</button>
        )}
        <button
          className={button}
          data-testid="trus-discard"
          disabled={busy}
          onClick={() => {
            if (globalThis.confirm?.(`Discard ${resultName(kept)}${where ? ` of ${kept.loopLabel}` : ''}? Its masks are in no stored or downloaded SEG.`)) service.discardKept(kept.key);
          }}
        >
          Discard
        </button>
      </span>
    </div>
  );
}

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

  const series = (pick: (f: FrameMetrics[]) => ChartSeries['points'], extra: ChartSeries[] = []): ChartSeries[] => [
    ...results.map((r) => ({ id: r.model.id, label: resultName(r), color: cssColourOf(r), points: pick(r.frames) })),
    ...extra,
  ];
  const liveModel = state.models.find((m) => m.id === state.modelId);

  const exporting = state.exported?.status === 'writing';
  const exportError = state.exported?.status === 'error' ? state.exported.message : undefined;
  // An export of another loop or model, or of masks edited since, is not this result's SEG.
  const exported = service.exportOf(selected);
  const exportedBefore = state.exported?.status === 'done' && selected && state.exported.outcome.resultKey === selected.key && !exported;
  const unsaved = service.unsavedResults();
  const unsavedElsewhere = unsaved.some((u) => ('loopLabel' in u ? !keptHere.includes(u) : u.displaySetInstanceUID !== activeUid));

  return (
    // overflowWrap (inherited): UIDs, URLs and digests in messages have no spaces and would run out of the panel.
    <div className="flex flex-col gap-2 p-2 text-sm text-white" style={{ overflowWrap: 'break-word' }} data-testid="trus-panel" data-kept-in-browser={state.keptInBrowser.status}>
      <div className="rounded border px-2 py-1 text-xs text-yellow-500" style={{ borderColor: WARNING }} data-testid="trus-research-note">
        Research use only, not for clinical use. The models were trained on simulated TRUS data.
      </div>

      <div className="flex items-center gap-2">
        <label className="text-primary-light text-xs" htmlFor="trus-model">Model</label>
        <select
          id="trus-model"
          data-testid="trus-model"
          className="bg-black text-white text-xs border border-secondary-light rounded px-1 py-0.5"
          value={state.modelId}
          disabled={busy}
          onChange={(e) => service.selectModel(e.target.value)}
        >
          {state.models.map((m) => (
            <option key={m.id} value={m.id}>{m.label}</option>
          ))}
        </select>
      </div>

      <div className="flex gap-2">
        <button className={button} data-testid="trus-segment" disabled={busy} onClick={() => void service.segmentActiveLoop()}>Segment loop</button>
        <button className={button} data-testid="trus-cancel" disabled={!busy} onClick={() => service.cancel()}>Cancel</button>
      </div>

      {(busy || state.progress.total > 0) && (
        <div data-testid="trus-progress" data-done={state.progress.done} data-total={state.progress.total}>
          <div className="h-2 w-full rounded bg-secondary-dark" data-testid="trus-progress-track">
            <div className="h-2 rounded" data-testid="trus-progress-fill" style={{ width: `${state.progress.total ? (100 * state.progress.done) / state.progress.total : 0}%`, background: '#5acce6' }} />
          </div>
          <div className="text-primary-light text-xs">{state.progress.done} / {state.progress.total} frames</div>
        </div>
      )}
      {state.backend && (
        <div className="text-primary-light text-xs" data-testid="trus-provider" data-provider={state.backend.provider}>
          Provider: {state.backend.provider.toUpperCase()}
          {state.backend.provider === 'wasm' ? ` (${state.backend.threads} thread${state.backend.threads === 1 ? '' : 's'})` : ''}
          {state.backend.adapterName ? `, ${state.backend.adapterName}` : ''}
          {state.backend.fallbackReason ? ` — ${state.backend.fallbackReason}` : ''}
        </div>
      )}
      {state.message && (
        <div className="text-xs" style={{ color: state.status === 'error' ? '#f87171' : '#5acce6' }} data-testid="trus-status" data-status={state.status}>
          {state.message}
        </div>
      )}

      {frames > 0 && (
        <div data-testid="trus-charts" data-frames={frames}>
          {CURVES.map(({ metric, title, bounds }) => (
            <FrameChart
              key={metric}
              metric={metric}
              bounds={bounds}
              title={title(selected?.summary ?? { areaUnit: 'mm2' })}
              frames={frames}
              currentFrame={currentFrame}
              onSelectFrame={showFrame}
              series={series(
                (fr) => curve(fr, metric),
                busy && runHere && liveModel ? [{ id: `${liveModel.id}-live`, label: `${liveModel.label} (running)`, color: '#e5e7eb', points: curve(state.liveFrames, metric) }] : [],
              )}
            />
          ))}
          <div className="flex gap-3 text-xs">
            {results.map((r) => (
              <span key={r.key} style={{ color: cssColourOf(r) }}>■ {resultName(r)}</span>
            ))}
            <span style={{ color: '#ef4444' }}>● unstable frame</span>
          </div>
        </div>
      )}

      {results[0] && <ScanPlaneChoice service={service} result={results[0]} named={state.namedPlanes[results[0].sopInstanceUID]} notKept={state.namedPlanesNotKept} busy={busy} />}

      {results.map((r) => (
        <React.Fragment key={r.key}>
          <table className="w-full text-xs" data-testid="trus-summary" data-model={r.model.id}>
            <caption className="text-left" style={{ color: cssColourOf(r) }}>{r.model.label}{r.edited ? ' — edited' : ''}{state.measuring ? ' (updating…)' : ''}</caption>
            <tbody>
              {summaryLines(r.summary, probabilityMapsOf(r)).map(([k, v]) => (
                <tr key={k}>
                  <td className="text-primary-light pr-2">{k}</td>
                  <td data-figure={k}>
                    {k === UNSTABLE_FRAMES && r.summary.unstableFrames.length > 0 ? (
                      <FrameLinks frames={r.summary.unstableFrames} onSelectFrame={showFrame} />
                    ) : (
                      v
                    )}
                  </td>
                </tr>
              ))}
              <VolumeRow service={service} result={r} />
            </tbody>
          </table>
          {resultWarnings(r).map((w) => (
            <div key={w} className="text-xs text-yellow-500" data-testid="trus-warning" data-model={r.model.id}>
              ⚠ {w}
            </div>
          ))}
        </React.Fragment>
      ))}

      {keptHere.length > 0 && (
        <div className="text-xs" data-testid="trus-kept">
          <div className="text-yellow-500">Kept, in no SEG yet:</div>
          {keptHere.map((k) => (
            <KeptRow key={k.key} kept={k} service={service} busy={busy} restorable />
          ))}
        </div>
      )}

      {stored.length > 0 && (
        <div className="text-xs" data-testid="trus-stored-segs">
          <div className="text-primary-light">Stored SEGs of this study</div>
          {stored.map((d) => (
            <div key={d.displaySetInstanceUID} className="flex items-center justify-between gap-2">
              <span>{`${d.SeriesNumber ?? ''} ${d.SeriesDescription ?? 'SEG'}`}</span>
              <button className={button} data-testid="trus-load-seg" disabled={busy} onClick={() => void service.loadStoredSegmentation(d.displaySetInstanceUID)}>Show</button>
            </div>
          ))}
        </div>
      )}

      {selected && (
        <div className="flex flex-wrap gap-2">
          {hasSegToWrite(selected) && (
            <button className={button} data-testid="trus-export" disabled={exporting || busy} onClick={() => void service.exportSegmentation(selected).catch(() => undefined)}>
              {exporting ? 'Writing SEG…' : 'Export SEG'}
            </button>
          )}
          {(['csv', 'json'] as const).map((format) => (
            <button
              key={format}
              className={button}
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
      {exportError && <div className="text-xs" style={{ color: '#f87171' }} data-testid="trus-export-error">{exportError}</div>}
      {exported && (
        <div className="text-xs" data-testid="trus-export-result" data-stored={exported.stored ? 'true' : 'false'}>
          {exported.stored ? (
            <div style={{ color: '#4ade80' }} data-testid="trus-stored">SEG stored to the PACS (SOP Instance UID {exported.stored.sopInstanceUID}).</div>
          ) : exported.noPacs ? (
            <div data-testid="trus-no-pacs">SEG written. This loop&apos;s data source is not a DICOMweb PACS, so there is nowhere to store it: download it below.</div>
          ) : (
            <div style={{ color: '#f87171' }} data-testid="trus-store-error">
              Not stored to the PACS: {exported.storeError}. The SEG is kept: download it below.
            </div>
          )}
          <button
            className={`${button} mt-1`}
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
      {unsaved.length > 0 && (
        <div className="text-xs text-yellow-500" data-testid="trus-unsaved" data-count={unsaved.length}>
          Not yet stored or downloaded as a SEG: {unsaved.map((r) => unsavedName(r, service, shown, unsavedElsewhere)).join(', ')}. {afterClosing(state.keptInBrowser)}
        </div>
      )}
      {keptElsewhere.length > 0 && (
        <div className="text-xs" data-testid="trus-kept-elsewhere">
          <div className="text-yellow-500">Kept for other loops (open one to restore it):</div>
          {keptElsewhere.map((k) => (
            <KeptRow key={k.key} kept={k} service={service} busy={busy} where={unsavedName(k, service, shown)} />
          ))}
        </div>
      )}
    </div>
  );
}
