#!/usr/bin/env bash
# Installs the system packages Berth needs that are missing, from Debian/Ubuntu's archive.
#   scripts/install-system-deps.sh           what `berth up` needs: podman (+ runc), caddy, git,
#                                            debootstrap (base images), and the build sandbox's
#                                            tools: bubblewrap, uidmap, slirp4netns, skopeo; nftables
#                                            (the host firewall for apps and builds); wireguard-tools
#                                            and wireguard-go (a fleet server's mesh interface)
#   scripts/install-system-deps.sh --test    plus what the test suite needs: busybox-static, sqlite3,
#                                            systemd (systemd-analyze), zsh and fish (completions),
#                                            docker-registry (images moved between servers),
#                                            iproute2 (the fleet tests' namespaces and bridge), curl
#                                            (requests from inside a fleet server's namespace), pebble
#                                            (an ACME CA with pebble-challtestsrv, for certificate tests),
#                                            bind9 and bind9-dnsutils (a real DNS server, nsupdate and dig
#                                            for the DNS-01 provider tests),
#                                            nginx-light (the nginx edge's integration tests), zstd (backup
#                                            compression; without it agents fall back to gzip), chromium
#                                            (the dashboard's browser tests, driven by playwright-core)
# Needs root (or sudo). Commands are argument arrays; nothing user-supplied reaches a shell.
set -euo pipefail

want=(podman runc caddy git debootstrap bubblewrap uidmap slirp4netns skopeo nftables wireguard-tools wireguard-go)
[ "${1:-}" = "--test" ] && want+=(busybox-static sqlite3 systemd zsh fish docker-registry iproute2 curl pebble bind9 bind9-dnsutils nginx-light zstd chromium)

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "System packages present: ${want[*]}"
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "error: missing ${missing[*]}, and this is not a Debian/Ubuntu system: install them with your package manager" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "error: run as root (or install sudo) to install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi

echo "Installing ${missing[*]} ..."
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# Debian's caddy package starts its own Caddy on :80 under systemd; Berth runs its own instance.
if [[ " ${missing[*]} " == *" caddy "* ]] && [ -d /run/systemd/system ] && systemctl is-active --quiet caddy 2>/dev/null; then
  echo "Stopping the packaged caddy.service so Berth's Caddy can listen on :80"
  "${sudo[@]}" systemctl disable --now caddy >/dev/null 2>&1 || true
fi
# Debian's docker-registry package enables its own registry on :5000 (no logins); Berth runs its own.
if [[ " ${missing[*]} " == *" docker-registry "* ]] && [ -d /run/systemd/system ]; then
  "${sudo[@]}" systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi
# Debian's bind9 package enables named on :53; the DNS-01 tests start private ones on random ports.
if [[ " ${missing[*]} " == *" bind9 "* ]] && [ -d /run/systemd/system ]; then
  "${sudo[@]}" systemctl disable --now named >/dev/null 2>&1 || true
fi
# Debian's nginx package starts its own nginx on :80 under systemd; Berth runs a private instance.
if [[ " ${missing[*]} " == *" nginx-light "* ]] && [ -d /run/systemd/system ]; then
  "${sudo[@]}" systemctl disable --now nginx >/dev/null 2>&1 || true
fi
echo "Installed ${missing[*]}"
