// The one preprocessing every part of the benchmark uses: the notebook's, with the popularity
// threshold scaled to the 5,000-user anime file (4,610 users, 293 items, 91,673 train positives).
export const ANIME_PREPARE = Object.freeze({
  minPopularity: 340, itemType: 'TV', maxUserId: 10000, splitSeed: 42, minPositive: 8,
});

/**
 * Loads the benchmark data into a Recommender: the anime files when given, else the built-in
 * sample (so the benchmark still runs without ../shared/data). Returns what was loaded.
 */
export function loadBenchData(recommender, data) {
  if (data.ratings && data.items) {
    recommender.loadRatings(data.ratings, 'rating_5000users.csv');
    recommender.loadItems(data.items, 'anime.csv');
    return { source: 'anime/rating_5000users.csv + anime.csv', stats: recommender.prepare(ANIME_PREPARE) };
  }
  recommender.loadSample();
  return { source: 'built-in sample (loadSample): anime data not found',
           stats: recommender.prepare(recommender.samplePreprocessOptions()) };
}
