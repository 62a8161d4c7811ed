/**
 * What the engine does without the secure-context-only crypto APIs (SubtleCrypto, randomUUID),
 * which a viewer served over plain http lacks: weights hashed in TypeScript, UIDs from random bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sha256Hex } from '../../src/util/sha256.js';
import { createUID } from '../../src/dicom/uids.js';

const reference = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('SHA-256 in TypeScript', () => {
  test('the FIPS 180-4 examples', () => {
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(new TextEncoder().encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    expect(sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  test('every length around the padding boundaries, and a view into a larger buffer, as node:crypto hashes them', () => {
    const data = randomBytes(300);
    for (let n = 0; n <= 200; n++) expect(sha256Hex(data.subarray(0, n))).toBe(reference(data.subarray(0, n)));
    const view = new Uint8Array(data.buffer, data.byteOffset + 7, 150);
    expect(sha256Hex(view)).toBe(reference(view));
  });

  test('a model-sized buffer', () => {
    const weights = randomBytes(2_000_003);
    expect(sha256Hex(weights)).toBe(reference(weights));
  });
});

describe('UIDs without crypto.randomUUID', () => {
  test('2.25 UIDs: a version 4 UUID as one decimal integer, valid DICOM UIDs, all different', () => {
    const uids = Array.from({ length: 2000 }, createUID);
    expect(new Set(uids).size).toBe(uids.length);
    for (const uid of uids) {
      expect(uid).toMatch(/^2\.25\.(0|[1-9]\d*)$/);
      expect(uid.length).toBeLessThanOrEqual(64);
      const hex = BigInt(uid.slice(5)).toString(16).padStart(32, '0');
      expect(hex[12]).toBe('4');
      expect('89ab').toContain(hex[16]);
    }
  });
});
