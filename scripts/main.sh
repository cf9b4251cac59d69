#!/usr/bin/env bash
# The README's main job. Until the integration harness exists (it will run the multi-arch example
# pipelines end to end against a real Docker engine), this runs the toolkit over the catalog:
# validate every component and example include, lint them, check the generated README tables,
# write the inputs JSON Schemas, and render each example pipeline as GitLab would merge it.
# It says what it did and exits non-zero on findings.
set -eu
cd "$(dirname "$0")/.."

# shellcheck source=scripts/bootstrap.sh
. scripts/bootstrap.sh
install_system_packages git shellcheck
install_node_packages
node node_modules/typescript/bin/tsc -p tsconfig.build.json

catalog() { node dist/scripts/cli/main.js "$@"; }

echo "== catalog validate (templates/ and examples/)"
catalog validate

echo "== catalog lint (every component with its defaults and each example's inputs; GitLab CI schema; shellcheck)"
catalog lint

echo "== catalog docs --check (README input tables)"
catalog docs --check

echo "== catalog schema (docs/schemas/)"
catalog schema --out docs/schemas

rendered=0
for pipeline in examples/*/.gitlab-ci.yml examples/*.yml; do
  [ -f "$pipeline" ] || continue
  echo "== catalog render $pipeline"
  catalog render "$pipeline"
  rendered=$((rendered + 1))
done
echo "== rendered $rendered example pipeline(s)"
