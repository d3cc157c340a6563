#!/usr/bin/env bash
# `npm run fuzz`: long libFuzzer runs of the ratings, items and model-file loaders under ASan +
# UBSan. FUZZ_SECONDS per harness (default 300). New inputs go to build/fuzz-corpus/<loader>
# (seeded from the committed corpus), crashes to build/fuzz-crashes/; add a crash's input to
# tests/fuzz/corpus/<loader>/ once fixed, so the regression run in `npm test` keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-300}

export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
[ -f build/sanitize/build.ninja ] || CXX=clang++ cmake -S tests/fuzz -B build/sanitize -G Ninja >/dev/null
cmake --build build/sanitize -j "$(nproc)"

mkdir -p build/fuzz-crashes
for loader in ratings items model bundle; do
  work=build/fuzz-corpus/$loader
  mkdir -p "$work"
  echo "== fuzz_$loader for ${seconds} s =="
  build/sanitize/fuzz_$loader -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix=build/fuzz-crashes/$loader- -print_final_stats=1 "$work" tests/fuzz/corpus/$loader
done
