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
