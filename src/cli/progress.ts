import type { RunReport } from '../report/runReport.js';
import { awaitedText, isWhole, stalledText, transferText, type TransferProgress } from '../util/httpTransfer.js';

/** A one-line progress bar on stderr (redrawn on a terminal, a few lines otherwise). */
export function progressBar(label: string): (done: number, total: number) => void {
  const tty = process.stderr.isTTY;
  let last = -1;
  return (done, total) => {
    const pct = Math.floor((100 * done) / total);
    if (!tty && pct < 100 && pct - last < 25) return;
    last = pct;
    const bar = '#'.repeat(Math.round(pct / 5)).padEnd(20, '.');
    process.stderr.write(`${tty ? '\r' : ''}${label} [${bar}] ${done}/${total} frames${tty ? (done === total ? '\n' : '') : '\n'}`);
  };
}

export interface TransferLine {
  update(progress: TransferProgress): void;
  /** The transfer is over (done or failed): ends a line left open on a terminal. */
  end(): void;
}

/** Where a transfer line is written, and the clock it goes by (process.stderr, Date.now and setTimeout, but for tests). */
export interface LineOutput {
  isTTY?: boolean;
  write(text: string): unknown;
  now?(): number;
  /** Calls `fn` after `ms`; returns what cancels it. */
  after?(ms: number, fn: () => void): () => void;
}

/** A transfer says nothing before this: one that ends sooner is no wait worth a line. */
const TRANSFER_QUIET_MS = 1000;
/** How often a terminal's line is redrawn at most, and a log's line written where the size is unknown. */
const TTY_REDRAW_MS = 200;
const LOG_UNKNOWN_SIZE_MS = 10_000;
/** How long a wait (a first byte, or a transfer stalled mid-way) lasts before a log gets its one line. */
const LOG_WAIT_MS = 10_000;

function unrefAfter(ms: number, fn: () => void): () => void {
  const timer = setTimeout(fn, ms);
  // The line's own wait never holds the process open: the transfer it reports on does that.
  timer.unref();
  return () => clearTimeout(timer);
}

export interface TransferLineOptions {
  /** Words the progress, and once all of it has gone how long the end has been awaited (`transferText`, or `sentText` for an upload). */
  describe?: (progress: TransferProgress, awaitedMs?: number) => string;
  /** What the line says while nothing has come yet (a PACS slow to begin its answer); undefined: nothing. */
  beforeFirst?: string;
  out?: LineOutput;
}

/**
 * A transfer's progress on stderr (`retrieving …: 12.5 of 80.0 MB`, `storing …: 3.1 of 33.6 MB
 * sent`), once it has taken a second: redrawn on a terminal; in a log, a line at each quarter of
 * a known size, or every 10 s where the server gave none. While nothing moves (nothing come yet,
 * all gone and the PACS's answer awaited, or a stall mid-way of 3 s or more) a terminal's line
 * counts the wait each second; a log gets one line for a first byte awaited 10 s, and one for
 * each stall of 10 s.
 */
