#!/usr/bin/env bash
# One command from a fresh clone to a running Berth: system packages that are missing, npm
# dependencies, build, then `berth up` in the foreground. Arguments go to `berth up`, e.g.
#   sudo bash scripts/up.sh --http-port 8080
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh

# npm install only when the lockfile changed since the last install (better-sqlite3 compiles for ~1 min).
stamp=node_modules/.berth-lock.sha256
if [ ! -f "$stamp" ] || ! sha256sum --quiet -c "$stamp" >/dev/null 2>&1; then
  # npm install, not npm ci: the registry mirror here lacks the other platforms' optional
# builds of unrs-resolver (eslint's import plugin), so the lockfile cannot list them and ci refuses it.
npm install --no-audit --no-fund
  sha256sum package-lock.json > "$stamp"
fi
npm run --silent build

exec node apps/cli/dist/main.js up "$@"
