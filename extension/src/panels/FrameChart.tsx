/** One per-frame curve plot (SVG): a line per model, unstable frames flagged; a click or the keys show a frame. */
import React, { useEffect, useRef } from 'react';
import { valueRange, type CurvePoint, type ValueBounds } from '../utils/panelFigures.js';
import { UNSTABLE } from './styles.js';

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
  // Keys pressed faster than the panel polls the viewport step from the frame last asked for.
  const asked = useRef<number | undefined>(undefined);
  useEffect(() => {
    asked.current = undefined;
  }, [props.currentFrame]);
  // Up and Down are left to OHIF's own hotkeys (previous/next image, the other way round from a
  // slider's); the keys handled here are kept from them, which would switch viewport or series.
  const step: Record<string, (from: number) => number> = {
    ArrowRight: (f) => f + 1,
    ArrowLeft: (f) => f - 1,
    PageUp: (f) => f + 10,
    PageDown: (f) => f - 10,
    Home: () => 1,
    End: () => props.frames,
  };
  const onKeyDown = (e: React.KeyboardEvent) => {
    const to = step[e.key];
    if (!to || props.frames < 1) return;
    e.preventDefault();
    e.stopPropagation();
    const next = Math.min(Math.max(to(asked.current ?? props.currentFrame ?? 1), 1), props.frames);
    asked.current = next;
    props.onSelectFrame(next);
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
        // A slider over the frames, as ARIA describes one: the keys and what a screen reader says.
        role="slider"
        aria-label={`${props.title}, frame shown`}
        aria-valuemin={1}
        aria-valuemax={props.frames}
        aria-valuenow={props.currentFrame}
        aria-valuetext={props.currentFrame === undefined ? undefined : `frame ${props.currentFrame} of ${props.frames}`}
        tabIndex={0}
        onKeyDown={onKeyDown}
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
                fill={p.unstable ? UNSTABLE : s.color}
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
