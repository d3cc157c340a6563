// Download size of the package: the wasm binary plus the JS an app loads (the Emscripten glue and
// the package's dist/*.js; no .d.ts), raw and gzipped at zlib level 9.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export const SIZE_TARGET_GZIP_BYTES = 300 * 1024;

export function measureSizes(distDir) {
  const names = readdirSync(distDir)
    .filter((name) => name === 'tripletrec.wasm' || name === 'tripletrec.mjs' || name.endsWith('.js'))
    .sort((a, b) => (a === 'tripletrec.wasm' ? -1 : b === 'tripletrec.wasm' ? 1 : a.localeCompare(b)));
  const files = names.map((name) => {
    const bytes = readFileSync(path.join(distDir, name));
    return { file: name, bytes: bytes.length, gzip_bytes: gzipSync(bytes, { level: 9 }).length };
  });
  const total = files.reduce((sum, f) => ({ bytes: sum.bytes + f.bytes, gzip_bytes: sum.gzip_bytes + f.gzip_bytes }),
                             { bytes: 0, gzip_bytes: 0 });
  return { bench: 'sizes', dir: distDir, files, total, target_gzip_bytes: SIZE_TARGET_GZIP_BYTES,
           within_target: total.gzip_bytes <= SIZE_TARGET_GZIP_BYTES };
}
