#!/usr/bin/env bash
# Builds the test images localhost/hello:1 and localhost/hello:2 into the host's image store,
# without a registry and without running a container: the rootfs (static busybox, applet
# symlinks, the entrypoint) is assembled here and copied into a FROM-scratch image.
#   scripts/build-example-images.sh           build the images that are missing
#   scripts/build-example-images.sh --force   rebuild both
set -euo pipefail
cd "$(dirname "$0")/.."

force=0
case "${1:-}" in
  '') ;;
  --force) force=1 ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

busybox=${BUSYBOX:-/bin/busybox}
fixture=test/fixtures/hello
versions=(1 2)
# The host's crun fails on this kind of machine; nothing runs at build time, but podman still
# reads these at start-up, so keep it on a configuration known to work.
podman=(podman --runtime runc --cgroup-manager cgroupfs)

if [ ! -x "$busybox" ]; then
  echo "error: $busybox not found; install a static busybox (Debian: apt-get install busybox-static)" >&2
  exit 1
fi
# A dynamically linked busybox would build fine and then fail at start; `file` tells, when present.
if command -v file >/dev/null && ! file -L "$busybox" | grep -q 'statically linked'; then
  echo "error: $busybox is not statically linked (Debian: apt-get install busybox-static)" >&2
  exit 1
fi

# Test processes may call this at the same time; one build at a time keeps the store tidy.
exec 9>"${TMPDIR:-/tmp}/berth-build-example-images.lock"
flock 9

missing=()
for v in "${versions[@]}"; do
  if [ "$force" = 1 ] || ! "${podman[@]}" image exists "localhost/hello:$v"; then
    missing+=("$v")
  fi
done
[ ${#missing[@]} -gt 0 ] || exit 0

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-hello.XXXXXX")
trap 'rm -rf "$work"' EXIT

for v in "${missing[@]}"; do
  ctx="$work/$v"
  root="$ctx/rootfs"
  mkdir -p "$root/bin" "$root/etc" "$root/www" "$root/tmp"
  cp "$busybox" "$root/bin/busybox"
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
  done
  cp "$fixture/entrypoint.sh" "$root/entrypoint.sh"
  chmod 0755 "$root/entrypoint.sh"
  chmod 1777 "$root/tmp"
  printf '%s\n' "$v" > "$root/etc/hello-version"
  cp "$fixture/Containerfile" "$ctx/Containerfile"
  old_id=$("${podman[@]}" image inspect --format '{{.Id}}' "localhost/hello:$v" 2>/dev/null || true)
  "${podman[@]}" build --quiet --tag "localhost/hello:$v" --file "$ctx/Containerfile" "$ctx" >/dev/null
  new_id=$("${podman[@]}" image inspect --format '{{.Id}}' "localhost/hello:$v")
  # A forced rebuild with changes leaves the old image untagged; drop it unless a container uses it.
  if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
    "${podman[@]}" rmi "$old_id" >/dev/null 2>&1 || true
  fi
  echo "built localhost/hello:$v"
done
