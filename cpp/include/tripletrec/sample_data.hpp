// The built-in sample: a seeded synthetic catalogue in the anime files' format, so everything
// works offline. Users have latent tastes over genres, popularity follows a power law, ratings
// are 1..10 with some -1 (watched, not rated), names are readable.
#pragma once
#include <cstdint>
#include <string>

#include "tripletrec/preprocess.hpp"

namespace tripletrec {

struct SampleOptions {
  int users = 3000;
  int items = 400;
  double ratings_per_user = 60;  // mean; varies by user
  std::uint64_t seed = 2024;
};

struct SampleFiles {
  std::string ratings_csv;  // user_id,anime_id,rating
  std::string items_csv;    // anime_id,name,genre,type,episodes,rating,members
};

SampleFiles generate_sample(const SampleOptions& options = {});
// Preprocessing that fits the sample's scale (the notebook's thresholds are for the full file).
PreprocessOptions sample_preprocess_options();

}  // namespace tripletrec
