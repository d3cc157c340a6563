#!/usr/bin/env bash
# `npm run bench`: installs and builds everything (native, wasm, package), then runs the speed
# benchmark (bench/run.mjs; arguments are passed on, e.g. `npm run bench -- --skip chromium`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node bench/run.mjs "$@"
