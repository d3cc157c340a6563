// Node side: where the real data lives (../shared/data from the repository root) and its bytes.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DATA_DIR = process.env.TRIPLETREC_DATA_DIR ?? path.resolve(REPO_ROOT, '..', 'shared', 'data');
export const ANIME_RATINGS = path.join(DATA_DIR, 'anime', 'rating_5000users.csv');
export const ANIME_ITEMS = path.join(DATA_DIR, 'anime', 'anime.csv');

export function animeDataPresent() {
  return existsSync(ANIME_RATINGS) && existsSync(ANIME_ITEMS);
}

/** { ratings, items } as Uint8Arrays, or {} when the anime files are absent. */
export function readAnimeData() {
  if (!animeDataPresent()) return {};
  return { ratings: new Uint8Array(readFileSync(ANIME_RATINGS)), items: new Uint8Array(readFileSync(ANIME_ITEMS)) };
}
