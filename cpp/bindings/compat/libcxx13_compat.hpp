// Force-included in the wasm build only: Emscripten 3.1.6 ships libc++ 13, which lacks some
// C++20 library pieces that g++ 12 has. Each shim is the compiler builtin the newer libc++ uses.
#pragma once
#include <version>

#if defined(__cplusplus) && !defined(__cpp_lib_bit_cast)
#include <type_traits>
namespace std {
template <class To, class From>
  requires(sizeof(To) == sizeof(From) && is_trivially_copyable_v<To> && is_trivially_copyable_v<From>)
constexpr To bit_cast(const From& from) noexcept {
  return __builtin_bit_cast(To, from);
}
}  // namespace std
#endif
