import { readFileSync } from 'node:fs';
import { CineImage } from './src/dicom/cineImage.js';
import { readSegmentation } from './src/dicom/segmentationReader.js';
import { DicomError } from './src/dicom/errors.js';

let seed = Number(process.argv[2] ?? 1);
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const ri = (n: number) => Math.floor(rnd() * n);
const files = process.argv.slice(4);
const N = Number(process.argv[3] ?? 200);
const bad = new Map<string, { count: number; example: string; stack: string }>();
let ok = 0, typed = 0, slow = 0;
function mutate(src: Uint8Array): Uint8Array {
  const kind = ri(5);
  let b = new Uint8Array(src);
  if (kind === 0) { const n = 1 + ri(16); for (let i = 0; i < n; i++) b[ri(b.length)] = ri(256); }
  else if (kind === 1) { b = b.subarray(0, ri(b.length)); }
  else if (kind === 2) { // header-area flips
    const lim = Math.min(b.length, 4096); const n = 1 + ri(8); for (let i = 0; i < n; i++) b[132 + ri(lim - 132)] = ri(256);
  } else if (kind === 3) { // overwrite a 4-byte value with large/small ints in the header
    const lim = Math.min(b.length - 4, 4096); const p = 132 + ri(lim - 132); const v = [0xffffffff, 0, 1, 0x7fffffff, ri(1 << 20)][ri(5)]!; new DataView(b.buffer).setUint32(p, v, true);
  } else { // 2-byte overwrite in header
    const lim = Math.min(b.length - 2, 4096); const p = 132 + ri(lim - 132); new DataView(b.buffer).setUint16(p, [0xffff, 0, 1, ri(65536)][ri(4)]!, true);
  }
  return b;
}
const isSeg = (f: string) => /seg\.dcm$/.test(f);
for (const f of files) {
  const src = new Uint8Array(readFileSync(f));
  for (let k = 0; k < N; k++) {
    const m = mutate(src);
    const t0 = performance.now();
    try {
      if (isSeg(f)) { const s = readSegmentation(m, 'x'); void s.frames.length; }
      else {
        const c = CineImage.fromPart10(m, 'x');
        void c.warnings; void c.maximumValue;
        await c.decodeFrame(0); await c.decodeFrame(c.numberOfFrames - 1);
      }
      ok++;
    } catch (err) {
      if (err instanceof DicomError) typed++;
      else {
        const e = err as Error; const key = `${f.split('/').pop()} ${e?.name}: ${String(e?.message).slice(0, 100)}`;
        const prev = bad.get(key); if (prev) prev.count++; else bad.set(key, { count: 1, example: `seed-state k=${k}`, stack: String(e?.stack).split('\n').slice(0, 5).join(' | ') });
      }
    }
    const dt = performance.now() - t0; if (dt > 3000) { slow++; console.log('SLOW', f, k, dt.toFixed(0)); }
  }
}
console.log({ ok, typed, slow });
for (const [k, v] of bad) console.log(v.count, k, '\n   ', v.stack);
