// The engine's only source of randomness: a seeded xoshiro256** generator with its own
// distributions, so one seed gives the same numbers natively and in wasm (std:: distributions
// differ between libstdc++ and libc++).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace tripletrec {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next();                  // 64 random bits
  std::uint32_t below(std::uint32_t n);  // uniform in [0, n), unbiased (Lemire); n > 0
  float uniform();                       // uniform in [0, 1), 24 random bits
  float uniform(float low, float high);  // uniform in [low, high)
  // A generator for a named sub-stream (epoch, layer, ...), independent of this one's position.
  Rng fork(std::uint64_t stream) const;

 private:
  std::uint64_t s_[4];
};

template <class T>
void shuffle(std::vector<T>& v, Rng& rng) {  // Fisher-Yates
  for (std::size_t i = v.size(); i > 1; --i) {
    std::size_t j = rng.below(static_cast<std::uint32_t>(i));
    std::swap(v[i - 1], v[j]);
  }
}

}  // namespace tripletrec
