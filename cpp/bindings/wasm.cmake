# The WebAssembly module: the engine + cpp/bindings/embind.cpp -> web/dist/tripletrec.{mjs,wasm}.
# Included by CMakeLists.txt when building with emcmake. Fixes for Emscripten 3.1.6 are explained
# in ../shared/docs/TOOLCHAIN.md.

# The 3.1.6 linker needs `acorn`, which Debian ships in /usr/share/nodejs.
set_property(GLOBAL PROPERTY RULE_LAUNCH_LINK "env NODE_PATH=/usr/share/nodejs")

# Flags of the wasm build, on the targets that need them (never in global CMAKE_CXX_FLAGS):
# the engine passes them on to everything that links it (bindings, C++ tests).
#
# Engine errors are C++ exceptions that the bindings catch and turn into JS Errors, and the C++
# tests check for them: catching must work in every object (engine, bindings, GoogleTest).
# (The frozen system-library cache has no wasm-EH variants, so this is Emscripten's JS-based EH.)
target_compile_options(tripletrec_engine PUBLIC -fexceptions)
target_link_options(tripletrec_engine INTERFACE -fexceptions)
# ...except in the ratings fast path, which cannot throw (cpp/src/plain_ratings.hpp): compiled
# without exception support, its calls stay plain wasm calls instead of JS `invoke_*` trampolines.
set_source_files_properties("${CMAKE_SOURCE_DIR}/cpp/src/plain_ratings.cpp"
    PROPERTIES COMPILE_OPTIONS "-fno-exceptions")

# Download size: the code that runs once per call, not per triplet or per item (loaders of
# metadata and user files, the option table, the session's orchestration, model files and the
# serving bundle's JSON header, the sample generator, the bindings) is compiled for size. At -O3
# the single-threaded .wasm + glue measured 320,267 B gzipped, over the 300 KB budget; training,
# scoring, evaluation, fold-in and the ratings fast path stay -O3. (-Os changes no float result:
# no fast-math, no FMA contraction in either.)
foreach(cold_source data.cpp features.cpp options.cpp session.cpp serving_bundle.cpp model_file.cpp
                    memory_budget.cpp text_encoding.cpp preprocess.cpp sample_data.cpp split.cpp)
  set_property(SOURCE "${CMAKE_SOURCE_DIR}/cpp/src/${cold_source}" APPEND PROPERTY COMPILE_OPTIONS -Os)
endforeach()
set_property(SOURCE "${CMAKE_CURRENT_LIST_DIR}/embind.cpp" APPEND PROPERTY COMPILE_OPTIONS -Os)

# libc++ 13 of Emscripten 3.1.6 misses C++20 pieces the engine uses (std::bit_cast).
target_compile_options(tripletrec_engine PUBLIC
    "SHELL:-include ${CMAKE_CURRENT_LIST_DIR}/compat/libcxx13_compat.hpp")

# SIMD128, and Eigen vectorised on it: Eigen 3.4 has no wasm backend, but its SSE one runs on
# Emscripten's SSE-to-SIMD128 headers (-msse4.2) with two fixes (../shared/docs/TOOLCHAIN.md):
#  - compat/sse/mmintrin.h, a stub ahead on the include path (Emscripten ships no MMX header);
#  - a copy of Eigen made here whose SSE/PacketMath.h skips the GCC < 6.3 workaround under clang
#    (clang reports itself as GCC 4.2, and that workaround is x86 inline assembly).
target_compile_options(tripletrec_engine PUBLIC -msimd128 -msse4.2)
get_target_property(TRIPLETREC_EIGEN_INCLUDE Eigen3::Eigen INTERFACE_INCLUDE_DIRECTORIES)
set(TRIPLETREC_EIGEN_COPY "${CMAKE_BINARY_DIR}/eigen3")
set(packet_math "Eigen/src/Core/arch/SSE/PacketMath.h")
if(NOT EXISTS "${TRIPLETREC_EIGEN_COPY}/${packet_math}"
   OR "${TRIPLETREC_EIGEN_INCLUDE}/${packet_math}" IS_NEWER_THAN "${TRIPLETREC_EIGEN_COPY}/${packet_math}")
  file(REMOVE_RECURSE "${TRIPLETREC_EIGEN_COPY}")
  file(COPY "${TRIPLETREC_EIGEN_INCLUDE}/Eigen" DESTINATION "${TRIPLETREC_EIGEN_COPY}")
  file(READ "${TRIPLETREC_EIGEN_INCLUDE}/${packet_math}" text)
  set(guard "EIGEN_COMP_GNUC && EIGEN_COMP_GNUC < 63")
  string(REPLACE "${guard}" "${guard} && !EIGEN_COMP_CLANG" patched "${text}")
  if(patched STREQUAL text)
    message(FATAL_ERROR "Eigen: '${guard}' not found in ${packet_math}; the wasm SSE route needs a new fix")
  endif()
  file(WRITE "${TRIPLETREC_EIGEN_COPY}/${packet_math}" "${patched}")
