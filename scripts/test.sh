#!/usr/bin/env bash
# The one test command (`npm test`). CI calls it through .ci/run.
#   scripts/test.sh            build, typecheck, lint, then every test
#   scripts/test.sh unit       pure tests only (*.test.ts, no real parts needed)
#   scripts/test.sh int        integration tests against real Podman/Caddy/SQLite (*.int.test.ts)
#   scripts/test.sh e2e        end-to-end tests driving the CLI against `berth up` (test/e2e)
#   scripts/test.sh FILE...    just those test files
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
npm run --silent build

find_tests() { find packages apps test scripts bench -path '*/node_modules' -prune -o -path '*/dist' -prune -o -name "$1" -print | sort; }
unit() { find_tests '*.test.ts' | grep -v -E '\.(int|e2e)\.test\.ts$' || true; }
int() { find_tests '*.int.test.ts'; }
e2e() { find_tests '*.e2e.test.ts'; }

run() {
  [ $# -gt 0 ] || return 0
  local failures timings status=0
  failures=$(mktemp)
  timings=$(mktemp)
  # One file at a time: integration and e2e tests start real processes and share the engine.
  node --import tsx --test --test-concurrency=1 --test-timeout=600000 \
    --test-reporter=tap --test-reporter-destination=stdout \
    --test-reporter=./scripts/failed-tests-reporter.mjs --test-reporter-destination="$failures" \
    --test-reporter=./scripts/slowest-files-reporter.mjs --test-reporter-destination="$timings" \
    "$@" || status=$?
  [ $# -gt 1 ] && cat "$timings"
  if [ -s "$failures" ]; then
    echo "# ---- failed tests ----"
    cat "$failures"
  fi
  rm -f "$failures" "$timings"
  return "$status"
}

case "$what" in
  all)
    npx tsc -p tsconfig.test.json
    npx eslint .
    node --import tsx scripts/check-dependencies.ts
    # shellcheck disable=SC2046
    run $(unit) $(int) $(e2e)
    ;;
  unit) run $(unit) ;;
  int) run $(int) ;;
  e2e) run $(e2e) ;;
  *) run "$@" ;;
esac
