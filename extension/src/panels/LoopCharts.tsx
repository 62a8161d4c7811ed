/** The per-frame curves of every result on the loop (and of the run in progress), with their legend. */
import React from 'react';
import type { LoopResult } from '../services/loopResult.js';
import type { ModelChoice } from '../services/models.js';
import { CURVES, curve, resultName } from '../utils/panelFigures.js';
import type { FrameMetrics } from '../../../src/temporal/loopMetrics.js';
import { FrameChart, type ChartSeries } from './FrameChart.js';
import { cssColourOf, UNSTABLE } from './styles.js';

export function LoopCharts(props: {
  results: LoopResult[];
  /** The result whose units title the charts. */
  selected: LoopResult | undefined;
  /** The run in progress on this loop: its model and the frames done so far. */
  running: { model: ModelChoice; frames: FrameMetrics[] } | undefined;
  frames: number;
  currentFrame: number | undefined;
  onSelectFrame: (frameNumber: number) => void;
}): React.ReactElement {
  const { results, running } = props;
  return (
    <div data-testid="trus-charts" data-frames={props.frames}>
      {CURVES.map(({ metric, title, bounds }) => {
        const series: ChartSeries[] = results.map((r) => ({ id: r.model.id, label: resultName(r), color: cssColourOf(r), points: curve(r.frames, metric) }));
        if (running) series.push({ id: `${running.model.id}-live`, label: `${running.model.label} (running)`, color: '#e5e7eb', points: curve(running.frames, metric) });
        return (
          <FrameChart
            key={metric}
            metric={metric}
            bounds={bounds}
            title={title(props.selected?.summary ?? { areaUnit: 'mm2' })}
            frames={props.frames}
            currentFrame={props.currentFrame}
            onSelectFrame={props.onSelectFrame}
            series={series}
          />
        );
      })}
      <div className="flex gap-3 text-xs">
        {results.map((r) => (
          <span key={r.key} style={{ color: cssColourOf(r) }}>■ {resultName(r)}</span>
        ))}
        <span style={{ color: UNSTABLE }}>● unstable frame</span>
      </div>
    </div>
  );
}
