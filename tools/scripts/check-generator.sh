#!/usr/bin/env bash
# CI: what `nx g @hub/nx-plugin:connector` produces must build, lint, typecheck and pass its own
# tests, and register in the catalog, or a developer's first run fails before they write a line.
# Runs in a scratch copy of the repository; the real checkout is never touched.
set -euo pipefail
source "$(dirname "$0")/lib/scratch-copy.sh"

name=ci-throwaway
project="connector-$name"
fail() { echo "check-generator: FAIL: $*" >&2; exit 1; }

scratch_copy
cd "$SCRATCH"
echo "check-generator: scratch copy in $SCRATCH"

# DESIGN.md: nothing generated is committed unless CI fails when it drifts. The example connector
# is the generator's output, so regenerating it must reproduce it byte for byte.
committed="$SCRATCH.aside/example"
mkdir -p "$SCRATCH.aside"
mv libs/connectors/example "$committed"
npx nx g @hub/nx-plugin:connector example --auth=apiKey --no-interactive >generate-example.log 2>&1 ||
  { cat generate-example.log; fail "could not regenerate libs/connectors/example"; }
diff -r "$committed" libs/connectors/example ||
  fail "libs/connectors/example differs from the generator's output: regenerate it (rm -rf libs/connectors/example && npx nx g @hub/nx-plugin:connector example --auth=apiKey) or change the templates"
git -C "$REPO" diff --no-index --quiet "$REPO/tsconfig.base.json" tsconfig.base.json ||
  fail "regenerating the example changed tsconfig.base.json"
git -C "$REPO" diff --no-index --quiet "$REPO/libs/platform/catalog/src/connectors.ts" libs/platform/catalog/src/connectors.ts ||
  fail "regenerating the example changed the catalog"

npx nx g @hub/nx-plugin:connector "$name" --auth=oauth2 --no-interactive

grep -q "\"@hub/$project\": \[\"libs/connectors/$name/src/index.ts\"\]" tsconfig.base.json ||
  fail "tsconfig.base.json has no @hub/$project alias"
grep -q "from '@hub/$project';" libs/platform/catalog/src/connectors.ts || fail "the catalog does not import @hub/$project"
grep -q '^  ciThrowawayConnector,$' libs/platform/catalog/src/connectors.ts || fail "the catalog does not list ciThrowawayConnector"

if npx nx g @hub/nx-plugin:connector "$name" --auth=oauth2 --no-interactive >generate-again.log 2>&1; then
  fail "generating $name a second time succeeded; it must refuse an existing connector"
fi
grep -q "already exists" generate-again.log || { cat generate-again.log; fail "the duplicate-name error is unclear"; }

npx nx run-many -t build,lint,typecheck,test -p "$project" --skip-nx-cache --outputStyle=stream
# The catalog now imports the new connector: it must still lint, typecheck, and validate it.
npx nx run-many -t lint,typecheck,test -p catalog --skip-nx-cache --outputStyle=stream

[ -n "$(find "dist/libs/connectors/$name" -path "*/$name/src/index.js" -print -quit 2>/dev/null)" ] ||
  fail "the build produced no index.js under dist/libs/connectors/$name"

echo "check-generator: OK ($project generated, built, linted, typechecked and tested)"
