// A synthetic ratings file in the anime format (user_id,anime_id,rating), ~targetBytes long, for
// parse throughput. Plain JS (no Node APIs) so Node and the browser page generate the same bytes.
// Same shape as bench/native_bench.cpp's generator (ids up to 73515 / 34000, ratings -1..10);
// a different PRNG, so the bytes differ but the row mix is alike.

/** mulberry32: tiny seeded PRNG, good enough for test data. */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes the decimal digits of a non-negative integer below 100,000 into bytes at offset; returns the new offset. */
export function writeUint(bytes, offset, value) {
  const digits = value >= 10000 ? 5 : value >= 1000 ? 4 : value >= 100 ? 3 : value >= 10 ? 2 : 1;
  for (let i = offset + digits - 1; i >= offset; --i) {
    bytes[i] = 48 + (value % 10);
    value = (value / 10) | 0;
  }
  return offset + digits;
}

export function generateRatingsCsv(targetBytes = 100 * 1024 * 1024, seed = 1) {
  const random = mulberry32(seed);
  const header = new TextEncoder().encode('user_id,anime_id,rating\n');
  const bytes = new Uint8Array(targetBytes + 64);
  bytes.set(header);
  let offset = header.length;
  let rows = 0;
  while (offset < targetBytes) {
    offset = writeUint(bytes, offset, 1 + Math.floor(random() * 73515));
    bytes[offset++] = 44;  // ','
    offset = writeUint(bytes, offset, 1 + Math.floor(random() * 34000));
    bytes[offset++] = 44;
    const rating = Math.floor(random() * 11) - (random() < 1 / 6 ? 1 : 0);
    if (rating < 0) bytes[offset++] = 45;  // '-'
    offset = writeUint(bytes, offset, Math.abs(rating));
    bytes[offset++] = 10;  // '\n'
    rows += 1;
  }
  return { bytes: bytes.subarray(0, offset), rows };
}
