#!/usr/bin/env bash
# CI: proves the lint rules that encode DESIGN.md's boundaries actually fire. A connector that
# imports NestJS, TypeORM, BullMQ, a platform library or another connector, or reads process.env,
# must fail lint. Runs in a scratch copy: the fixture connector never exists in the real checkout.
set -euo pipefail
source "$(dirname "$0")/lib/scratch-copy.sh"

name=boundary-violator
project="connector-$name"
fail() { echo "check-boundaries: FAIL: $*" >&2; exit 1; }

scratch_copy
cd "$SCRATCH"
target="libs/connectors/$name"
fixture="tools/lint-fixtures/fixtures/$name/src"
[ -d libs/connectors/example ] || fail "libs/connectors/example is missing; the fixture connector is a copy of it"
[ -d "$fixture" ] || fail "$fixture is missing"

rsync -a libs/connectors/example/ "$target/"
node -e '
  const fs = require("fs");
  const [target, project, name] = process.argv.slice(1);
  const edit = (file, fn) => fs.writeFileSync(file, JSON.stringify(fn(JSON.parse(fs.readFileSync(file, "utf8"))), null, 2) + "\n");
  edit(`${target}/project.json`, (p) => ({ ...p, name: project, sourceRoot: `${target}/src`, tags: ["type:connector"] }));
  edit(`${target}/package.json`, (p) => ({ ...p, name: `@hub/connector-${name}` }));
' "$target" "$project" "$name"
cp "$fixture"/*.ts "$target/src/"

# @nx/enforce-module-boundaries reads the cached project graph (and silently skips itself when
# there is none), so build the graph with the fixture project in it first.
npx nx graph --file=.nx/graph.json >/dev/null
node -e '
  const graph = require(process.argv[1]).graph;
  const node = graph.nodes[process.argv[2]];
  if (!node || !(node.data.tags || []).includes("type:connector")) {
    console.error(`${process.argv[2]} is not in the project graph with tag type:connector`);
    process.exit(1);
  }
' "$SCRATCH/.nx/graph.json" "$project" || fail "the fixture project is not in the Nx project graph"

set +e
npx eslint --format json --output-file eslint-report.json "$target"
status=$?
set -e
[ "$status" -eq 1 ] || fail "eslint exited with $status; expected 1 (lint errors found). 0 means the boundaries are not enforced; 2 means eslint crashed"

node -e '
  const [reportFile, fixtureFile] = process.argv.slice(1);
  const report = require(reportFile);
  const errors = report.flatMap((f) => f.messages.filter((m) => m.severity === 2).map((m) => ({ ...m, file: f.filePath })));
  const inFixture = errors.filter((m) => m.file.endsWith(fixtureFile));
  const expected = [
    ["@nx/enforce-module-boundaries", "@nestjs/common"],
    ["@nx/enforce-module-boundaries", "typeorm"],
    ["@nx/enforce-module-boundaries", "bullmq"],
    ["@nx/enforce-module-boundaries", "@hub/persistence"],
    ["@nx/enforce-module-boundaries", "@hub/connector-example"],
    ["no-restricted-properties", "process.env"],
    ["no-restricted-globals", "process"],
  ];
  const source = require("fs").readFileSync(report.find((f) => f.filePath.endsWith(fixtureFile)).filePath, "utf8").split("\n");
  const missing = expected.filter(([rule, needle]) =>
    !inFixture.some((m) => m.ruleId === rule && (source[m.line - 1] || "").includes(needle)));
  for (const m of inFixture) console.log(`  ${fixtureFile}:${m.line}:${m.column}  ${m.ruleId}  ${m.message.split("\n")[0]}`);
  const elsewhere = errors.filter((m) => !m.file.endsWith(fixtureFile));
  if (elsewhere.length) {
    console.error("errors outside the fixture (the copied example connector should lint clean):");
    for (const m of elsewhere) console.error(`  ${m.file}:${m.line}  ${m.ruleId}  ${m.message}`);
    process.exit(1);
  }
  if (missing.length) {
    console.error("not reported: " + missing.map(([rule, needle]) => `${rule} for ${needle}`).join(", "));
    process.exit(1);
  }
' "$SCRATCH/eslint-report.json" "$target/src/$name.ts" || fail "eslint did not report every boundary violation"

echo "check-boundaries: OK (every violation in $target/src/$name.ts was reported)"
