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
