// Shared paths and small utilities of the package tests.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const webDir = path.join(repoRoot, 'web');
export const distDir = path.join(webDir, 'dist');
export const shippedWasm = path.join(distDir, 'tripletrec.wasm');
export const shippedGlue = path.join(distDir, 'tripletrec.mjs');
/** The threaded build (cpp/bindings/wasm.cmake): what cross-origin-isolated pages load. */
export const threadedWasm = path.join(distDir, 'mt/tripletrec-mt.wasm');
export const threadedGlue = path.join(distDir, 'mt/tripletrec-mt.mjs');
export const threadedWorkerSource = path.join(distDir, 'mt/tripletrec-mt.worker-source.mjs');

export const dataDir = process.env.TRIPLETREC_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');
export const animeRatings = path.join(dataDir, 'anime/rating_5000users.csv');
export const animeItems = path.join(dataDir, 'anime/anime.csv');
export const haveAnimeData = existsSync(animeRatings) && existsSync(animeItems);

/** The first existing build directory among the usual ones (scripts/build.sh uses build/wasm). */
export function findBuildFile(relative: string, dirs: string[]): string | undefined {
  for (const dir of dirs) {
    const candidate = path.join(repoRoot, dir, relative);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export const nativeCli = process.env.TRIPLETREC_NATIVE_CLI ??
  findBuildFile('tripletrec', ['build/native', 'build/native-pkg']);
export const profilingWasm = process.env.TRIPLETREC_PROFILING_WASM ??
  findBuildFile('profiling/tripletrec_profiling.wasm', ['build/wasm', 'build/wasm-dev']);

/** A malformed ratings CSV: line 3 has a non-numeric item id in column 2. */
export const malformedRatings = 'user_id,anime_id,rating\n1,20,8\n2,abc,7\n';

export function report(label: string, value: unknown): void {
  // Numbers the brief asks to report; visible in the Vitest output.
  console.log(`[measure] ${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
}
