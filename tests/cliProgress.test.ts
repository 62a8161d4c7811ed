/** The CLI's progress: a batch's labels (place in the batch, the time left) and a transfer's line. */
import { batchLabel, durationText, transferLine, type LineOutput } from '../src/cli/progress.js';
import { sentText, stalledText, transferText } from '../src/util/httpTransfer.js';

describe('batch progress', () => {
  it('says the time left no more precisely than an estimate allows', () => {
    expect(durationText(20_000)).toBe('under a minute');
    expect(durationText(31_000)).toBe('about 1 min');
    expect(durationText(14 * 60_000 + 40_000)).toBe('about 15 min');
    expect(durationText(59 * 60_000 + 29_000)).toBe('about 59 min');
    expect(durationText(65 * 60_000)).toBe('about 1 h 05 min');
    expect(durationText(26 * 3600_000 + 30 * 60_000)).toBe('about 26 h 30 min');
  });

  it('labels a loop with its place, the time left once known, and the end of a long name', () => {
    expect(batchLabel(0, 1, 'loop.dcm')).toBe('loop.dcm');
    expect(batchLabel(0, 120, 'loop.dcm')).toBe('[1/120] loop.dcm');
    expect(batchLabel(2, 120, 'loop.dcm', 40 * 60_000)).toBe('[3/120, about 40 min left] loop.dcm');
    const long = `http://pacs/dicom-web/studies/1.2.3/series/4.5.6/instances/${'7'.repeat(40)}`;
    const label = batchLabel(5, 9, long);
    expect(label).toBe(`[6/9] …${long.slice(-47)}`);
  });
});

