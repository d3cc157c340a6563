// A seeded, deterministic ratings file shaped like Kaggle's full anime `rating.csv` (which is not
// available here): 73,516 users (ids 1..73,516), 11,200 anime, 7,813,737 rows of
// `user_id,anime_id,rating`, sorted by user then anime as the real file. Plain JS (no Node APIs):
// it takes the bytes of the two real files and returns the CSV's bytes.
//
// How the shape is derived from the real files (../shared/data/anime):
// - Items: the 11,200 anime of anime.csv with the most `members` (the 7,390 anime the 5,000-user
//   file rates are, all but 2, among them). Rows per anime grow with members: in the 5,000-user
//   file log(rows) = a + b log(members) with b fitted here (b ≈ 1.02), so anime a's target row count
//   is c * members^b (c: the counts add up to 7,813,737). A user draws its anime without repeats,
//   which caps the head (no user rates Death Note twice); the draw weights are calibrated so that
//   each anime's expected count meets its target (successive sampling's inclusion probability
//   1 - exp(-λ_u w_a), users grouped by row count). The popular head and the long tail follow
//   anime.csv. Every one of the 11,200 gets at least one row (the real file's 11,200 anime).
// - Users: each generated user copies a real user of the 5,000-user file ("template", drawn
//   uniformly): its number of rows (scaled by one factor so the total is exactly 7,813,737, ≈ 1.02)
//   and its ratings (each row's rating drawn from the template's own ratings). So the activity
//   distribution (median 56 rows, a long tail to ~2,000), the rating histogram and its -1
//   ("watched, not rated") share of ~19%, and users who rate only -1, are the real file's.
// - Taste, so that the models have something to learn: each user has two favourite genres (drawn by
//   how many anime have them); half of the user's anime are drawn among each favourite genre's anime
//   (same weights), half among all. The -1s go to random anime of the user's; the scores go in order
//   of the anime's mean score in anime.csv plus 1 per favourite genre the anime has plus noise N(0, 1).
//   (The per-genre draws move the counts off the targets a little: the head and tail keep their shape.)
import { mulberry32, writeUint } from './generate-ratings.mjs';

export const FULL_SHAPE = Object.freeze({ users: 73_516, items: 11_200, rows: 7_813_737 });

/** Splits one CSV line with RFC 4180 quoting ("a, b" stays one field). */
function splitCsvLine(line) {
  const fields = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; ++i) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { field += '"'; ++i; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { fields.push(field); field = ''; } else field += c;
  }
  fields.push(field);
  return fields;
}

function readAnime(bytes) {
  const lines = new TextDecoder().decode(bytes).split(/\r?\n/).filter((l) => l.length > 0);
  const header = splitCsvLine(lines[0]);
  const column = (name) => header.indexOf(name);
  const [id, genre, score, members] = ['anime_id', 'genre', 'rating', 'members'].map(column);
  return lines.slice(1).map((line) => {
    const f = splitCsvLine(line);
    return { id: Number(f[id]), genres: f[genre] ? f[genre].split(', ') : [], score: Number(f[score]) || NaN,
             members: Number(f[members]) || 0 };
  });
}

/** The comma-separated integers of bytes[start, end) (a ratings row). */
function parseIntegers(bytes, start, end) {
  const values = [];
  let value = 0;
  let sign = 1;
  for (let i = start; i <= end; ++i) {
    const c = i < end ? bytes[i] : 44;
    if (c === 45) sign = -1;
    else if (c >= 48 && c <= 57) value = value * 10 + (c - 48);
    else if (c === 44) { values.push(sign * value); value = 0; sign = 1; }
  }
  return values;
}

/** The 5,000-user file as per-user rating lists and per-anime row counts. */
function readRatings(bytes) {
  const users = new Map();
  const rowsPerAnime = new Map();
  let line = 0;
  let start = 0;
  for (let i = 0; i <= bytes.length; ++i) {
    if (i < bytes.length && bytes[i] !== 10) continue;
    if (line++ > 0 && i > start) {
      const [user, anime, rating] = parseIntegers(bytes, start, i);
      if (!users.has(user)) users.set(user, []);
      users.get(user).push(rating);
      rowsPerAnime.set(anime, (rowsPerAnime.get(anime) ?? 0) + 1);
    }
    start = i + 1;
  }
  return { templates: [...users.values()].map((r) => Int8Array.from(r)), rowsPerAnime };
}

