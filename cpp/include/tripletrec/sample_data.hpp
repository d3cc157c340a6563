// The built-in sample: a seeded synthetic catalogue in the anime files' format, so everything
// works offline. Users have latent tastes over genres, popularity follows a power law, ratings
// are 1..10 with some -1 (watched, not rated), names are readable.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "tripletrec/preprocess.hpp"

namespace tripletrec {

struct SampleOptions {
  int users = 3000;
  int items = 400;
  // Mean ratings per user (varies by user); unset: 60, at most items / 3 (see normalised()).
  std::optional<double> ratings_per_user;
  std::uint64_t seed = 2024;
};

// The options with every default filled in: the one place the sample's defaults are decided
// (the CLI, the package and the page all pass what their caller gave and let this decide).
SampleOptions normalised(const SampleOptions& options);

struct SampleFiles {
  std::string ratings_csv;  // user_id,anime_id,rating
  std::string items_csv;    // anime_id,name,genre,type,episodes,rating,members
};

// Normalises and checks the options (OptionError names the bad one) before generating.
SampleFiles generate_sample(const SampleOptions& options = {});
// Preprocessing that fits the sample's scale (the notebook's thresholds are for the full file).
PreprocessOptions sample_preprocess_options();

}  // namespace tripletrec
