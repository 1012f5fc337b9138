#!/usr/bin/env bash
# Installs what phonemic needs on Debian or Ubuntu (Node.js 20 already installed), then builds it.
#   scripts/setup.sh          run-time needs: alsa-lib headers for the ALSA addon, alsa-utils
#   scripts/setup.sh --test   also what the test suite needs (QEMU and friends for the kernel tests)
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

packages=(libasound2-dev alsa-utils python3 make g++)
if [ "${1:-}" = "--test" ]; then
  packages+=(qemu-system-x86 qemu-utils busybox-static debootstrap e2fsprogs cpio kmod adb)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: phonemic needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "10.34.9" ]; then
  echo "setup: installing pnpm 10.34.9"
  $sudo npm install -g pnpm@10.34.9
fi

pnpm install --frozen-lockfile
pnpm run build
echo "setup: done"
