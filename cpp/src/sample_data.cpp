// The built-in sample: a synthetic anime catalogue and ratings with planted taste structure.
//
// How it is made (all from one seed, with + - * / only, so native and wasm builds produce the
// same bytes):
//   items  have 1-3 genres, a quality offset, a power-law base popularity (1 / (rank + 3)) and a
//          readable made-up name; about 1 in 8 is a sequel of an earlier title (same genres);
//   users  like 2-3 favourite genres (plus a little of everything), and rate 20%-180% of the mean
//          number of titles;
//   watching: a user picks titles with probability proportional to popularity x (affinity + 0.02),
//          affinity = how much of the title's genres the user likes;
//   rating = round(4 + 12 affinity + quality + noise) clamped to 1..10, and ~15% become -1
//          ("watched, not rated"), as in the anime file.
// So a model that learns user and item factors (genre tastes) should rank better than
// popularity alone, which is what the sample is for.
#include "tripletrec/sample_data.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "tripletrec/error.hpp"
#include "tripletrec/options.hpp"
#include "tripletrec/random.hpp"

namespace tripletrec {
namespace {

constexpr std::array kGenres = {"Action",   "Adventure", "Comedy",  "Drama",        "Fantasy",
                                "Romance",  "Sci-Fi",    "Mystery", "Slice of Life", "Horror",
                                "Sports",   "Music",     "School",  "Supernatural", "Mecha",
                                "Psychological", "Historical", "Military", "Magic", "Space"};
constexpr int kGenreCount = static_cast<int>(kGenres.size());

constexpr std::array kFirstWords = {
    "Crimson", "Steel",   "Silent",  "Eternal", "Azure",    "Golden",  "Hidden",   "Midnight",
    "Broken",  "Shining", "Iron",    "Frozen",  "Wandering", "Scarlet", "Phantom", "Lost",
    "Distant", "Burning", "Hollow",  "Celestial", "Velvet",  "Silver",  "Emerald",  "Thunder",
    "Paper",   "Neon",    "Quiet",   "Wild",    "Starlit",  "Moonlit", "Sunken",   "Clockwork"};
constexpr std::array kSecondWords = {
    "Academy", "Horizon", "Blade",    "Garden",  "Chronicle", "Requiem", "Frontier", "Melody",
    "Knights", "Labyrinth", "Festival", "Tide",  "Empire",    "Circuit", "Lantern",  "Orchestra",
    "Summit",  "Sky",     "Odyssey",  "Saga",    "Express",   "Kingdom", "Detective", "Diary",
    "Harbor",  "Legion",  "Rhapsody", "Voyage",  "Dominion",  "Caf\xC3\xA9", "Spiral", "Archive"};
constexpr std::array kSequelSuffixes = {": Second Season", " 2", ": Final Arc", ": Another Story",
                                        " Zero", ": Third Season"};
// Names with HTML entities as the anime file writes them (Gintama&#039;), and one with a comma
// (quoted in the CSV).
constexpr std::array kSpecialNames = {"Hikari&#039;s Crimson Diary", "The Captain&#039;s Voyage",
                                      "Sword &amp; Melody", "Goodbye, Starlit Summer"};

// A float in [0, 1) from the engine's generator; the sample uses nothing but this and below().
float unit(Rng& rng) { return rng.uniform(); }

// Roughly normal noise with standard deviation ~0.58 * scale (Irwin-Hall of three uniforms).
float noise(Rng& rng, float scale) { return (unit(rng) + unit(rng) + unit(rng) - 1.5f) * scale; }

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

struct SampleItem {
  std::int64_t id = 0;
  std::string name, type, episodes;
  std::vector<int> genres;  // indices into kGenres, first = main genre
  float quality = 0;        // rating offset
  double base_popularity = 0;
  std::int64_t rows = 0;    // ratings rows generated (members derive from it)
  double rating_sum = 0;
  std::int64_t rated = 0;
};

std::vector<SampleItem> make_items(int count, Rng rng) {
  std::vector<SampleItem> items(static_cast<std::size_t>(count));
  // Unique first/second word combinations in a shuffled order.
  std::vector<int> combos(kFirstWords.size() * kSecondWords.size());
  for (std::size_t c = 0; c < combos.size(); ++c) combos[c] = static_cast<int>(c);
  shuffle(combos, rng);
  std::size_t next_combo = 0;
  // Power-law popularity over a shuffled rank order.
  std::vector<int> rank(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) rank[static_cast<std::size_t>(i)] = i;
  shuffle(rank, rng);

  std::int64_t id = 0;
  for (int i = 0; i < count; ++i) {
    SampleItem& item = items[static_cast<std::size_t>(i)];
    id += 1 + rng.below(40);  // anime ids are sparse
    item.id = id;
    const std::size_t special = static_cast<std::size_t>(i) / 37;  // a few, spread out
    const bool special_name = i % 37 == 5 && special < kSpecialNames.size();
    const bool sequel = !special_name && i >= 10 && rng.below(8) == 0;
    if (sequel) {
      const SampleItem& base = items[rng.below(static_cast<std::uint32_t>(i))];
      item.name = base.name + kSequelSuffixes[rng.below(kSequelSuffixes.size())];
      item.genres = base.genres;
    } else {
      const int n_genres = 1 + static_cast<int>(rng.below(3));
      while (static_cast<int>(item.genres.size()) < n_genres) {
        const int g = static_cast<int>(rng.below(kGenreCount));
        if (std::find(item.genres.begin(), item.genres.end(), g) == item.genres.end())
          item.genres.push_back(g);
      }
      if (special_name) {
        item.name = kSpecialNames[special];
      } else {
        const int combo = combos[next_combo++ % combos.size()];
        item.name = std::string(kFirstWords[static_cast<std::size_t>(combo) / kSecondWords.size()]) +
                    " " + kSecondWords[static_cast<std::size_t>(combo) % kSecondWords.size()];
      }
    }
    const std::uint32_t kind = rng.below(100);
    if (kind < 76) {
      item.type = "TV";
      constexpr std::array kTvEpisodes = {"12", "13", "24", "25", "26", "51", "10", "11"};
      item.episodes = kTvEpisodes[rng.below(kTvEpisodes.size())];
    } else if (kind < 88) {
      item.type = "Movie";
      item.episodes = "1";
    } else if (kind < 96) {
      item.type = "OVA";
      item.episodes = std::to_string(1 + rng.below(6));
    } else {
      item.type = "Special";
      item.episodes = std::to_string(1 + rng.below(3));
    }
    if (item.type == "TV" && rng.below(20) == 0) item.episodes = "Unknown";  // still airing
    item.quality = noise(rng, 2.0f);
    item.base_popularity = 1.0 / (rank[static_cast<std::size_t>(i)] + 3.0);
  }
  return items;
}

// How much of the item's genres the user likes, in [0, 1].
float affinity(const std::array<float, kGenreCount>& taste, const SampleItem& item) {
  float sum = 0;
  for (int g : item.genres) sum += taste[static_cast<std::size_t>(g)];
  return sum / static_cast<float>(item.genres.size());
}

}  // namespace

SampleOptions normalised(const SampleOptions& options) {
  constexpr double kDefaultRatingsPerUser = 60;
  SampleOptions result = options;
  // The default density suits the default catalogue; a small catalogue gets a third of its items.
  if (!result.ratings_per_user) result.ratings_per_user = std::min(kDefaultRatingsPerUser, result.items / 3.0);
  return result;
}

SampleFiles generate_sample(const SampleOptions& given) {
  check_sample_options(given);
  const SampleOptions options = normalised(given);
  const double ratings_per_user = options.ratings_per_user.value();

  const Rng root(options.seed);
  std::vector<SampleItem> items = make_items(options.items, root.fork(1));
  Rng rng = root.fork(2);

  std::string ratings = "user_id,anime_id,rating\n";
  ratings.reserve(static_cast<std::size_t>(options.users * ratings_per_user * 12));
  std::vector<double> cumulative(items.size());  // reused per user
  std::vector<std::uint8_t> picked(items.size());
  std::vector<std::size_t> chosen;
  std::array<float, kGenreCount> taste{};

  for (int user = 1; user <= options.users; ++user) {
    // Taste: a little of everything, most of it on 2-3 favourite genres.
    taste.fill(0.1f);
    const int favourites = 2 + static_cast<int>(rng.below(2));
    for (int f = 0; f < favourites; ++f)
      taste[rng.below(kGenreCount)] += (f == 0 ? 1.0f : 0.6f) + 0.3f * unit(rng);
    float max_taste = 0;
    for (float t : taste) max_taste = std::max(max_taste, t);
    for (float& t : taste) t /= max_taste;

    double total = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      total += items[i].base_popularity * (affinity(taste, items[i]) + 0.02);
      cumulative[i] = total;
    }
    // 20%..180% of the mean, at most a third of the catalogue.
    const double wanted = ratings_per_user * (0.2 + 1.6 * unit(rng));
    const std::size_t count = std::clamp<std::size_t>(static_cast<std::size_t>(wanted + 0.5), 1,
                                                       items.size() / 3);
    // Weighted draws without replacement: redraw a title already picked (bounded tries).
    std::fill(picked.begin(), picked.end(), 0);
    chosen.clear();
    for (int tries = 0; chosen.size() < count && tries < static_cast<int>(count) * 20; ++tries) {
      const double target = total * static_cast<double>(unit(rng));
      std::size_t i = static_cast<std::size_t>(
          std::upper_bound(cumulative.begin(), cumulative.end(), target) - cumulative.begin());
      i = std::min(i, items.size() - 1);
      if (picked[i]) continue;
      picked[i] = 1;
      chosen.push_back(i);
    }
    std::sort(chosen.begin(), chosen.end());  // the anime file lists each user's rows by id

    for (std::size_t i : chosen) {
      SampleItem& item = items[i];
      ++item.rows;
      int rating = -1;
      if (rng.below(100) >= 15) {
        const float value = 4.0f + 12.0f * affinity(taste, item) + item.quality + noise(rng, 2.5f);
        rating = std::clamp(static_cast<int>(value + 0.5f), 1, 10);
        item.rating_sum += rating;
        ++item.rated;
      }
      ratings += std::to_string(user);
      ratings += ',';
      ratings += std::to_string(item.id);
      ratings += ',';
      ratings += std::to_string(rating);
      ratings += '\n';
    }
  }

  // The metadata file, CRLF like anime.csv. Average rating and members come from the sample's
  // own ratings (members scaled up as if the sample were a slice of a bigger site).
  std::string catalog = "anime_id,name,genre,type,episodes,rating,members\r\n";
  for (const SampleItem& item : items) {
    std::string genres;
    for (int g : item.genres) genres += (genres.empty() ? "" : ", ") + std::string(kGenres[static_cast<std::size_t>(g)]);
    char average[32] = "";
    if (item.rated > 0) std::snprintf(average, sizeof average, "%.2f", item.rating_sum / item.rated);
    catalog += std::to_string(item.id) + ',' + csv_field(item.name) + ',' + csv_field(genres) + ',' +
               item.type + ',' + item.episodes + ',' + average + ',' +
               std::to_string(item.rows * 37 + 11) + "\r\n";
  }
  return SampleFiles{std::move(ratings), std::move(catalog)};
}

PreprocessOptions sample_preprocess_options() {
  PreprocessOptions options;
  options.drop_unrated = true;
  options.item_type = "TV";
  options.min_popularity = 20;  // the sample's long tail still has a few dozen rows per title
  options.max_user_id = -1;     // the sample's user ids are 1..users
  return options;
}

}  // namespace tripletrec
