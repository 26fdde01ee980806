#!/usr/bin/env bash
# `npm test`: everything CI checks, in the order that fails fastest. Needs PostgreSQL and Redis
# on 127.0.0.1 (or DATABASE_URL/REDIS_URL); each run uses its own database and Redis prefix.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true
step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)
rm -rf tmp/test-results && mkdir -p tmp/test-results

step "lint (module boundaries included)"
npx nx run-many -t lint --parallel=2 --outputStyle=static --skip-nx-cache
step "lint proves the boundary rule fires on a violating connector"
bash tools/scripts/check-boundaries.sh
step "type check"
npx tsc -p tsconfig.json --noEmit
step "unit tests"
npx jest --selectProjects unit --ci --json --outputFile=tmp/test-results/unit.json
step "integration tests (real PostgreSQL and Redis)"
npx jest --selectProjects integration --ci --runInBand --json --outputFile=tmp/test-results/integration.json
step "build"
npm run build
step "end-to-end smoke: built admin app and worker as processes"
npx jest --selectProjects e2e --ci --runInBand --json --outputFile=tmp/test-results/e2e.json
step "ingest benchmark, smoke size (built apps; one JSON line per result)"
npm run --silent bench:ingest -- --smoke
step "send benchmark, smoke size (built worker, Tracking API stand-in; one JSON line per result)"
npm run --silent bench:send -- --smoke
step "generator: a throwaway connector builds, lints and passes its tests"
bash tools/scripts/check-generator.sh

echo "all checks passed in $(( $(date +%s) - started ))s"
# One closing line for the whole run, summed over the jest tiers.
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync("tmp/test-results")) {
    const r = JSON.parse(fs.readFileSync("tmp/test-results/" + f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests;
  }
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
'
