/** Tiles frames (grayscale, any sizes) into one RGB contact sheet, optionally outlining the masks. */

export interface SheetTile {
  image: Uint8Array;
  mask?: Uint8Array;
  width: number;
  height: number;
}

export interface ContactSheet {
  pixels: Uint8Array;
  width: number;
  height: number;
}

/** Lays tiles out in rows of `columns`, each cell sized to the largest tile, with a gap between cells. */
export function contactSheet(tiles: SheetTile[], columns: number, gap = 6): ContactSheet {
  const cellW = Math.max(...tiles.map((t) => t.width));
  const cellH = Math.max(...tiles.map((t) => t.height));
  const rows = Math.ceil(tiles.length / columns);
  const width = columns * cellW + (columns + 1) * gap;
  const height = rows * cellH + (rows + 1) * gap;
  const pixels = new Uint8Array(width * height * 3).fill(40);
  tiles.forEach((t, n) => {
    const ox = gap + (n % columns) * (cellW + gap) + Math.floor((cellW - t.width) / 2);
    const oy = gap + Math.floor(n / columns) * (cellH + gap) + Math.floor((cellH - t.height) / 2);
    for (let y = 0; y < t.height; y++) {
      for (let x = 0; x < t.width; x++) {
        const k = y * t.width + x;
        const o = ((oy + y) * width + ox + x) * 3;
        const v = t.image[k]!;
        const m = t.mask;
        const edge =
          m !== undefined && m[k] === 1 && (x === 0 || y === 0 || x === t.width - 1 || y === t.height - 1 || !m[k - 1] || !m[k + 1] || !m[k - t.width] || !m[k + t.width]);
        if (edge) pixels.set([255, 80, 40], o);
        else pixels.set([v, v, v], o);
      }
    }
  });
  return { pixels, width, height };
}
