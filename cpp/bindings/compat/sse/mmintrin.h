// Emscripten 3.1.6 has no MMX header, which Eigen's SSE path includes first; MMX itself is never
// used. Ahead on the wasm build's include path only (cpp/bindings/wasm.cmake).
#pragma once
#include <xmmintrin.h>
