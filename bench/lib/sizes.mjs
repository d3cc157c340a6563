// Download size of the package: the wasm binary plus the JS an app loads (the Emscripten glue and
// the package's dist/*.js; no .d.ts), raw and gzipped at zlib level 9.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export const SIZE_TARGET_GZIP_BYTES = 300 * 1024;

function measureFiles(dir, names) {
  const files = names.map((name) => {
    const bytes = readFileSync(path.join(dir, name));
    return { file: name, bytes: bytes.length, gzip_bytes: gzipSync(bytes, { level: 9 }).length };
  });
  const total = files.reduce((sum, f) => ({ bytes: sum.bytes + f.bytes, gzip_bytes: sum.gzip_bytes + f.gzip_bytes }),
                             { bytes: 0, gzip_bytes: 0 });
  return { files, total };
}

export function measureSizes(distDir) {
  const names = readdirSync(distDir)
    .filter((name) => name === 'tripletrec.wasm' || name === 'tripletrec.mjs' || name.endsWith('.js'))
    .sort((a, b) => (a === 'tripletrec.wasm' ? -1 : b === 'tripletrec.wasm' ? 1 : a.localeCompare(b)));
  const { files, total } = measureFiles(distDir, names);
  // The threaded build (dist/mt/), which a cross-origin-isolated page loads instead of
  // tripletrec.wasm + tripletrec.mjs (the package's JS is the same); the budget is the single-threaded build's.
  const threadedDir = path.join(distDir, 'mt');
  const threadedNames = ['tripletrec-mt.wasm', 'tripletrec-mt.mjs', 'tripletrec-mt.worker-source.mjs'];
  let threaded;
  try {
    threaded = measureFiles(threadedDir, threadedNames);
  } catch {
    threaded = undefined;  // an older package without the threaded build (bench:compare)
  }
  return { bench: 'sizes', dir: distDir, files, total, target_gzip_bytes: SIZE_TARGET_GZIP_BYTES,
           within_target: total.gzip_bytes <= SIZE_TARGET_GZIP_BYTES, threaded };
}
