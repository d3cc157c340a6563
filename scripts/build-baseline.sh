#!/usr/bin/env bash
# Builds another commit of the engine (by default the last one before the engine moved to Eigen)
# beside this checkout, for `npm run bench:compare`: its native benchmark binary and its built
# package, in build/baseline/<commit>/ (kept; rebuilt only when missing). Prints that directory.
#   usage: scripts/build-baseline.sh [COMMIT]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
commit=$(git rev-parse --verify "${1:-1088261}^{commit}")
dir="$repo/build/baseline/$commit"
if [ -f "$dir/done" ]; then echo "$dir"; exit 0; fi
rm -rf "$dir"
mkdir -p "$dir/src"
git archive "$commit" | tar -x -C "$dir/src"
ln -s "$repo/node_modules" "$dir/src/node_modules"
jobs=$(nproc)
{
  cmake -S "$dir/src" -B "$dir/native" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRIPLETREC_TESTS=OFF
  cmake --build "$dir/native" -j "$jobs" --target tripletrec_bench
  emcmake cmake -S "$dir/src" -B "$dir/wasm" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRIPLETREC_TESTS=OFF
  NODE_PATH=/usr/share/nodejs cmake --build "$dir/wasm" -j "$jobs" --target tripletrec_wasm
  (cd "$dir/src/web" && "$repo/node_modules/.bin/tsc" -p tsconfig.json && cp src/tripletrec.d.mts dist/)
} >"$dir/build.log" 2>&1 || { echo "baseline build failed, see $dir/build.log" >&2; tail -20 "$dir/build.log" >&2; exit 1; }
touch "$dir/done"
echo "$dir"
