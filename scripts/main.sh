#!/usr/bin/env bash
# The README's main job: the toolkit over the catalog (validate every component and example include,
# lint them, check the generated README tables, write the inputs JSON Schemas), then the buildx-ecr
# example run end to end on a local engine (as root), then each example pipeline rendered as GitLab
# would merge it. It says what it did and exits non-zero on findings or a failed run.
set -eu
cd "$(dirname "$0")/.."

# shellcheck source=scripts/bootstrap.sh
. scripts/bootstrap.sh
install_system_packages git shellcheck
install_node_packages
node node_modules/typescript/bin/tsc -p tsconfig.build.json
node node_modules/typescript/bin/tsc -p harness/tsconfig.json

catalog() { node dist/scripts/cli/main.js "$@"; }

echo "== catalog validate (templates/ and examples/)"
catalog validate

echo "== catalog lint (every component with its defaults and each example's inputs; GitLab CI schema; shellcheck)"
catalog lint

echo "== catalog build --check (templates/ built from components/)"
catalog build --check
echo "== catalog docs --check (README input tables)"
catalog docs --check

echo "== catalog schema (docs/schemas/)"
catalog schema --out docs/schemas

# Scenario 1 of the integration harness: the buildx-ecr example on the default branch, run for real
# (Docker 26 engine with QEMU, TLS registry under the ECR hostname, moto for ECR/STS, GitLab OIDC),
# then the image index the registry holds. It needs root (dockerd, a private mount namespace, apt).
# The harness is not part of the catalog package: its own entry point, built above into dist/harness.
if [ "$(id -u)" = 0 ]; then
  echo "== test-integration (examples/buildx-ecr on the default branch, end to end)"
  node dist/harness/cli/main.js test-integration --scenario buildx-ecr
else
  echo "== test-integration skipped: it needs root (dockerd, mount namespaces, apt)"
fi

rendered=0
for pipeline in examples/*/.gitlab-ci.yml examples/*.yml; do
  [ -f "$pipeline" ] || continue
  echo "== catalog render $pipeline"
  catalog render "$pipeline"
  rendered=$((rendered + 1))
done
echo "== rendered $rendered example pipeline(s)"
