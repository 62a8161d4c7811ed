import { SpareFloat32Arrays } from '../../src/util/spareFloat32Arrays.js';

describe('spare Float32Arrays', () => {
  it('hands a given-back buffer out again for its length only, and new zeroed arrays otherwise', () => {
    const spare = new SpareFloat32Arrays();
    const a = spare.take(6);
    expect(Array.from(a)).toEqual([0, 0, 0, 0, 0, 0]);
    a.fill(5);
    spare.give(a.buffer as ArrayBuffer);
    expect(spare.size).toBe(1);
    // Another length: a new array, the spare one stays.
    const b = spare.take(5);
    expect(b.buffer).not.toBe(a.buffer);
    expect(spare.size).toBe(1);
    const again = spare.take(6);
    expect(again.buffer).toBe(a.buffer);
    expect(again.length).toBe(6);
    // Its old contents are left: a taker writes every value.
    expect(Array.from(again)).toEqual([5, 5, 5, 5, 5, 5]);
    expect(spare.size).toBe(0);
    expect(spare.take(6).buffer).not.toBe(a.buffer);
  });

  it('keeps at most its limit, ignores a buffer given twice, and drops a detached one and one of a length never taken', () => {
    const spare = new SpareFloat32Arrays(3);
    spare.give(new Float32Array(4).buffer);
    expect(spare.size).toBe(0);
    spare.take(4);
    const buffers = Array.from({ length: 5 }, () => new Float32Array(4).buffer);
    spare.give(buffers[0]!);
    spare.give(buffers[0]!);
    expect(spare.size).toBe(1);
    for (const b of buffers.slice(1)) spare.give(b);
    expect(spare.size).toBe(3);
    const taken = [spare.take(4), spare.take(4), spare.take(4), spare.take(4)].map((a) => a.buffer);
    expect(taken.filter((b) => buffers.includes(b as ArrayBuffer))).toHaveLength(3);
    expect(new Set(taken).size).toBe(4);
    const detached = new Float32Array(4).buffer;
    structuredClone(detached, { transfer: [detached] });
    expect(detached.byteLength).toBe(0);
    spare.give(detached);
    expect(spare.size).toBe(0);
  });

  it('clear drops what it kept and the lengths asked for, so that buffers of other sizes can fill it', () => {
    const spare = new SpareFloat32Arrays(2);
    spare.take(4);
    spare.give(new Float32Array(4).buffer);
    spare.give(new Float32Array(4).buffer);
    expect(spare.size).toBe(2);
    spare.take(8);
    // Full of the old size: a buffer of the new one is dropped.
    const dropped = new Float32Array(8).buffer;
    spare.give(dropped);
    expect(spare.size).toBe(2);
    expect(spare.take(8).buffer).not.toBe(dropped);
    spare.clear();
    expect(spare.size).toBe(0);
    // A length no longer asked for is dropped, as before any take.
    spare.give(new Float32Array(4).buffer);
    expect(spare.size).toBe(0);
    spare.take(8);
    const b = new Float32Array(8).buffer;
    spare.give(b);
    expect(spare.take(8).buffer).toBe(b);
  });
});