export function transferLine(label: string, options: TransferLineOptions = {}): TransferLine {
  const { describe = transferText, beforeFirst } = options;
  const out: LineOutput = options.out ?? process.stderr;
  const now = () => out.now?.() ?? Date.now();
  const after = out.after ?? unrefAfter;
  const started = now();
  let drawn = 0;
  let lastWrite = -Infinity;
  let lastQuarter = 0;
  let latest: TransferProgress | undefined;
  let wholeAt: number | undefined;
  /** When the latest report moved the transfer on. */
  let movedAt = started;
  let cancelStallWatch: (() => void) | undefined;
  const pending = new Set<() => void>();
  const schedule = (ms: number, fn: () => void): (() => void) => {
    const cancel = after(ms, () => {
      pending.delete(cancel);
      fn();
    });
    pending.add(cancel);
    return () => {
      pending.delete(cancel);
      cancel();
    };
  };
  const rewrite = (text: string) => {
    out.write(`\r${text.padEnd(drawn)}`);
    drawn = text.length;
  };
  /** The line while nothing moves, with the wait so far; undefined while the transfer moves. */
  const waiting = (t: number): string | undefined => {
    if (!latest) return beforeFirst === undefined ? undefined : `${beforeFirst}${awaitedText(t - started)}`;
    if (wholeAt !== undefined) return describe(latest, t - wholeAt);
    const stalled = stalledText(t - movedAt);
    return stalled ? `${describe(latest)}${stalled}` : undefined;
  };
  /** In a log, one line once the transfer has not moved for LOG_WAIT_MS (on a terminal, the tick counts it). */
  const watchStallInLog = () => {
    cancelStallWatch?.();
    cancelStallWatch = schedule(LOG_WAIT_MS, () => {
      const text = wholeAt === undefined ? waiting(now()) : undefined;
      if (text !== undefined) out.write(`${label}: ${text}\n`);
    });
  };
  const draw = (progress: TransferProgress, t: number) => {
    const text = `${label}: ${describe(progress)}`;
    if (out.isTTY) {
      if (t - lastWrite < TTY_REDRAW_MS && !isWhole(progress)) return;
      rewrite(text);
    } else if (progress.total !== undefined) {
      const quarter = Math.floor((4 * progress.received) / progress.total);
      if (quarter <= lastQuarter) return;
      lastQuarter = quarter;
      out.write(`${text}\n`);
    } else {
      if (t - Math.max(lastWrite, started) < LOG_UNKNOWN_SIZE_MS) return;
      out.write(`${text}\n`);
    }
    lastWrite = t;
  };
  const tick = () =>
    schedule(1000, () => {
      const text = waiting(now());
      if (text !== undefined) rewrite(`${label}: ${text}`);
      tick();
    });
  // The quiet second up: the latest report if one came within it (a SEG all sent at once, its
  // answer awaited), else the wait for the first.
  schedule(TRANSFER_QUIET_MS, () => {
    const t = now();
    if (latest) draw(latest, t);
    else if (beforeFirst !== undefined && out.isTTY) rewrite(`${label}: ${waiting(t)}`);
    else if (beforeFirst !== undefined) {
      schedule(LOG_WAIT_MS - TRANSFER_QUIET_MS, () => {
        if (!latest) out.write(`${label}: ${waiting(now())}\n`);
      });
    }
    if (out.isTTY) tick();
  });
  return {
    update(progress) {
      const t = now();
      if (latest?.received !== progress.received) {
        movedAt = t;
        if (!out.isTTY) watchStallInLog();
      }
      latest = progress;
      if (wholeAt === undefined && isWhole(progress)) wholeAt = t;
      if (t - started >= TRANSFER_QUIET_MS) draw(progress, t);
    },
    end() {
      for (const cancel of pending) cancel();
      pending.clear();
      latest = undefined;
      if (drawn > 0) out.write('\n');
      drawn = 0;
    },
  };
}

/** A time still to wait, as a person reads it: no more precision than an estimate has. */
export function durationText(ms: number): string {
  const minutes = Math.round(ms / 60000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `about ${minutes} min`;
  return `about ${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/**
 * A loop's label in a batch: its place (`[3/120] `), with the time the rest of the batch should
 * take once one loop has been timed (`[3/120, about 40 min left] `), and its name, the start cut
 * so the bar fits a line.
 */
export function batchLabel(index: number, count: number, name: string, remainingMs?: number): string {
  const position = count > 1 ? `[${index + 1}/${count}${remainingMs !== undefined ? `, ${durationText(remainingMs)} left` : ''}] ` : '';
  return position + (name.length > 48 ? `…${name.slice(-47)}` : name);
}

/** The summary figures printed under each loop of a batch, and its accuracy against a reference. */
export function summaryText(report: Pick<RunReport, 'summary' | 'groundTruth' | 'probabilityMaps'>): string {
  const { summary: s, groundTruth: groundTruthFile } = report;
  const ofMasks = report.probabilityMaps === 'masks' ? ' (of the masks)' : '';
  return (
    `  mean area ${s.meanArea.toFixed(1)} ${s.areaUnit}, area CV ${s.areaCoefficientOfVariation.toFixed(3)}, warped consistency ${s.meanWarpedConsistency?.toFixed(4) ?? 'n/a'}${ofMasks}, flicker ${s.flickerCount}, unstable frames ${s.unstableFrames.length}` +
    (s.medianDiameters ? `\n  diameters (median) ${s.medianDiameters.lateral.toFixed(1)} lateral × ${s.medianDiameters.anteroposterior.toFixed(1)} antero-posterior ${s.distanceUnit}` : '') +
    (s.groundTruth ? `\n  vs ${groundTruthFile}: Dice ${s.groundTruth.dice.toFixed(4)}, HD95 ${s.groundTruth.hd95?.toFixed(2) ?? 'n/a'} ${s.distanceUnit}` : '')
  );
}
