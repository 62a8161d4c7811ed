/**
 * An array's buffer when the array is all of it, else undefined: a view shares its buffer with
 * others (a WASM heap, a file), so it cannot be moved or reused alone. A SharedArrayBuffer is
 * never an array's own in this sense: it cannot be moved.
 */
export function ownBuffer(a: ArrayBufferView): ArrayBuffer | undefined {
  const b = a.buffer;
  return b instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === b.byteLength ? b : undefined;
}

/** Concatenates byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
