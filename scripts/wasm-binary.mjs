// Reading and writing the parts of a WebAssembly binary that the build's patches of onnxruntime-web
// touch (scripts/patch-ort-sgemm.mjs, scripts/ort-direct-conv.mjs): LEB128 numbers, sections, the
// entries of vector sections.

export const uleb = (n) => {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};

export const sleb = (n) => {
  const out = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};

export function readUleb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (let i = at; ; i++) {
    const byte = bytes[i];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(byte & 0x80)) return { value, next: i + 1 };
  }
}

/** The sections of a module: id, where its header and its content start, where it ends. */
export function sections(bytes) {
  const out = [];
  for (let at = 8; at < bytes.length; ) {
    const id = bytes[at];
    const { value: size, next } = readUleb(bytes, at + 1);
    out.push({ id, headerAt: at, start: next, end: next + size });
    at = next + size;
  }
  return out;
}

const skipUleb = (bytes, at) => readUleb(bytes, at).next;
/** Where a length-prefixed entry (a name, a code entry) ends. */
export const sizedEnd = (bytes, at) => {
  const { value, next } = readUleb(bytes, at);
  return next + value;
};

/** How many functions the import section (absent: none) imports: they come first in the function index space. */
export function importedFunctionCount(bytes, section) {
  if (!section) return 0;
  let { value: count, next: at } = readUleb(bytes, section.start);
  let functions = 0;
  for (let i = 0; i < count; i++) {
    for (let name = 0; name < 2; name++) at = sizedEnd(bytes, at);
    const kind = bytes[at++];
    if (kind === 0) {
      functions++;
      at = skipUleb(bytes, at);
    } else if (kind === 1) {
      at++;
      const flags = bytes[at++];
      at = skipUleb(bytes, at);
      if (flags & 1) at = skipUleb(bytes, at);
    } else if (kind === 2) {
      const flags = bytes[at++];
      at = skipUleb(bytes, at);
      if (flags & 1) at = skipUleb(bytes, at);
    } else if (kind === 3) {
      at += 2;
    } else {
      throw new Error(`import kind ${kind} not understood`);
    }
  }
  return functions;
}

/** A vector section's entries as slices of `bytes`; `entryEnd(bytes, at)` says where each ends. */
export function vectorEntries(bytes, section, entryEnd) {
  let { value: count, next: at } = readUleb(bytes, section.start);
  const entries = [];
  for (let i = 0; i < count; i++) {
    const end = entryEnd(bytes, at);
    entries.push(bytes.subarray(at, end));
    at = end;
  }
  return entries;
}

/** A function type's end (form 0x60, parameter types, result types). */
export const functionTypeEnd = (bytes, at) => {
  if (bytes[at] !== 0x60) throw new Error(`type section: form 0x${bytes[at].toString(16)} not understood`);
  const params = readUleb(bytes, at + 1);
  const results = readUleb(bytes, params.next + params.value);
  return results.next + results.value;
};

export { skipUleb as ulebEnd };

/** A section with `entries` (each already encoded), as parts to concatenate. */
export const vectorSection = (id, entries) => {
  const count = Uint8Array.from(uleb(entries.length));
  const size = entries.reduce((n, e) => n + e.length, count.length);
  return [Uint8Array.of(id, ...uleb(size)), count, ...entries];
};

export function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
