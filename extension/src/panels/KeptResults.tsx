/**
 * Results in no stored or downloaded SEG: the note that names them, and those kept from an
 * earlier visit to the mode or an earlier page, each with Restore (on its own loop) and Discard.
 */
import React from 'react';
import type { ServiceState, TrusSegmentationService } from '../services/TrusSegmentationService.js';
import type { KeptResult, LoopResult } from '../services/loopResult.js';
import { afterClosing, keptWhen, resultName } from '../utils/panelFigures.js';
import { BUTTON } from './styles.js';

/** The study and the loop on screen, to tell other loops' results apart. */
export interface Shown {
  study?: string;
  loop?: string;
}

/**
 * A result in the unsaved list; one of another loop than the one shown names it (a kept one also
 * says so, and when that loop is of another study than the one shown). One of the loop on screen
 * goes unnamed while every unsaved result is of it; once another loop's is listed too, "this
 * loop" tells the two apart.
 */
function unsavedName(r: LoopResult | KeptResult, service: TrusSegmentationService, shown: Shown, othersListed = false): string {
  if ('loopLabel' in r) return `${resultName(r)} (kept, ${r.loopLabel}${r.studyInstanceUID === shown.study ? '' : ' of another study'})`;
  if (r.displaySetInstanceUID !== shown.loop) return `${resultName(r)} (${service.loopName(r)})`;
  return `${resultName(r)}${othersListed ? ' (this loop)' : ''}`;
}

/** A kept result: its name (and loop, when not the one shown), when it was kept, Restore (on its own loop) and Discard. */
function KeptRow({ kept, service, busy, restorable, where }: { kept: KeptResult; service: TrusSegmentationService; busy: boolean; restorable: boolean; where?: string }): React.ReactElement {
  return (
    <div className="flex items-center justify-between gap-2" data-testid="trus-kept-result" data-model={kept.model.id} data-kept-from={kept.keptFrom}>
      <div className="flex flex-col">
        <span>{where ?? resultName(kept)}</span>
        <span className="text-primary-light" data-testid="trus-kept-when">{keptWhen(kept)}</span>
      </div>
      <span className="flex gap-2">
        {restorable && (
          <button className={BUTTON} data-testid="trus-restore" disabled={busy} onClick={() => void service.restoreKept(kept.key).catch(() => undefined)}>Restore</button>
        )}
        <button
          className={BUTTON}
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

/** Results kept for the loop on screen, restorable here. */
export function KeptHere({ kept, service, busy }: { kept: KeptResult[]; service: TrusSegmentationService; busy: boolean }): React.ReactElement | null {
  if (kept.length === 0) return null;
  return (
    <div className="text-xs" data-testid="trus-kept">
      <div className="text-yellow-500">Kept, in no SEG yet:</div>
      {kept.map((k) => (
        <KeptRow key={k.key} kept={k} service={service} busy={busy} restorable />
      ))}
    </div>
  );
}

/** Results kept for other loops, named with their loop (and study, when not the one shown). */
export function KeptElsewhere({ kept, service, busy, shown }: { kept: KeptResult[]; service: TrusSegmentationService; busy: boolean; shown: Shown }): React.ReactElement | null {
  if (kept.length === 0) return null;
  return (
    <div className="text-xs" data-testid="trus-kept-elsewhere">
      <div className="text-yellow-500">Kept for other loops (open one to restore it):</div>
      {kept.map((k) => (
        <KeptRow key={k.key} kept={k} service={service} busy={busy} restorable={false} where={unsavedName(k, service, shown)} />
      ))}
    </div>
  );
}

/** Every result, of any loop, whose masks as they are now are in no stored or downloaded SEG, and what closing the page does to them. */
export function UnsavedNote({ service, state, keptHere, shown }: { service: TrusSegmentationService; state: ServiceState; keptHere: KeptResult[]; shown: Shown }): React.ReactElement | null {
  const unsaved = service.unsavedResults();
  if (unsaved.length === 0) return null;
  const elsewhere = unsaved.some((u) => ('loopLabel' in u ? !keptHere.includes(u) : u.displaySetInstanceUID !== shown.loop));
  return (
    <div className="text-xs text-yellow-500" data-testid="trus-unsaved" data-count={unsaved.length}>
      Not yet stored or downloaded as a SEG: {unsaved.map((r) => unsavedName(r, service, shown, elsewhere)).join(', ')}. {afterClosing(state.keptInBrowser)}
    </div>
  );
}
