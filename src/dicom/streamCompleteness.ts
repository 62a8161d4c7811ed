/**
 * Walks a Part 10 byte stream's element headers (not values) to find where it is cut short.
 * dcmjs tolerates some truncations silently (it returns a partial dataset), so the reader
 * checks the framing itself before trusting what dcmjs parsed. The walk also notes where the
 * fragments of top-level encapsulated Pixel Data lie: dcmjs copies the whole file once per frame
 * when it reads them through a Basic Offset Table (quadratic in the frame count), so the reader
 * takes the fragments from here instead.
 */

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;

class Cut extends Error {}
class Skip extends Error {}

const IMPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2';
const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';

function tagText(group: number, element: number): string {
  const h = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  return `(${h(group)},${h(element)})`;
}

export interface EncapsulatedPixelDataLayout {
  /** The Basic Offset Table (empty when the file has none): frame starts relative to the first fragment's item. */
  basicOffsetTable: number[];
  /** Each fragment: where its item starts, where its value starts, its length (offsets in the stream). */
  fragments: { itemOffset: number; valueOffset: number; length: number }[];
}

export interface StreamLayout {
  /** Where the stream is cut short, when it is. */
  truncation?: string;
  /** Top-level encapsulated Pixel Data, when the dataset was walked and has it. */
  pixelData?: EncapsulatedPixelDataLayout;
  /** A Pixel Data element inside a sequence (an icon image): readers must not stop at the first one. */
  nestedPixelData: boolean;
}

/**
 * Walks the stream's framing once: where it is truncated (undefined when every element, item and
 * sequence it opens is complete), and the layout of top-level encapsulated Pixel Data.
 */
export function scanPart10(bytes: Uint8Array): StreamLayout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  let pixelData: EncapsulatedPixelDataLayout | undefined;
  let nestedPixelData = false;
  let depth = 0;

  const need = (offset: number, count: number, what: string): void => {
    if (offset + count > end) throw new Cut(`${what} needs ${offset + count - end} more byte(s) at offset ${offset}`);
  };

  /** Scans a run of elements; returns the offset after it (after the delimiter when `delimited`). */
  const scanDataset = (start: number, stop: number, delimited: boolean, explicitOf: (group: number) => boolean): number => {
    let offset = start;
    while (offset < stop) {
      need(offset, 8, 'an element header');
      const group = view.getUint16(offset, true);
      const element = view.getUint16(offset + 2, true);
      if (group === 0xfffe) {
        // Item delimitation ends the item being scanned.
        if (element === 0xe00d && delimited) return offset + 8;
        throw new Cut(`unexpected delimiter ${tagText(group, element)} at offset ${offset}`);
      }
      let length: number;
      let header: number;
      let isSequence = false;
      if (explicitOf(group)) {
        const vr = String.fromCharCode(bytes[offset + 4]!, bytes[offset + 5]!);
        if (LONG_VRS.has(vr)) {
          need(offset, 12, `the header of ${tagText(group, element)}`);
          length = view.getUint32(offset + 8, true);
          header = 12;
        } else {
          length = view.getUint16(offset + 6, true);
          header = 8;
        }
        isSequence = vr === 'SQ' || (length === UNDEFINED && vr === 'UN');
      } else {
        length = view.getUint32(offset + 4, true);
        header = 8;
        isSequence = length === UNDEFINED;
      }
      offset += header;
      const isPixelData = group === 0x7fe0 && element === 0x0010;
      if (isPixelData && depth > 0) nestedPixelData = true;
      if (length === UNDEFINED) {
        const collect = isPixelData && depth === 0 ? (pixelData = { basicOffsetTable: [], fragments: [] }) : undefined;
        offset = scanItems(offset, tagText(group, element), isSequence || group !== 0x7fe0, explicitOf, collect);
      } else {
        need(offset, length, `the value of ${tagText(group, element)} (${length} bytes)`);
        if (group === 0x0002 && element === 0x0010) {
          transferSyntax = new TextDecoder().decode(bytes.subarray(offset, offset + length)).replace(/[\0\s]+$/, '');
        }
        offset += length;
      }
    }
    if (delimited) throw new Cut('an item without its delimiter');
    return offset;
  };

  /** Items of an undefined-length sequence or encapsulated pixel data, up to the sequence delimiter. */
  const scanItems = (start: number, owner: string, nestedDatasets: boolean, explicitOf: (group: number) => boolean, collect?: EncapsulatedPixelDataLayout): number => {
    let offset = start;
    let first = true;
    for (;;) {
      need(offset, 8, `the next item of ${owner}`);
      const group = view.getUint16(offset, true);
      const element = view.getUint16(offset + 2, true);
      const length = view.getUint32(offset + 4, true);
      offset += 8;
      if (group !== 0xfffe) throw new Cut(`${owner} holds ${tagText(group, element)} where an item was expected`);
      if (element === 0xe0dd) return offset;
      if (element !== 0xe000) throw new Cut(`${owner} holds ${tagText(group, element)} where an item was expected`);
      if (length === UNDEFINED) {
        if (!nestedDatasets) throw new Cut(`a fragment of ${owner} has undefined length`);
        depth++;
        offset = scanDataset(offset, end, true, explicitOf);
        depth--;
      } else {
        need(offset, length, `an item of ${owner} (${length} bytes)`);
        if (collect && first) {
          for (let k = 0; k + 4 <= length; k += 4) collect.basicOffsetTable.push(view.getUint32(offset + k, true));
        } else if (collect) {
          collect.fragments.push({ itemOffset: offset - 8, valueOffset: offset, length });
        }
        offset += length;
      }
      first = false;
    }
  };

  let transferSyntax = '';
  try {
    // File Meta Information (group 0002) is always Explicit VR Little Endian; the dataset follows
    // its Transfer Syntax UID. Big endian and deflated datasets are not walked.
    scanDataset(132, end, false, (group) => {
      if (group === 0x0002) return true;
      if (transferSyntax === BIG_ENDIAN || transferSyntax === DEFLATED) throw new Skip();
      return transferSyntax !== IMPLICIT_LITTLE_ENDIAN;
    });
    return { ...(pixelData ? { pixelData } : {}), nestedPixelData };
  } catch (err) {
    if (err instanceof Skip) return { nestedPixelData };
    if (err instanceof Cut) return { truncation: err.message, nestedPixelData };
    throw err;
  }
}

