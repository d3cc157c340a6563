// A ~100 MB ratings CSV goes into the engine with one copy (one TypedArray.set, or one
// TextEncoder.encodeInto for a string) and one parse call. Generated here, never committed.
import { describe, expect, it } from 'vitest';
import { Recommender } from 'tripletrec';
import { report } from './helpers';

// anime rating.csv-like rows: user_id,anime_id,rating (rating -1..10), ~13 bytes a row.
function generateRatingsCsv(targetBytes: number): { bytes: Uint8Array; rows: number } {
  const bytes = new Uint8Array(targetBytes + 64);
  const header = 'user_id,anime_id,rating\n';
  let offset = new TextEncoder().encodeInto(header, bytes).written;
  let rows = 0;
  let state = 12345;
  const nextRandom = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  const writeNumber = (value: number) => {
    if (value < 0) { bytes[offset++] = 45; value = -value; }
    const digits = String(value);
    for (let i = 0; i < digits.length; ++i) bytes[offset++] = digits.charCodeAt(i);
  };
  while (offset < targetBytes) {
    writeNumber(1 + (rows >> 6));              // 64 ratings per user
    bytes[offset++] = 44;
    writeNumber(1 + (nextRandom() % 30000));   // anime id
    bytes[offset++] = 44;
    writeNumber((nextRandom() % 12) - 1);      // -1..10
    bytes[offset++] = 10;
    rows += 1;
  }
  return { bytes: bytes.subarray(0, offset), rows };
}

describe('big input', () => {
  it('loads a generated ~100 MB ratings CSV (bytes and string) in one copy', async () => {
    const { bytes, rows } = generateRatingsCsv(100 * 1024 * 1024);
    const rec = await Recommender.create();

    const fromBytes = rec.loadRatings(bytes, 'big.csv');
    expect(fromBytes.rows).toBe(rows);
    expect(fromBytes.bytes).toBe(bytes.length);
    expect(rec.loadedStats().counts.ratings).toBe(rows);
    report('100 MB CSV from bytes', `${(bytes.length / 1e6).toFixed(1)} MB, ${rows} rows: ` +
      `copy ${(fromBytes.copySeconds * 1000).toFixed(0)} ms, parse ${(fromBytes.parseSeconds * 1000).toFixed(0)} ms, ` +
      `total ${(fromBytes.seconds * 1000).toFixed(0)} ms`);

    const text = new TextDecoder().decode(bytes);
    const fromString = rec.loadRatings(text, 'big.csv');
    expect(fromString.rows).toBe(rows);
    expect(fromString.bytes).toBe(bytes.length);
    report('100 MB CSV from a string', `copy (encodeInto) ${(fromString.copySeconds * 1000).toFixed(0)} ms, ` +
      `parse ${(fromString.parseSeconds * 1000).toFixed(0)} ms`);

    const stats = rec.heapStats();
    report('heap after loading (malloc in use / wasm memory, MB)',
           [(stats.allocatedBytes / 1e6).toFixed(1), (stats.memoryBytes / 1e6).toFixed(1)]);
    // Replacing the data with a tiny file gives everything back: neither the 100 MB input buffer
    // nor the columns stay allocated.
    rec.loadRatings('user_id,anime_id,rating\n1,2,3\n', 'tiny.csv');
    const after = rec.heapStats().allocatedBytes;
    report('heap after replacing it with a tiny file (MB)', (after / 1e6).toFixed(2));
    expect(after).toBeLessThan(1_000_000);
    rec.dispose();
  });
});
