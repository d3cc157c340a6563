#!/usr/bin/env bash
# Builds the native engine/CLI/tests, the wasm module and the TypeScript package.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "build: native (build/native)"
[ -f build/native/build.ninja ] || cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/native -j "$jobs"

echo "build: wasm (build/wasm)"
# Emscripten 3.1.6 fixes, see ../shared/docs/TOOLCHAIN.md: node for the test runner.
[ -f build/wasm/build.ninja ] || emcmake cmake -S . -B build/wasm -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CROSSCOMPILING_EMULATOR="$(command -v node);--no-experimental-fetch" >/dev/null
NODE_PATH=/usr/share/nodejs cmake --build build/wasm -j "$jobs"

echo "build: TypeScript package (web/)"
npm run --silent build:package
