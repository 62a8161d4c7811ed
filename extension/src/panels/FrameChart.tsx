/** One per-frame curve plot (SVG): a line per model, unstable frames flagged, click jumps to a frame. */
import React from 'react';
import { valueRange, type CurvePoint, type ValueBounds } from '../utils/panelFigures.js';

export interface ChartSeries {
  id: string;
  label: string;
  color: string;
  points: CurvePoint[];
}

const WIDTH = 300;
const HEIGHT = 96;
const PAD = { left: 38, right: 6, top: 6, bottom: 14 };

export function FrameChart(props: {
  title: string;
  metric: string;
  bounds: ValueBounds;
  series: ChartSeries[];
  frames: number;
  currentFrame: number | undefined;
  onSelectFrame: (frameNumber: number) => void;
}): React.ReactElement {
  const { min, max } = valueRange(props.series.map((s) => s.points), props.bounds);
  const frames = Math.max(props.frames, 2);
  const x = (frameNumber: number) => PAD.left + ((frameNumber - 1) / (frames - 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (value: number) => PAD.top + (1 - (value - min) / (max - min)) * (HEIGHT - PAD.top - PAD.bottom);
  const frameAt = (clientX: number, svg: SVGSVGElement) => {
    const box = svg.getBoundingClientRect();
    const px = ((clientX - box.left) / box.width) * WIDTH;
    const f = Math.round(((px - PAD.left) / (WIDTH - PAD.left - PAD.right)) * (frames - 1)) + 1;
    return Math.min(Math.max(f, 1), props.frames);
  };
  // Enough digits that the two axis labels differ, however flat the curve (a consistency of 0.99998–1).
  const span = max - min;
  const digits = span >= 10 ? 0 : Math.min(6, Math.max(2, Math.ceil(-Math.log10(span)) + 1));
  return (
    <div className="mb-2" data-chart={props.metric}>
      <div className="text-primary-light mb-0.5 text-xs">{props.title}</div>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        role="img"
        aria-label={props.title}
        style={{ cursor: 'crosshair', background: 'rgba(255,255,255,0.03)' }}
        onClick={(e) => {
          const target = e.target as Element;
          const frame = target.getAttribute('data-frame');
          props.onSelectFrame(frame ? Number(frame) : frameAt(e.clientX, e.currentTarget));
        }}
      >
        <text x={PAD.left - 3} y={PAD.top + 6} fontSize="8" fill="#9ca3af" textAnchor="end">{max.toFixed(digits)}</text>
        <text x={PAD.left - 3} y={HEIGHT - PAD.bottom} fontSize="8" fill="#9ca3af" textAnchor="end">{min.toFixed(digits)}</text>
        <text x={PAD.left} y={HEIGHT - 3} fontSize="8" fill="#9ca3af">1</text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 3} fontSize="8" fill="#9ca3af" textAnchor="end">{props.frames}</text>
        {props.currentFrame !== undefined && (
          <line data-current-frame={props.currentFrame} x1={x(props.currentFrame)} x2={x(props.currentFrame)} y1={PAD.top} y2={HEIGHT - PAD.bottom} stroke="#facc15" strokeWidth="1" />
        )}
        {props.series.map((s) => (
          <g key={s.id} data-series={s.id}>
            <polyline fill="none" stroke={s.color} strokeWidth="1.2" points={s.points.map((p) => `${x(p.frameNumber).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')} />
            {s.points.map((p) => (
              <circle
                key={p.frameNumber}
                data-frame={p.frameNumber}
                data-unstable={p.unstable ? 'true' : undefined}
                data-value={p.value}
                cx={x(p.frameNumber)}
                cy={y(p.value)}
                r={p.unstable ? 2.6 : 1.4}
                fill={p.unstable ? '#ef4444' : s.color}
              >
                <title>{`${s.label}, frame ${p.frameNumber}: ${p.value.toFixed(4)}${p.unstable ? ' (unstable)' : ''}`}</title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
    </div>
  );
}
