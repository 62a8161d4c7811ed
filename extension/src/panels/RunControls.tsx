/** The model, Segment loop and Cancel, the run's progress (and its downloads), the provider in use and the service's last message. */
import React from 'react';
import type { ServiceState, TrusSegmentationService } from '../services/TrusSegmentationService.js';
import { ACCENT, BUTTON, ERROR, SELECT } from './styles.js';
import { AWAITING_PACS, awaitedText, stalledText, transferText } from '../../../src/util/httpTransfer.js';
import { useMsSince, useMsSinceMoved } from './serviceHooks.js';

export function RunControls({ service, state, busy }: { service: TrusSegmentationService; state: ServiceState; busy: boolean }): React.ReactElement {
  const { progress, backend } = state;
  // Until the cine's first byte, the wait is the PACS's (one fetching the study from its archive first, say): counted once it passes a second.
  const loading = state.status === 'loading' ? state.loading : undefined;
  const cineAwaitedMs = useMsSince(loading && !loading.cine ? loading.cineRequestedAt : undefined);
  // A transfer begun that stops moving is counted too: it fails only at its idle limit (2 minutes).
  const cineStalledMs = useMsSinceMoved(loading?.cine);
  const modelStalledMs = useMsSinceMoved(loading?.model);
  return (
    <>
      <div className="flex items-center gap-2">
        <label className="text-primary-light text-xs" htmlFor="trus-model">Model</label>
        <select id="trus-model" data-testid="trus-model" className={SELECT} value={state.modelId} disabled={busy} onChange={(e) => service.selectModel(e.target.value)}>
          {state.models.map((m) => (
            <option key={m.id} value={m.id}>{m.label}</option>
          ))}
        </select>
      </div>

      <div className="flex gap-2">
        <button className={BUTTON} data-testid="trus-segment" disabled={busy} onClick={() => void service.segmentActiveLoop()}>Segment loop</button>
        <button className={BUTTON} data-testid="trus-cancel" disabled={!busy} onClick={() => service.cancel()}>Cancel</button>
      </div>

      {(busy || progress.total > 0) && (
        <div data-testid="trus-progress" data-done={progress.done} data-total={progress.total}>
          <div className="h-2 w-full rounded bg-secondary-dark" data-testid="trus-progress-track">
            <div className="h-2 rounded" data-testid="trus-progress-fill" style={{ width: `${progress.total ? (100 * progress.done) / progress.total : 0}%`, background: ACCENT }} />
          </div>
          <div className="text-primary-light text-xs">{progress.done} / {progress.total} frames</div>
        </div>
      )}
      {state.status === 'loading' && state.loading && (
        <div className="text-primary-light text-xs" data-testid="trus-loading">
          {state.loading.cine && (
            <div data-testid="trus-loading-cine" data-received={state.loading.cine.received} data-total={state.loading.cine.total}>
              Cine: {transferText(state.loading.cine)}
              {stalledText(cineStalledMs)}
            </div>
          )}
          {!state.loading.cine && cineAwaitedMs !== undefined && cineAwaitedMs >= 1000 && (
            <div data-testid="trus-loading-cine-awaited">
              Cine: {AWAITING_PACS}
              {awaitedText(cineAwaitedMs)}
            </div>
          )}
          {state.loading.model && (
            <div data-testid="trus-loading-model" data-file={state.loading.model.file} data-received={state.loading.model.received} data-total={state.loading.model.total}>
              {state.loading.model.file === 'model weights' ? 'Model weights' : 'Runtime (onnxruntime-web)'}: {transferText(state.loading.model)}
              {stalledText(modelStalledMs)}
            </div>
          )}
        </div>
      )}
      {backend && (
        <div className="text-primary-light text-xs" data-testid="trus-provider" data-provider={backend.provider}>
          Provider: {backend.provider.toUpperCase()}
          {backend.provider === 'wasm' ? ` (${backend.threads} thread${backend.threads === 1 ? '' : 's'})` : ''}
          {backend.adapterName ? `, ${backend.adapterName}` : ''}
          {backend.fallbackReason ? ` — ${backend.fallbackReason}` : ''}
        </div>
      )}
      {state.message && (
        <div className="text-xs" style={{ color: state.status === 'error' ? ERROR : ACCENT }} data-testid="trus-status" data-status={state.status}>
          {state.message}
        </div>
      )}
    </>
  );
}
