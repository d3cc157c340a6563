// xoshiro256** (Blackman & Vigna) seeded through splitmix64, with distributions written out by
// hand so that the same seed yields the same numbers in every build (libstdc++, libc++, wasm).
#include "tripletrec/random.hpp"

namespace tripletrec {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(std::uint64_t seed) {
  std::uint64_t state = seed;
  // splitmix64 never yields four zero words in a row, so the state is never all zero.
  for (auto& word : s_) word = splitmix64(state);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint32_t Rng::below(std::uint32_t n) {
  // Lemire's multiply-shift: the high 32 bits of x * n are uniform in [0, n) once the few
  // low products below 2^32 mod n are rejected.
  std::uint64_t product = (next() >> 32) * static_cast<std::uint64_t>(n);
  std::uint32_t low = static_cast<std::uint32_t>(product);
  if (low < n) {
    const std::uint32_t threshold = static_cast<std::uint32_t>(-n) % n;
    while (low < threshold) {
      product = (next() >> 32) * static_cast<std::uint64_t>(n);
      low = static_cast<std::uint32_t>(product);
    }
  }
  return static_cast<std::uint32_t>(product >> 32);
}

float Rng::uniform() {
  return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f);  // exact: 24 bits fit a float
}

float Rng::uniform(float low, float high) {
  const float x = low + (high - low) * uniform();
  return x < high ? x : low;  // rounding could land on `high`; keep the interval half-open
}

Rng Rng::fork(std::uint64_t stream) const {
  // Hash the current state with the stream id; this generator is not advanced.
  std::uint64_t mix = stream * 0xD1B54A32D192ED03ULL;
  std::uint64_t seed = 0;
  for (const auto word : s_) {
    mix ^= word;
    seed ^= splitmix64(mix);
  }
  return Rng(seed);
}

}  // namespace tripletrec