/** Least-squares slope of log(rows) on log(members) over the anime both files know. */
function fitPopularityExponent(anime, rowsPerAnime) {
  const points = anime.filter((a) => a.members > 0 && rowsPerAnime.has(a.id))
    .map((a) => [Math.log(a.members), Math.log(rowsPerAnime.get(a.id))]);
  const meanX = points.reduce((s, [x]) => s + x, 0) / points.length;
  const meanY = points.reduce((s, [, y]) => s + y, 0) / points.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) { sxy += (x - meanX) * (y - meanY); sxx += (x - meanX) ** 2; }
  return sxy / sxx;
}

/** Walker's alias table: O(1) draws from a discrete distribution. */
function aliasTable(weights, random) {
  const n = weights.length;
  const total = weights.reduce((a, b) => a + b, 0);
  const probability = new Float64Array(n);
  const alias = new Int32Array(n);
  const scaled = weights.map((w) => (w * n) / total);
  const small = [];
  const large = [];
  scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
  while (small.length && large.length) {
    const s = small.pop();
    const l = large.pop();
    probability[s] = scaled[s];
    alias[s] = l;
    scaled[l] += scaled[s] - 1;
    (scaled[l] < 1 ? small : large).push(l);
  }
  for (const i of [...small, ...large]) probability[i] = 1;
  return () => {
    const i = Math.floor(random() * n);
    return random() < probability[i] ? i : alias[i];
  };
}

/**
 * Draw weights w such that drawing rows[u] distinct anime per user (successive sampling by w) gives
 * anime a about targets[a] rows: the inclusion probability of a for a user with n rows is about
 * 1 - exp(-λ_n w_a), λ_n solving sum_a (1 - exp(-λ_n w_a)) = n. Users are grouped by row count (at most
 * ~60 groups, log-spaced) and w is rescaled towards the targets a few times.
 */
function calibrateWeights(targets, userRows) {
  const counts = new Map();
  for (const n of userRows) {
    const logSpaced = Math.round(Math.exp(Math.round(Math.log(n) * 10) / 10));
    const group = n <= 10 ? n : Math.min(logSpaced, targets.length - 1);  // below the item count: λ exists
    counts.set(group, (counts.get(group) ?? 0) + n / group);  // rows kept: group size times its n
  }
  const groups = [...counts].map(([n, users]) => ({ n, users }));
  const weights = Float64Array.from(targets);
  const expected = new Float64Array(targets.length);
  for (let iteration = 0; iteration < 6; ++iteration) {
    expected.fill(0);
    for (const { n, users } of groups) {
      let lo = 0;
      let hi = 1;
      const included = (lambda) => weights.reduce((sum, w) => sum + 1 - Math.exp(-lambda * w), 0);
      while (included(hi) < n) hi *= 2;
      for (let step = 0; step < 30; ++step) { const mid = (lo + hi) / 2; if (included(mid) < n) lo = mid; else hi = mid; }
      for (let a = 0; a < weights.length; ++a) expected[a] += users * (1 - Math.exp(-hi * weights[a]));
    }
    for (let a = 0; a < weights.length; ++a) weights[a] *= targets[a] / Math.max(expected[a], 1e-9);
  }
  return weights;
}

