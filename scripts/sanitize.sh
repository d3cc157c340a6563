#!/usr/bin/env bash
# The sanitizer suite of `npm test`: builds build/sanitize (clang, ASan + UBSan, see
# tests/fuzz/CMakeLists.txt), runs the fast C++ tests in it, then runs each libFuzzer harness over
# its committed seed corpus in regression mode (every seed once, no new inputs).
# Any sanitizer report stops the run with a non-zero exit (halt_on_error, no recovery).
set -euo pipefail
cd "$(dirname "$0")/.."

export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

[ -f build/sanitize/build.ninja ] || CXX=clang++ cmake -S tests/fuzz -B build/sanitize -G Ninja >/dev/null
cmake --build build/sanitize -j "$(nproc)"

# GoogleTest's own summary line ("[  PASSED  ] N tests.") is what npm test adds up.
build/sanitize/tripletrec_tests_sanitized --gtest_brief=1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
for loader in ratings items model bundle; do
  corpus=tests/fuzz/corpus/$loader
  if ! build/sanitize/fuzz_$loader -runs=0 "$corpus" >"$log" 2>&1; then
    cat "$log"
    echo "fuzz_$loader: a seed failed (see above)" >&2
    exit 1
  fi
  echo "fuzz_$loader: $(ls "$corpus" | wc -l) seeds ran clean"
done
