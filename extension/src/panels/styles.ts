/**
 * The panel's shared looks. Only classes that OHIF's own compiled stylesheet defines take effect
 * (its Tailwind build never sees these files): tests/viewer/panelClasses.test.ts holds every class
 * named here and in the panel's components to that.
 */
import type React from 'react';
import { colourOf } from '../services/loopResult.js';
import { cssColour } from '../utils/resultColours.js';

export const BUTTON = 'rounded bg-primary-main px-2 py-1 text-xs text-white hover:opacity-80 disabled:opacity-50 disabled:cursor-not-allowed';
export const SELECT = 'bg-black text-white text-xs border border-secondary-light rounded px-1 py-0.5';
export const WARNING = '#eab308';
export const ERROR = '#f87171';
export const SUCCESS = '#4ade80';
/** Unstable frames, in the charts and the summary's links. */
export const UNSTABLE = '#ef4444';
export const ACCENT = '#5acce6';

/** A result's colour as CSS, the same in the charts, the legend, the captions and the viewport. */
export const cssColourOf = (result: Parameters<typeof colourOf>[0]): string => cssColour(colourOf(result));

/** A button that reads as a link in running text (a frame number, a download). */
export function linkButton(color: string): React.CSSProperties {
  return { color, textDecoration: 'underline', background: 'none', border: 'none', padding: 0, cursor: 'pointer', font: 'inherit' };
}
