/**
 * Damaged files of the kinds a PACS export or a bad copy produces (bytes flipped, cut short,
 * lengths and values overwritten in the header), made from real files by a seeded generator so a
 * failure can be replayed: each is read, or refused with a typed DicomError naming the file,
 * never a TypeError or RangeError from deep inside a parser or codec.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CineImage } from '../../src/dicom/cineImage.js';
import { DicomError } from '../../src/dicom/errors.js';
import { BinarySegmentation } from '../../src/dicom/segmentation.js';
import { readSegmentation } from '../../src/dicom/segmentationReader.js';

const REAL = resolve(__dirname, '../../../shared/data/real-us');
const CASES_PER_FILE = 250;

/** A linear congruential generator: the same seed gives the same damaged files on any host. */
function generator(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return Math.floor((state / 2 ** 32) * n);
  };
}

const HEADER_END = 4096;

type Damage = (original: Uint8Array, pick: (n: number) => number) => { bytes: Uint8Array; how: string };

const damaged: Damage = (original, pick) => {
  const bytes = new Uint8Array(original);
  const view = new DataView(bytes.buffer);
  const inHeader = (width: number) => 132 + pick(Math.min(bytes.length - width, HEADER_END) - 132);
  switch (pick(5)) {
    case 0: {
      const n = 1 + pick(16);
      for (let i = 0; i < n; i++) bytes[pick(bytes.length)] = pick(256);
      return { bytes, how: `${n} bytes anywhere` };
    }
    case 1: {
      const end = pick(bytes.length);
      return { bytes: bytes.subarray(0, end), how: `cut at ${end}` };
    }
    case 2: {
      const n = 1 + pick(8);
      for (let i = 0; i < n; i++) bytes[inHeader(1)] = pick(256);
      return { bytes, how: `${n} header bytes` };
    }
    case 3: {
      const at = inHeader(4);
      const value = [0xffffffff, 0, 1, 0x7fffffff, pick(1 << 20)][pick(5)]!;
      view.setUint32(at, value, true);
      return { bytes, how: `uint32 ${value} at ${at}` };
    }
    default: {
      const at = inHeader(2);
      const value = [0xffff, 0, 1, pick(65536)][pick(4)]!;
      view.setUint16(at, value, true);
      return { bytes, how: `uint16 ${value} at ${at}` };
    }
  }
};

/** A multipart body's own framing: the first part's boundary and headers, the closing boundary, or a cut. */
const damagedFraming: Damage = (original, pick) => {
  const bytes = new Uint8Array(original);
  switch (pick(3)) {
    case 0: {
      const n = 1 + pick(6);
      for (let i = 0; i < n; i++) bytes[pick(80)] = pick(256);
      return { bytes, how: `${n} bytes of the first boundary and headers` };
    }
    case 1: {
      const n = 1 + pick(6);
      for (let i = 0; i < n; i++) bytes[bytes.length - 1 - pick(60)] = pick(256);
      return { bytes, how: `${n} bytes of the closing boundary` };
    }
    default: {
      const end = pick(bytes.length);
      return { bytes: bytes.subarray(0, end), how: `cut at ${end}` };
    }
  }
};

/** What went wrong other than a DicomError naming the file, per case; empty when all is well. */
async function untypedFailures(original: Uint8Array, seed: number, read: (bytes: Uint8Array, source: string) => Promise<unknown>, damage = damaged): Promise<string[]> {
  const pick = generator(seed);
  const failures: string[] = [];
  for (let k = 0; k < CASES_PER_FILE; k++) {
    const { bytes, how } = damage(original, pick);
    const source = `case-${k}.dcm`;
    try {
      await read(bytes, source);
    } catch (err) {
      if (!(err instanceof DicomError)) failures.push(`case ${k} (${how}): ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      // A multipart body's parts are named "<source> [part N]".
      else if (!err.message.startsWith(`${source}: `) && !err.message.startsWith(`${source} [part `)) failures.push(`case ${k} (${how}): the error does not name the file: ${err.message}`);
    }
  }
  return failures;
}

async function readCine(bytes: Uint8Array, source: string): Promise<void> {
  const cine = CineImage.fromPart10(bytes, source);
  await cine.decodeFrame(0);
  await cine.decodeFrame(cine.numberOfFrames - 1);
}

describe('damaged files are read or refused with a typed error', () => {
  it.each([
    ['the JPEG Baseline YBR cine', 'examples_ybr_color.dcm', 1],
    ['the native PALETTE COLOR image', 'examples_palette.dcm', 2],
    ['the JPEG 2000 image', 'examples_jpeg2k.dcm', 3],
  ])('%s', async (_name, file, seed) => {
    const original = new Uint8Array(readFileSync(resolve(REAL, file)));
    expect(await untypedFailures(original, seed, readCine)).toEqual([]);
  });

  it('a WADO-RS multipart/related body of two instances, its boundaries and part headers damaged or cut', async () => {
    const cine = new Uint8Array(readFileSync(resolve(REAL, 'examples_ybr_color.dcm')));
    const text = (s: string) => new TextEncoder().encode(s);
    const part = (bytes: Uint8Array) => [text('--BOUNDARY\r\nContent-Type: application/dicom\r\n\r\n'), bytes, text('\r\n')];
    const pieces = [...part(cine), ...part(cine), text('--BOUNDARY--\r\n')];
    const body = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    pieces.reduce((at, p) => (body.set(p, at), at + p.length), 0);
    expect(CineImage.fromMultipart(body, 'wado')).toHaveLength(2);
    const readAll = async (bytes: Uint8Array, source: string) => {
      for (const instance of CineImage.fromMultipart(bytes, source)) await instance.decodeFrame(0);
    };
    expect(await untypedFailures(body, 5, readAll, damagedFraming)).toEqual([]);
  });

  it('a SEG of that cine', async () => {
    const source = CineImage.fromPart10(readFileSync(resolve(REAL, 'examples_ybr_color.dcm')), 'examples_ybr_color.dcm');
    const masks = Array.from({ length: source.numberOfFrames }, (_, f) => Uint8Array.from({ length: source.rows * source.columns }, (_, i) => ((i + f) % 7 === 0 ? 1 : 0)));
    const seg = new BinarySegmentation({ source, segments: [{ label: 'Prostate', algorithmType: 'MANUAL', frames: masks }] }).toPart10();
    expect(await untypedFailures(seg, 4, async (bytes, name) => readSegmentation(bytes, name))).toEqual([]);
  });
});