endif()
target_include_directories(tripletrec_engine SYSTEM BEFORE PUBLIC
    "${CMAKE_CURRENT_LIST_DIR}/compat/sse" "${TRIPLETREC_EIGEN_COPY}")

set(TRIPLETREC_WASM_OUTPUT_DIR "${CMAKE_SOURCE_DIR}/web/dist" CACHE PATH
    "Where the wasm module (tripletrec.mjs + tripletrec.wasm) is written")

set(TRIPLETREC_WASM_LINK_OPTIONS
    --bind -O3 -msimd128
    -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createTripletrecModule
    -sENVIRONMENT=web,worker,node
    -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sINITIAL_MEMORY=32MB
    -sFILESYSTEM=0
    --extern-pre-js "${CMAKE_CURRENT_LIST_DIR}/node_esm_shim.extern-pre.js"
    --pre-js "${CMAKE_CURRENT_LIST_DIR}/node_wasm_binary.pre.js")
set(TRIPLETREC_WASM_LINK_DEPENDS
    "${CMAKE_CURRENT_LIST_DIR}/node_esm_shim.extern-pre.js;${CMAKE_CURRENT_LIST_DIR}/node_wasm_binary.pre.js")

# The shipped module: optimised, no name section.
add_executable(tripletrec_wasm "${CMAKE_CURRENT_LIST_DIR}/embind.cpp")
target_link_libraries(tripletrec_wasm PRIVATE tripletrec_engine)
target_link_options(tripletrec_wasm PRIVATE ${TRIPLETREC_WASM_LINK_OPTIONS})
set_target_properties(tripletrec_wasm PROPERTIES
    OUTPUT_NAME tripletrec SUFFIX ".mjs"
    RUNTIME_OUTPUT_DIRECTORY "${TRIPLETREC_WASM_OUTPUT_DIR}"
    LINK_DEPENDS "${TRIPLETREC_WASM_LINK_DEPENDS}")

# The same objects linked with function names kept (--profiling-funcs keeps the optimisations),
# so tests can check that the hot loops were vectorised. Not shipped.
add_executable(tripletrec_wasm_profiling "${CMAKE_CURRENT_LIST_DIR}/embind.cpp")
target_link_libraries(tripletrec_wasm_profiling PRIVATE tripletrec_engine)
target_link_options(tripletrec_wasm_profiling PRIVATE ${TRIPLETREC_WASM_LINK_OPTIONS} --profiling-funcs)
set_target_properties(tripletrec_wasm_profiling PROPERTIES
    OUTPUT_NAME tripletrec_profiling SUFFIX ".mjs"
    RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/profiling"
    LINK_DEPENDS "${TRIPLETREC_WASM_LINK_DEPENDS}")

# The C++ test runner is CommonJS glue (tripletrec_tests.js); the repository's package.json says
# "type": "module", so mark the build tree as CommonJS for Node.
file(WRITE "${CMAKE_BINARY_DIR}/package.json" "{ \"type\": \"commonjs\" }\n")
