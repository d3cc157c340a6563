#!/usr/bin/env bash
# Installs what the project needs and is missing, then builds. Called by `npm start`/`npm test`.
# Debian packages via apt-get when root (otherwise prints the exact command and stops),
# npm packages via `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

have_cmd() { command -v "$1" >/dev/null 2>&1; }

# Node.js 20+ with npm must already be there: Debian 12's own nodejs package is 18 and has no npm.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ] || ! have_cmd npm; then
  echo "setup: Node.js 20 or newer with npm is needed (found node $(node --version 2>/dev/null || echo none)," \
    "npm $(npm --version 2>/dev/null || echo none)); install Node.js 20+ with npm, then rerun." >&2
  exit 1
fi

need=()
have_cmd g++        || need+=(g++)
have_cmd cmake      || need+=(cmake)
have_cmd ninja      || need+=(ninja-build)
have_cmd emcc       || need+=(emscripten)
have_cmd wasm-dis   || need+=(binaryen)
have_cmd chromium   || need+=(chromium)
[ -d /usr/src/googletest ] || need+=(googletest)
[ -f /usr/include/gtest/gtest.h ] || need+=(libgtest-dev)
[ -f /usr/include/eigen3/Eigen/Core ] || need+=(libeigen3-dev)
[ -f /usr/include/nlohmann/json.hpp ] || need+=(nlohmann-json3-dev)
# The sanitizer suite and the fuzzers: clang with libFuzzer and the ASan/UBSan runtimes.
have_cmd clang++    || need+=(clang)
compgen -G "/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null || need+=(libclang-rt-14-dev)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "setup: missing Debian packages. Run as root:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi

# npm packages: reinstall only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

bash scripts/build.sh
