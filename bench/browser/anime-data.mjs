// The anime files from the benchmark's server (bench/browser.mjs), or {} when it has none (the
// suites then use the sample). For the page and its workers.
export async function fetchAnimeData() {
  const [ratings, items] = await Promise.all(['/data/anime/rating_5000users.csv', '/data/anime/anime.csv']
    .map(async (url) => {
      const response = await fetch(url);
      return response.ok ? new Uint8Array(await response.arrayBuffer()) : undefined;
    }));
  return ratings && items ? { ratings, items } : {};
}
