// Node side: where the real data lives (../shared/data from the repository root) and its bytes.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DATA_DIR = process.env.TRIPLETREC_DATA_DIR ?? path.resolve(REPO_ROOT, '..', 'shared', 'data');
export const ANIME_RATINGS = path.join(DATA_DIR, 'anime', 'rating_5000users.csv');
export const ANIME_ITEMS = path.join(DATA_DIR, 'anime', 'anime.csv');

/**
 * The built package's dist folder. bench/run.mjs points TRIPLETREC_BENCH_DIST at a snapshot of
 * web/dist so every part (and the size table) measures the same build even if web/dist is rebuilt
 * during the run.
 */
export const PACKAGE_DIST = process.env.TRIPLETREC_BENCH_DIST ?? path.join(REPO_ROOT, 'web', 'dist');

/** The package's entry (the same module as `import ... from 'tripletrec'`). */
export function importPackage() {
  return import(pathToFileURL(path.join(PACKAGE_DIST, 'index.js')).href);
}

export function animeDataPresent() {
  return existsSync(ANIME_RATINGS) && existsSync(ANIME_ITEMS);
}

/** { ratings, items } as Uint8Arrays, or {} when the anime files are absent. */
export function readAnimeData() {
  if (!animeDataPresent()) return {};
  return { ratings: new Uint8Array(readFileSync(ANIME_RATINGS)), items: new Uint8Array(readFileSync(ANIME_ITEMS)) };
}
