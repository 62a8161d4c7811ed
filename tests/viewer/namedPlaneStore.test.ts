/**
 * Scan planes named in the panel as the browser keeps them for later pages. The viewer e2e test
 * reloads a real Chromium page and finds them again; here, what is read back from values that
 * were written by hand, by another version or by another program on the origin, and the cap.
 * The storage is a Map standing in for localStorage (Node has none); the full-storage fault
 * is thrown by it as Chromium throws it.
 */
import { MAX_NAMED_PLANES, readNamedPlanes, withNamedPlane, writeNamedPlanes, type PlaneStorage } from '../../extension/src/services/namedPlaneStore.js';

class MapStorage implements PlaneStorage {
  readonly items = new Map<string, string>();
  full = false;
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (this.full) throw Object.assign(new Error(''), { name: 'QuotaExceededError' });
    this.items.set(key, value);
  }
}

const KEY = 'trus-cine-seg/named-planes';

describe('named scan planes kept in the browser', () => {
  test('what is written is read back, in the order named', () => {
    const storage = new MapStorage();
    let named = withNamedPlane({}, '1.2.3.1', 'transverse');
    named = withNamedPlane(named, '1.2.3.2', 'none');
    named = withNamedPlane(named, '1.2.3.1', 'sagittal');
    expect(writeNamedPlanes(storage, named)).toBeUndefined();
    const read = readNamedPlanes(storage);
    expect(read).toEqual({ '1.2.3.2': 'none', '1.2.3.1': 'sagittal' });
    // Renamed last: the most recent.
    expect(Object.keys(read)).toEqual(['1.2.3.2', '1.2.3.1']);
    // Back to the header's plane: forgotten.
    writeNamedPlanes(storage, withNamedPlane(read, '1.2.3.1', undefined));
    expect(readNamedPlanes(storage)).toEqual({ '1.2.3.2': 'none' });
  });

  test('nothing stored, unreadable JSON, another format: nothing named', () => {
    const storage = new MapStorage();
    expect(readNamedPlanes(storage)).toEqual({});
    storage.items.set(KEY, '{not json');
    expect(readNamedPlanes(storage)).toEqual({});
    storage.items.set(KEY, JSON.stringify({ format: 2, planes: [['1.2.3', 'sagittal']] }));
    expect(readNamedPlanes(storage)).toEqual({});
    storage.items.set(KEY, JSON.stringify({ format: 1, planes: { '1.2.3': 'sagittal' } }));
    expect(readNamedPlanes(storage)).toEqual({});
  });

  test('entries that are not a UID and a plane are dropped, the others kept', () => {
    const storage = new MapStorage();
    const planes = [['1.2.3', 'sagittal'], ['1.2.x', 'sagittal'], ['1.2.4', 'coronal'], ['1.2.5'], 'junk', [7, 'none'], ['1.2.6', 'none'], ['<img>', 'transverse']];
    storage.items.set(KEY, JSON.stringify({ format: 1, planes }));
    expect(readNamedPlanes(storage)).toEqual({ '1.2.3': 'sagittal', '1.2.6': 'none' });
  });

  test('only the most recently named are kept', () => {
    const storage = new MapStorage();
    let named = {};
    for (let i = 0; i < MAX_NAMED_PLANES + 5; i++) named = withNamedPlane(named, `1.2.${i}`, i % 2 ? 'sagittal' : 'transverse');
    expect(writeNamedPlanes(storage, named)).toBeUndefined();
    const read = readNamedPlanes(storage);
    expect(Object.keys(read)).toHaveLength(MAX_NAMED_PLANES);
    expect(read['1.2.4']).toBeUndefined();
    expect(read['1.2.5']).toBe('sagittal');
    expect(read[`1.2.${MAX_NAMED_PLANES + 4}`]).toBe('transverse');
  });

  test('a full storage says so and leaves what was kept before', () => {
    const storage = new MapStorage();
    writeNamedPlanes(storage, { '1.2.3': 'transverse' });
    storage.full = true;
    expect(writeNamedPlanes(storage, { '1.2.3': 'transverse', '1.2.4': 'sagittal' })).toBe('its storage for this site is full');
    expect(readNamedPlanes(storage)).toEqual({ '1.2.3': 'transverse' });
  });
});
