#!/usr/bin/env bash
# Installs Berth from this clone: the system packages it needs, its npm dependencies, the build,
# the `berth` command on PATH (a link to this clone: keep it; `git pull && bash scripts/install.sh`
# upgrades), and shell completion for bash, zsh and fish.
#   sudo bash scripts/install.sh                    berth in npm's global bin dir (/usr/bin or
#                                                   /usr/local/bin), completions under /usr/share
#   bash scripts/install.sh --prefix DIR            berth in DIR/bin, completions under DIR/share
#   bash scripts/install.sh --no-system-deps        skip the system packages (apt)
# Then: `sudo berth up` (in the foreground) or `sudo berth up --install-service` (systemd).
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=""
system_deps=1
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --no-system-deps) system_deps=0; shift ;;
    -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

[ "$system_deps" = 1 ] && bash scripts/install-system-deps.sh
# npm install, not npm ci: see .ci/run.
npm install --no-audit --no-fund --loglevel=error
npm run --silent build

global=(--global --no-audit --no-fund --loglevel=error)
if [ -n "$prefix" ]; then
  mkdir -p "$prefix"
  prefix=$(cd "$prefix" && pwd)
  npm install "${global[@]}" --prefix "$prefix" "$PWD"
  bin="$prefix/bin"
  share="$prefix/share"
else
  npm install "${global[@]}" "$PWD"
  bin="$(npm prefix --global)/bin"
  share=/usr/share
fi

berth="$bin/berth"
"$berth" --version >/dev/null
mkdir -p "$share/bash-completion/completions" "$share/zsh/vendor-completions" "$share/fish/vendor_completions.d"
"$berth" completion bash >"$share/bash-completion/completions/berth"
"$berth" completion zsh >"$share/zsh/vendor-completions/_berth"
"$berth" completion fish >"$share/fish/vendor_completions.d/berth.fish"

echo "Installed $berth ($("$berth" --version)), with completion for bash, zsh and fish under $share."
case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "Add $bin to your PATH to run berth from any directory." ;;
esac
