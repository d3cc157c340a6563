#!/usr/bin/env bash
# `npm test`: set up, build, then every suite: C++ native, C++ compiled to wasm, Vitest, browser.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== C++ engine tests (native) =="
ctest --test-dir build/native --output-on-failure -j "$(nproc)"

echo "== C++ engine tests (compiled to wasm, run by Node) =="
ctest --test-dir build/wasm --output-on-failure

echo "== type check of the demo page =="
npx tsc --noEmit -p web/demo/tsconfig.json

echo "== package tests (Vitest, real wasm build) =="
npx vitest run --config tests/js/vitest.config.ts

echo "== demo page end-to-end tests (headless Chromium) =="
npx vitest run --config tests/e2e/vitest.config.ts
