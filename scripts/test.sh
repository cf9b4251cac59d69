#!/usr/bin/env bash
# The test command of the README and of .ci/run: installs what the tests need, builds the CLI and
# the integration harness, runs every vitest project (unit and integration, then pipelines and
# fresh-machine, each alone; `npm run test:unit` runs the first alone) and ends with a plain "N passed, N failed,
# N skipped" line.
# CATALOG_REQUIRE_TOOLS=1 (set by .ci/run) turns a test skipped for a missing tool into a failure.
set -eu
cd "$(dirname "$0")/.."

# shellcheck source=scripts/bootstrap.sh
. scripts/bootstrap.sh
install_system_packages git rsync shellcheck busybox
install_node_packages

# The devDependency node@22 (for gitlab-ci-local) puts a `node` into node_modules/.bin, which
# `npx`/`npm run` would put first on PATH: call the tools with this machine's Node instead.
node node_modules/typescript/bin/tsc -p tsconfig.build.json
node node_modules/typescript/bin/tsc -p harness/tsconfig.json

# The generated templates must match their sources under components/, and the README input tables
# the components (each also covered by a test; these name the fix).
node dist/scripts/cli/main.js build --check
node dist/scripts/cli/main.js docs --check

report="$(mktemp -d)/vitest.json"
status=0
# CATALOG_FRESH_MACHINE=1: the pipelines and fresh-machine projects too, each alone, last (vitest.config.ts says why
# a plain `vitest run` leaves it out).
CATALOG_FRESH_MACHINE=1 node node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?

if [ -s "$report" ]; then
  node -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  ' "$report"
fi
exit "$status"
