/** The pipeline rows' choice among repeated loops (bench/stats.ts). */
import { medianTry } from '../../bench/stats.js';

const run = (fps: number, tag: string) => ({ frames: 300, totalMs: (1000 * 300) / fps, tag });

describe('medianTry', () => {
  it('keeps the try of median FPS, with every try in the order run', () => {
    const r = medianTry([run(45, 'a'), run(41, 'b'), run(43, 'c')]);
    expect(r.chosen.tag).toBe('c');
    expect(r.triesFps.map((v) => Math.round(v))).toEqual([45, 41, 43]);
  });

  it('of an even number, the slower of the middle two', () => {
    expect(medianTry([run(50, 'a'), run(40, 'b'), run(44, 'c'), run(46, 'd')]).chosen.tag).toBe('c');
    expect(medianTry([run(50, 'a'), run(40, 'b')]).chosen.tag).toBe('b');
  });

  it('one try is itself; none is an error', () => {
    expect(medianTry([run(30, 'x')]).chosen.tag).toBe('x');
    expect(() => medianTry([])).toThrow(RangeError);
  });
});