function gaussian(random) {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * options: { ratings: Uint8Array (rating_5000users.csv), anime: Uint8Array (anime.csv), seed,
 *            users, items, rows (default FULL_SHAPE) }.
 * Returns { bytes, rows, users, items, exponent, histogram: Map rating -> rows }.
 */
export function generateFullRatings({ ratings, anime: animeBytes, seed = 20161221, ...shape }) {
  const { users: userCount, items: itemCount, rows: rowCount } = { ...FULL_SHAPE, ...shape };
  const random = mulberry32(seed);
  const { templates, rowsPerAnime } = readRatings(ratings);
  const allAnime = readAnime(animeBytes);
  const exponent = fitPopularityExponent(allAnime, rowsPerAnime);
  const anime = [...allAnime].sort((a, b) => b.members - a.members || a.id - b.id).slice(0, itemCount);
  if (anime.length < itemCount) throw new Error(`anime.csv has ${anime.length} anime, ${itemCount} wanted`);
  const meanScore = anime.filter((a) => a.score > 0).reduce((s, a) => s + a.score, 0) / anime.length;

  const genreNames = [...new Set(anime.flatMap((a) => a.genres))];
  const genreIndex = new Map(genreNames.map((g, i) => [g, i]));
  const animeGenres = anime.map((a) => a.genres.map((g) => genreIndex.get(g)));
  const drawGenre = aliasTable(genreNames.map((g) => anime.filter((a) => a.genres.includes(g)).length), random);

  // Rows per user: the templates' counts scaled to rowCount exactly (the rounding remainder goes
  // one row each to users in draw order), at most one row per anime.
  const template = Int32Array.from({ length: userCount }, () => Math.floor(random() * templates.length));
  const templateRows = Array.from(template, (t) => templates[t].length);
  const scale = rowCount / templateRows.reduce((a, b) => a + b, 0);
  const userRows = Int32Array.from(templateRows, (n) => Math.min(itemCount, Math.max(1, Math.floor(n * scale))));
  for (let u = 0, left = rowCount - userRows.reduce((a, b) => a + b, 0); left !== 0; u = (u + 1) % userCount) {
    const step = Math.sign(left);
    if (userRows[u] + step < 1 || userRows[u] + step > itemCount) continue;
    userRows[u] += step;
    left -= step;
  }

  const popularity = anime.map((a) => Math.max(a.members, 1) ** exponent);
  const scaleTargets = rowCount / popularity.reduce((a, b) => a + b, 0);
  const weights = calibrateWeights(popularity.map((p) => p * scaleTargets), userRows);
  const drawAnime = aliasTable(Array.from(weights), random);
  // Per genre: its anime by the same weights (a user's taste steers half of its draws).
  const drawInGenre = genreNames.map((g, genre) => {
    const members = anime.map((_, a) => a).filter((a) => animeGenres[a].includes(genre));
    const draw = aliasTable(members.map((a) => weights[a]), random);
    return () => members[draw()];
  });

  // Every anime once: each goes to a user drawn in proportion to the user's rows.
  const rowEnds = new Float64Array(userCount);
  userRows.reduce((sum, n, u) => (rowEnds[u] = sum + n), 0);
  const seeded = Array.from({ length: userCount }, () => []);
  for (let a = 0; a < itemCount; ++a) {
    const target = random() * rowCount;
    let lo = 0;
    let hi = userCount - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (rowEnds[mid] > target) hi = mid; else lo = mid + 1; }
    while (seeded[lo].length >= userRows[lo]) lo = (lo + 1) % userCount;  // that user is full
    seeded[lo].push(a);
  }

  const bytes = new Uint8Array(rowCount * 16 + 64);
  let offset = 0;
  const header = 'user_id,anime_id,rating\n';
  for (let i = 0; i < header.length; ++i) bytes[offset++] = header.charCodeAt(i);
  const histogram = new Map();
  const taken = new Int32Array(itemCount).fill(-1);  // the user who last took each anime
  const covered = new Uint8Array(itemCount);
  for (let u = 0; u < userCount; ++u) {
    const n = userRows[u];
    const chosen = [...seeded[u]];
    for (const a of chosen) taken[a] = u;
    const favourites = [drawGenre(), drawGenre()];
    const draw = () => {
      const r = random();
      return r < 0.5 ? drawAnime() : drawInGenre[favourites[r < 0.75 ? 0 : 1]]();
    };
    while (chosen.length < n) {
      let a = draw();
      // A heavy user exhausts the head: after many repeats, take the next free anime in order.
      for (let tries = 0; taken[a] === u && tries < 64; ++tries) a = draw();
      while (taken[a] === u) a = (a + 1) % itemCount;
      taken[a] = u;
      chosen.push(a);
    }
    // Ratings from the template; -1s to random anime, scores in order of quality + taste + noise.
    const own = templates[template[u]];
    const drawn = Array.from({ length: n }, () => own[Math.floor(random() * own.length)]);
    const unrated = drawn.filter((r) => r < 0).length;
    const scores = drawn.filter((r) => r >= 0).sort((x, y) => x - y);
    for (let i = chosen.length - 1; i > 0; --i) {
      const j = Math.floor(random() * (i + 1));
      [chosen[i], chosen[j]] = [chosen[j], chosen[i]];
    }
    const key = (a) => (anime[a].score > 0 ? anime[a].score : meanScore) +
      animeGenres[a].reduce((s, g) => s + (favourites.includes(g) ? 1 : 0), 0) + gaussian(random);
    const scored = chosen.slice(unrated).map((a) => [a, key(a)]).sort((x, y) => x[1] - y[1]);
    const rows = [...chosen.slice(0, unrated).map((a) => [anime[a].id, -1]),
                  ...scored.map(([a], i) => [anime[a].id, scores[i]])].sort((x, y) => x[0] - y[0]);
    for (const [id, rating] of rows) {
      offset = writeUint(bytes, offset, u + 1);
      bytes[offset++] = 44;
      offset = writeUint(bytes, offset, id);
      bytes[offset++] = 44;
      if (rating < 0) bytes[offset++] = 45;
      offset = writeUint(bytes, offset, Math.abs(rating));
      bytes[offset++] = 10;
      histogram.set(rating, (histogram.get(rating) ?? 0) + 1);
    }
    for (const a of chosen) covered[a] = 1;
  }
  return { bytes: bytes.subarray(0, offset), rows: rowCount, users: userCount,
           items: covered.reduce((a, b) => a + b, 0), exponent, histogram };
}
