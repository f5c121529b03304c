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
# Integration files whose first line says they touch no engine, proxy, mount or host network
# run two at a time before the rest; a new file runs alone until someone has checked it may not.
PARALLEL_MARK='^// test.sh: parallel-safe'
int_parallel() { int | while read -r f; do if head -1 "$f" | grep -q "$PARALLEL_MARK"; then echo "$f"; fi; done; }
int_serial() { int | while read -r f; do if ! head -1 "$f" | grep -q "$PARALLEL_MARK"; then echo "$f"; fi; done; }

# Pure tests do no I/O: two at a time (CI has two cores); so do parallel-safe integration
# files. The rest one file at a time.
UNIT_CONCURRENCY=${UNIT_CONCURRENCY:-2}

run() { run_at 1 "$@"; }

run_at() {
  local concurrency=$1
  shift
  [ $# -gt 0 ] || return 0
  local failures timings status=0
  failures=$(mktemp)
  timings=$(mktemp)
  # Integration and e2e tests run at 1: they start real processes and share the engine.
  node --import tsx --test --test-concurrency="$concurrency" --test-timeout=600000 \
    --test-reporter=tap --test-reporter-destination=stdout \
    --test-reporter=./scripts/failed-tests-reporter.mjs --test-reporter-destination="$failures" \
    --test-reporter=./scripts/slowest-files-reporter.mjs --test-reporter-destination="$timings" \
    "$@" || status=$?
  if [ "$concurrency" = 1 ] && [ $# -gt 1 ]; then cat "$timings"; fi
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
    status=0
    # shellcheck disable=SC2046
    run_at "$UNIT_CONCURRENCY" $(unit) || status=$?
    # shellcheck disable=SC2046
    run_at "$UNIT_CONCURRENCY" $(int_parallel) || status=$?
    # shellcheck disable=SC2046
    run $(int_serial) $(e2e) || status=$?
    exit "$status"
    ;;
  unit) run_at "$UNIT_CONCURRENCY" $(unit) ;;
  int)
    status=0
    # shellcheck disable=SC2046
    run_at "$UNIT_CONCURRENCY" $(int_parallel) || status=$?
    # shellcheck disable=SC2046
    run $(int_serial) || status=$?
    exit "$status"
    ;;
  e2e) run $(e2e) ;;
  *) run "$@" ;;
esac
