#!/usr/bin/env bash
# `npm test`: set up, build, then every suite: C++ native, C++ compiled to wasm, Vitest, the consumer
# matrix, browser.
# Ends with one line adding up what the suites ran.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# Runs a suite, showing its output and keeping a copy for the summary.
suite() {
  local name=$1; shift
  echo "== $name =="
  "$@" 2>&1 | tee "$logs/$(echo "$name" | tr -c 'a-z0-9' '_').log"
}

suite "C++ engine tests (native)" ctest --test-dir build/native --output-on-failure -j "$(nproc)"
suite "C++ engine tests (compiled to wasm, run by Node)" ctest --test-dir build/wasm --output-on-failure
suite "sanitizers (ASan + UBSan): fast C++ tests and the fuzz corpora" bash scripts/sanitize.sh
suite "type check of the demo page" npx tsc --noEmit -p web/demo/tsconfig.json
suite "package tests (Vitest, real wasm build)" npx vitest run --config tests/js/vitest.config.ts
suite "consumer matrix (the packed package in Node, tsc, Vite, webpack, Rollup, esbuild, Chromium)" npx vitest run --config tests/consumers/vitest.config.ts
suite "demo page end-to-end tests (headless Chromium)" npx vitest run --config tests/e2e/vitest.config.ts

# Every suite passed (set -e stops at the first failure). ctest: "... out of N" and one
# "(Skipped)" line per skipped test; GoogleTest run directly: "[  PASSED  ] N tests.";
# Vitest: "Tests  N passed | M skipped (T)".
sed 's/\x1b\[[0-9;]*m//g' "$logs"/*.log | awk '
  /tests passed, 0 tests failed out of/ { passed += $NF }
  /\(Skipped\)$/ { passed -= 1; skipped += 1 }
  /^\[  PASSED  \] [0-9]+ tests?\.$/ { passed += $4 }
  /^ *Tests +[0-9]+ passed/ {
    passed += $2
    if (match($0, /[0-9]+ skipped/)) skipped += substr($0, RSTART, RLENGTH) + 0
  }
  END { printf "summary: %d passed, 0 failed, %d skipped\n", passed, skipped }'
