#!/usr/bin/env bash
# `npm start`: set up, build, serve the demo page.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx vite --config web/demo/vite.config.ts "$@"
