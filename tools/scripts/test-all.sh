#!/usr/bin/env bash
# `npm test`: everything CI checks, in the order that fails fastest. Needs PostgreSQL and Redis
# on 127.0.0.1 (or DATABASE_URL/REDIS_URL); each run uses its own database and Redis prefix.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true
step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)

step "lint (module boundaries included)"
npx nx run-many -t lint --parallel=2 --outputStyle=static --skip-nx-cache
step "lint proves the boundary rule fires on a violating connector"
bash tools/scripts/check-boundaries.sh
step "type check"
npx tsc -p tsconfig.json --noEmit
step "unit tests"
npx jest --selectProjects unit --ci
step "integration tests (real PostgreSQL and Redis)"
npx jest --selectProjects integration --ci --runInBand
step "build"
npm run build
step "end-to-end smoke: built admin app and worker as processes"
npx jest --selectProjects e2e --ci --runInBand
step "generator: a throwaway connector builds, lints and passes its tests"
bash tools/scripts/check-generator.sh

echo "all checks passed in $(( $(date +%s) - started ))s"
