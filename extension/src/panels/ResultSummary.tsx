/** One result's summary figures (unstable frames as links to them), its prostate volume and its warnings. */
import React from 'react';
import type { TrusSegmentationService } from '../services/TrusSegmentationService.js';
import type { LoopResult } from '../services/loopResult.js';
import { probabilityMapsOf, resultWarnings, summaryLines, UNSTABLE_FRAMES } from '../utils/panelFigures.js';
import { volumeToJson } from '../../../src/report/prostateVolume.js';
import { download } from '../utils/download.js';
import { ACCENT, cssColourOf, linkButton, UNSTABLE } from './styles.js';

/** Frame numbers as links that show the frame, keyboard-reachable as buttons. */
function FrameLinks({ frames, onSelectFrame }: { frames: number[]; onSelectFrame: (frameNumber: number) => void }): React.ReactElement {
  return (
    <span>
      {frames.map((f, i) => (
        <React.Fragment key={f}>
          {i > 0 && ', '}
          <button
            type="button"
            className="hover:opacity-80"
            style={linkButton(UNSTABLE)}
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
          style={linkButton(ACCENT)}
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

export function ResultSummary({ service, result, measuring, onSelectFrame }: { service: TrusSegmentationService; result: LoopResult; measuring: boolean; onSelectFrame: (frameNumber: number) => void }): React.ReactElement {
  const { summary } = result;
  return (
    <>
      <table className="w-full text-xs" data-testid="trus-summary" data-model={result.model.id}>
        <caption className="text-left" style={{ color: cssColourOf(result) }}>{result.model.label}{result.edited ? ' — edited' : ''}{measuring ? ' (updating…)' : ''}</caption>
        <tbody>
          {summaryLines(summary, probabilityMapsOf(result)).map(([k, v]) => (
            <tr key={k}>
              <td className="text-primary-light pr-2">{k}</td>
              <td data-figure={k}>{k === UNSTABLE_FRAMES && summary.unstableFrames.length > 0 ? <FrameLinks frames={summary.unstableFrames} onSelectFrame={onSelectFrame} /> : v}</td>
            </tr>
          ))}
          <VolumeRow service={service} result={result} />
        </tbody>
      </table>
      {resultWarnings(result).map((w) => (
        <div key={w} className="text-xs text-yellow-500" data-testid="trus-warning" data-model={result.model.id}>
          ⚠ {w}
        </div>
      ))}
    </>
  );
}
