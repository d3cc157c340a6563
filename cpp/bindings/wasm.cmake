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
# serving bundle's JSON header, the sample generator, the thread pool, the popularity baseline's
# counts, the bindings) is compiled for size. At -O3 the single-threaded .wasm + glue measured
# 320,267 B gzipped, over the 300 KB budget; training, scoring, evaluation, fold-in, the embedding
# map and the ratings fast path stay -O3. -Oz rather than -Os: 1.3 KB smaller gzipped, and loading
# and preparing the anime files took the same CPU time (Node, 7 runs: ratings 26-29 ms, anime.csv
# 31-33 ms, prepare 114-117 ms with either). The embedding map was tried too: 5 KB smaller at
# -Os, but its neighbour lists ran 1.9x slower, so it stays -O3. (Neither changes a float result:
# no fast-math, no FMA contraction.)
foreach(cold_source data.cpp features.cpp options.cpp session.cpp serving_bundle.cpp model_file.cpp
                    memory_budget.cpp text_encoding.cpp preprocess.cpp sample_data.cpp split.cpp
                    thread_pool.cpp popularity_baseline.cpp)
  set_property(SOURCE "${CMAKE_SOURCE_DIR}/cpp/src/${cold_source}" APPEND PROPERTY COMPILE_OPTIONS -Oz)
endforeach()
set_property(SOURCE "${CMAKE_CURRENT_LIST_DIR}/embind.cpp" APPEND PROPERTY COMPILE_OPTIONS -Oz)

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

# --- the threaded module: web/dist/mt/tripletrec-mt.{mjs,wasm,worker.js,worker-source.mjs} -------
# The same engine compiled a second time with -pthread (every object of a threaded module needs
# it), in this same configure: a browser gives SharedArrayBuffer, hence threads, only to
# cross-origin-isolated pages, and one binary cannot fall back, so the package ships both and picks
# one at run time (web/src/module.ts). The single-threaded objects above are untouched.
# The engine's flags are copied from tripletrec_engine as set up to here (CMakeLists.txt and this
# file); per-source flags (-Os, -fno-exceptions) are source properties and apply to both.
add_library(tripletrec_engine_mt STATIC ${TRIPLETREC_ENGINE_SOURCES})
foreach(property COMPILE_OPTIONS COMPILE_DEFINITIONS INCLUDE_DIRECTORIES LINK_LIBRARIES LINK_OPTIONS
                 INTERFACE_COMPILE_OPTIONS INTERFACE_COMPILE_DEFINITIONS INTERFACE_INCLUDE_DIRECTORIES
                 INTERFACE_SYSTEM_INCLUDE_DIRECTORIES INTERFACE_LINK_OPTIONS INTERFACE_LINK_LIBRARIES)
  get_target_property(value tripletrec_engine ${property})
  if(value)
    set_target_properties(tripletrec_engine_mt PROPERTIES ${property} "${value}")
  endif()
endforeach()
target_compile_options(tripletrec_engine_mt PUBLIC -pthread)
target_link_options(tripletrec_engine_mt INTERFACE -pthread)

# Memory: a threaded module's memory is a SharedArrayBuffer, which cannot move, so the browser
# reserves its maximum up front. 2 GB holds the engine's 1 GiB memory budget
# (tripletrec/memory_budget.hpp) plus a loaded file's bytes and the threads' stacks, stays within
# what browsers give a shared memory (Chromium: 4 GB on 64-bit; less elsewhere), and keeps every
# pointer below 2^31 (3.1.6 then needs no unsigned-pointer fix-ups in its JS).
# Threads: a pool of workers started with the module, one per core (the caller's thread is one
# of the threads, the pool holds the others, and one spare): threads then start synchronously,
# and PTHREAD_POOL_SIZE_STRICT=2 makes a thread beyond the pool fail at once (the engine then
# trains on fewer, tripletrec/thread_pool.hpp) instead of waiting for the event loop, which a
# caller blocked in a join never returns to. std::thread::hardware_concurrency() is the same
# count (navigator.hardwareConcurrency; os.cpus() under Node): the engine's default `threads`.
set(TRIPLETREC_WASM_MT_LINK_OPTIONS ${TRIPLETREC_WASM_LINK_OPTIONS})
list(REMOVE_ITEM TRIPLETREC_WASM_MT_LINK_OPTIONS -sMAXIMUM_MEMORY=4GB)
list(APPEND TRIPLETREC_WASM_MT_LINK_OPTIONS -sMAXIMUM_MEMORY=2GB
     "-sPTHREAD_POOL_SIZE=Math.min(256,(typeof navigator==='object'&&navigator.hardwareConcurrency)||require('os').cpus().length)"
     -sPTHREAD_POOL_SIZE_STRICT=2)
set(TRIPLETREC_WASM_MT_OUTPUT_DIR "${TRIPLETREC_WASM_OUTPUT_DIR}/mt")
add_executable(tripletrec_wasm_mt "${CMAKE_CURRENT_LIST_DIR}/embind.cpp")
target_link_libraries(tripletrec_wasm_mt PRIVATE tripletrec_engine_mt)
target_link_options(tripletrec_wasm_mt PRIVATE ${TRIPLETREC_WASM_MT_LINK_OPTIONS})
set_target_properties(tripletrec_wasm_mt PROPERTIES
    OUTPUT_NAME tripletrec-mt SUFFIX ".mjs"
    RUNTIME_OUTPUT_DIRECTORY "${TRIPLETREC_WASM_MT_OUTPUT_DIR}"
    LINK_DEPENDS "${TRIPLETREC_WASM_LINK_DEPENDS};${CMAKE_CURRENT_LIST_DIR}/pthread_worker_source.mjs")
# The worker made safe under bundlers, and its source as a string module (see the script).
# Node runs the classic worker script (tripletrec-mt.worker.js) from this folder: it is CommonJS,
# and the package says "type": "module", hence the folder's own package.json.
find_program(TRIPLETREC_NODE node REQUIRED)
file(WRITE "${CMAKE_BINARY_DIR}/mt-package.json" "{ \"type\": \"commonjs\" }\n")
add_custom_command(TARGET tripletrec_wasm_mt POST_BUILD
    COMMAND "${TRIPLETREC_NODE}" "${CMAKE_CURRENT_LIST_DIR}/pthread_worker_source.mjs"
            "${TRIPLETREC_WASM_MT_OUTPUT_DIR}/tripletrec-mt.mjs" "${TRIPLETREC_WASM_MT_OUTPUT_DIR}/tripletrec-mt.worker.js"
    COMMAND "${CMAKE_COMMAND}" -E copy "${CMAKE_BINARY_DIR}/mt-package.json" "${TRIPLETREC_WASM_MT_OUTPUT_DIR}/package.json"
    VERBATIM)
