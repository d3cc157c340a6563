# The WebAssembly module: the engine + cpp/bindings/embind.cpp -> web/dist/tripletrec.{mjs,wasm}.
# Included by CMakeLists.txt when building with emcmake. Fixes for Emscripten 3.1.6 are explained
# in ../shared/docs/TOOLCHAIN.md.

# The 3.1.6 linker needs `acorn`, which Debian ships in /usr/share/nodejs.
set_property(GLOBAL PROPERTY RULE_LAUNCH_LINK "env NODE_PATH=/usr/share/nodejs")

# Engine errors are C++ exceptions that the bindings catch and turn into JS Errors, and the C++
# tests check for them: catching must work in every object (engine, bindings, GoogleTest).
# (The frozen system-library cache has no wasm-EH variants, so this is Emscripten's JS-based EH.)
string(APPEND CMAKE_CXX_FLAGS " -fexceptions")
string(APPEND CMAKE_EXE_LINKER_FLAGS " -fexceptions")
# ...except in the ratings fast path, which cannot throw (cpp/src/plain_ratings.hpp): compiled
# without exception support, its calls stay plain wasm calls instead of JS `invoke_*` trampolines.
set_source_files_properties("${CMAKE_SOURCE_DIR}/cpp/src/plain_ratings.cpp"
    PROPERTIES COMPILE_OPTIONS "-fno-exceptions")

# libc++ 13 of Emscripten 3.1.6 misses C++20 pieces the engine uses (std::bit_cast).
target_compile_options(tripletrec_engine PUBLIC
    "SHELL:-include ${CMAKE_CURRENT_LIST_DIR}/compat/libcxx13_compat.hpp")

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
