// A small ready-made session for the Session and limits tests: the built-in sample at 300 users x
// 60 items, prepared with the sample's preprocessing, and the message of a refused call.
#pragma once
#include <string>

#include "tripletrec/error.hpp"
#include "tripletrec/session.hpp"

namespace tripletrec::testing {

inline SampleOptions small_sample() {
  SampleOptions o;
  o.users = 300;
  o.items = 60;
  o.ratings_per_user = 20;
  return o;
}

inline PrepareOptions sample_prepare() {
  PrepareOptions p;
  p.preprocess = sample_preprocess_options();
  p.preprocess.min_popularity = 0;
  return p;
}

// A session with the small sample loaded, prepared and a bilinear model created.
inline void ready(Session& s) {
  s.load_sample(small_sample());
  s.prepare(sample_prepare());
  s.create_model(ModelConfig::bilinear_defaults(), OptimizerConfig{}, 1);
}

// Four anime with multi-valued genres, a missing type, an `Unknown` episode count and a missing
// member count; three users who rate all of them.
inline void hand_made_session(Session& s) {
  s.load_ratings(
      "user_id,anime_id,rating\n"
      "1,10,9\n1,11,9\n1,12,3\n1,13,9\n"
      "2,10,9\n2,11,2\n2,12,9\n2,13,9\n"
      "3,10,2\n3,11,9\n3,12,9\n3,13,9\n",
      "rating.csv");
  s.load_items(
      "anime_id,name,genre,type,episodes,rating,members\n"
      "10,A,\"Action, Comedy\",TV,12,8.1,250000\n"
      "11,B,Action,,Unknown,7.0,\n"
      "12,C,\"Comedy, Drama, Action\",Movie,1,6.5,999\n"
      "13,D,,TV,26,7.7,1200\n",
      "anime.csv");
  s.load_users("1|24|M|student|11111\n2|61|F|Unknown|22222\n", "u.user");  // user 3 has no row
  PrepareOptions p;
  p.preprocess.item_type = "any";
  p.preprocess.min_popularity = 0;
  p.test_fraction = 0.25;
  s.prepare(p);
}

// The message of the UsageError f throws, or "(no UsageError)".
template <class F>
std::string usage_error_of(F&& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no UsageError)";
}

}  // namespace tripletrec::testing