describe('transfer progress', () => {
  it('gives what has gone in the unit of the whole, or so far where the size was not given', () => {
    expect(transferText({ received: 340_000, total: 3_420_000 })).toBe('0.3 of 3.4 MB');
    expect(transferText({ received: 3_420_000, total: 3_420_000 })).toBe('3.4 of 3.4 MB');
    expect(transferText({ received: 120_400, total: 480_000 })).toBe('120 of 480 kB');
    expect(transferText({ received: 2_500_000 })).toBe('2.5 MB so far');
    expect(transferText({ received: 800 })).toBe('1 kB so far');
  });

  it('says of an upload all sent that the answer is awaited', () => {
    expect(sentText({ received: 3_100_000, total: 16_600_000 })).toBe('3.1 of 16.6 MB sent');
    expect(sentText({ received: 16_600_000, total: 16_600_000 })).toBe("16.6 of 16.6 MB sent, waiting for the PACS's answer");
    expect(sentText({ received: 16_600_000, total: 16_600_000 }, 400)).toBe("16.6 of 16.6 MB sent, waiting for the PACS's answer");
    expect(sentText({ received: 16_600_000, total: 16_600_000 }, 12_400)).toBe("16.6 of 16.6 MB sent, waiting for the PACS's answer (12 s)");
    expect(sentText({ received: 3_100_000, total: 16_600_000 }, 12_400)).toBe('3.1 of 16.6 MB sent');
    expect(sentText({ received: 90_000 })).toBe('90 kB sent so far');
  });

  it('says of a transfer begun that has not moved for 3 s or more that it has stalled, and for how long', () => {
    expect(stalledText(undefined)).toBe('');
    expect(stalledText(2999)).toBe('');
    expect(stalledText(3000)).toBe(', stalled for 3 s');
    expect(stalledText(12_400)).toBe(', stalled for 12 s');
  });

  /** A stream that records what is written, on a clock the test sets and with timers it runs. */
  function output(isTTY: boolean): LineOutput & { text: string; t: number; timers: { at: number; fn: () => void }[]; advance(to: number): void } {
    const out = {
      isTTY,
      text: '',
      t: 0,
      timers: [] as { at: number; fn: () => void }[],
      write: (s: string) => (out.text += s),
      now: () => out.t,
      after: (ms: number, fn: () => void) => {
        const timer = { at: out.t + ms, fn };
        out.timers.push(timer);
        // Cancelling a timer that has run (or was cancelled) does nothing, as clearTimeout.
        return () => void (out.timers.includes(timer) && out.timers.splice(out.timers.indexOf(timer), 1));
      },
      /** Runs the timers due by `to` in their order, the clock at each one's time. */
      advance(to: number) {
        for (;;) {
          const due = out.timers.filter((timer) => timer.at <= to).sort((a, b) => a.at - b.at)[0];
          if (!due) break;
          out.timers.splice(out.timers.indexOf(due), 1);
          out.t = due.at;
          due.fn();
        }
        out.t = to;
      },
    };
    return out;
  }

  it('says nothing of a transfer that is over within a second', () => {
    for (const tty of [true, false]) {
      const out = output(tty);
      const line = transferLine('retrieving a.dcm', { out });
      out.t = 900;
      line.update({ received: 5e6, total: 5e6 });
      line.end();
      out.advance(5000);
      expect(out.text).toBe('');
    }
  });

  it('redraws one line on a terminal, at most five times a second but always at the end, and ends it', () => {
    const out = output(true);
    const line = transferLine('storing s.dcm', { describe: sentText, out });
    out.t = 1000;
    line.update({ received: 1e6, total: 4e6 });
    out.t = 1100;
    line.update({ received: 2e6, total: 4e6 });
    out.t = 1150;
    line.update({ received: 4e6, total: 4e6 });
    line.end();
    expect(out.text).toBe("\rstoring s.dcm: 1.0 of 4.0 MB sent\rstoring s.dcm: 4.0 of 4.0 MB sent, waiting for the PACS's answer\n");
  });

  it('writes a log a line at each quarter of a known size, and every 10 s of an unknown one', () => {
    const out = output(false);
    const line = transferLine('retrieving a.dcm', { out });
    out.t = 2000;
    for (const received of [0.5e6, 1e6, 1.2e6, 2.1e6, 4e6]) line.update({ received, total: 4e6 });
    line.end();
    expect(out.text.split('\n')).toEqual(['retrieving a.dcm: 1.0 of 4.0 MB', 'retrieving a.dcm: 2.1 of 4.0 MB', 'retrieving a.dcm: 4.0 of 4.0 MB', '']);

    const unknown = output(false);
    const open = transferLine('retrieving b.dcm', { out: unknown });
    for (const [t, received] of [[5000, 1e6], [10_000, 2e6], [12_000, 3e6], [19_000, 4e6], [20_000, 5e6]] as const) {
      unknown.t = t;
      open.update({ received });
    }
    expect(unknown.text).toBe('retrieving b.dcm: 2.0 MB so far\nretrieving b.dcm: 5.0 MB so far\n');
  });

  it('shows a transfer whose last report came within the first second once the second is up, if it is still awaited', () => {
    for (const tty of [true, false]) {
      // A small SEG all sent at once, the PACS slow to answer.
      const out = output(tty);
      const line = transferLine('storing s.dcm', { describe: sentText, out });
      out.t = 300;
      line.update({ received: 2e5, total: 9e5 });
      out.t = 400;
      line.update({ received: 9e5, total: 9e5 });
      expect(out.text).toBe('');
      out.advance(1000);
      const text = "storing s.dcm: 900 of 900 kB sent, waiting for the PACS's answer";
      expect(out.text).toBe(tty ? `\r${text}` : `${text}\n`);
      out.advance(3500);
      line.end();
      out.advance(10_000);
      // A terminal's line counts the wait each second from the moment all had gone (400 ms); a log has its one line.
      expect(out.text).toBe(tty ? [text, `${text} (2 s)`, `${text} (3 s)`].map((t) => `\r${t}`).join('') + '\n' : `${text}\n`);
    }
  });

  it('counts a stall mid-way each second on a terminal from 3 s; a log gets one line for each stall of 10 s', () => {
    const stalled = (text: string, n: number) => `${text}, stalled for ${n} s`;
    const tty = output(true);
    const line = transferLine('retrieving a.dcm', { out: tty });
    tty.t = 1000;
    line.update({ received: 1e6, total: 4e6 });
    tty.advance(5000);
    tty.t = 5200;
    line.update({ received: 2e6, total: 4e6 });
    tty.advance(6000);
    tty.t = 6100;
    line.update({ received: 4e6, total: 4e6 });
    line.end();
    tty.advance(20_000);
    const first = 'retrieving a.dcm: 1.0 of 4.0 MB';
    // Seconds 1 and 2 of the stall pass unsaid; once it moves, its progress overwrites the count.
    expect(tty.text).toBe(`\r${first}\r${stalled(first, 3)}\r${stalled(first, 4)}\r${'retrieving a.dcm: 2.0 of 4.0 MB'.padEnd(stalled(first, 4).length)}\rretrieving a.dcm: 4.0 of 4.0 MB\n`);

    const log = output(false);
    const logged = transferLine('retrieving a.dcm', { out: log });
    log.t = 2000;
    logged.update({ received: 1.1e6, total: 4e6 });
    log.advance(11_999);
    expect(log.text).toBe('retrieving a.dcm: 1.1 of 4.0 MB\n');
    log.advance(40_000);
    const once = `retrieving a.dcm: 1.1 of 4.0 MB\n${stalled('retrieving a.dcm: 1.1 of 4.0 MB', 10)}\n`;
    expect(log.text).toBe(once);
    // A stall of 9 s gets no line; the next of 10 s its own.
    log.t = 40_000;
    logged.update({ received: 1.5e6, total: 4e6 });
    log.advance(49_000);
    logged.update({ received: 1.6e6, total: 4e6 });
    log.advance(60_000);
    logged.update({ received: 4e6, total: 4e6 });
    logged.end();
    log.advance(100_000);
    expect(log.text).toBe(`${once}${stalled('retrieving a.dcm: 1.6 of 4.0 MB', 10)}\nretrieving a.dcm: 4.0 of 4.0 MB\n`);

    // All sent is no stall: the PACS's answer is awaited, and a log has said so once.
    const sent = output(false);
    const storing = transferLine('storing s.dcm', { describe: sentText, out: sent });
    sent.t = 1500;
    storing.update({ received: 9e5, total: 9e5 });
    sent.advance(30_000);
    storing.end();
    expect(sent.text).toBe("storing s.dcm: 900 of 900 kB sent, waiting for the PACS's answer\n");
  });

  it('says that the first byte is awaited where asked to: counted each second on a terminal, one line at 10 s in a log', () => {
    const beforeFirst = "waiting for the PACS's answer";
    const tty = output(true);
    const line = transferLine('retrieving a.dcm', { beforeFirst, out: tty });
    tty.advance(3000);
    const waited = (n: number) => `retrieving a.dcm: ${beforeFirst} (${n} s)`;
    expect(tty.text).toBe([1, 2, 3].map((n) => `\r${waited(n)}`).join(''));
    tty.t = 3200;
    line.update({ received: 1e6, total: 4e6 });
    tty.advance(4000);
    tty.t = 4100;
    line.update({ received: 4e6, total: 4e6 });
    line.end();
    tty.advance(8000);
    // Once it comes, its progress overwrites the wait (padded over the longer text), and nothing counts any more.
    const drawn = waited(3).length;
    expect(tty.text).toBe([1, 2, 3].map((n) => `\r${waited(n)}`).join('') + `\r${'retrieving a.dcm: 1.0 of 4.0 MB'.padEnd(drawn)}\r${'retrieving a.dcm: 4.0 of 4.0 MB'.padEnd(31)}\n`);

    const log = output(false);
    const logged = transferLine('retrieving a.dcm', { beforeFirst, out: log });
    log.advance(9999);
    expect(log.text).toBe('');
    log.advance(30_000);
    expect(log.text).toBe(`${waited(10)}\n`);
    log.t = 31_000;
    logged.update({ received: 4e6, total: 4e6 });
    logged.end();
    expect(log.text).toBe(`${waited(10)}\nretrieving a.dcm: 4.0 of 4.0 MB\n`);

    // Not asked (a local file): nothing while nothing comes.
    for (const isTTY of [true, false]) {
      const quiet = output(isTTY);
      const file = transferLine('reading b.dcm', { out: quiet });
      quiet.advance(20_000);
      file.end();
      expect(quiet.text).toBe('');
    }
  });
});
