#!/usr/bin/env bash
# Installs and starts everything ofguard needs on Debian 12: Open vSwitch (userspace
# datapath), Mininet, traffic tools, tshark, os-ken (the reference controller for
# side-by-side figures), the npm dependencies, and the TypeScript build.
# Run it as root, or as a user with sudo: the system steps (packages, Open vSwitch) then go
# through sudo, while `npm ci` and the build stay with the user, who keeps owning the checkout.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "setup: installing packages and starting Open vSwitch needs root, and there is no sudo here: run scripts/setup.sh as root" >&2
  exit 2
fi

# Node.js is the one thing this script does not install: Debian 12's own nodejs is 18.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 \
  || [ "$(node -p 'Number(process.versions.node.split(".")[0])')" -lt 20 ]; then
  echo "setup: ofguard needs Node.js 20 or later with npm (Debian 12's nodejs is 18; NodeSource's node_20.x has it, see the Vagrantfile)" >&2
  exit 2
fi

APT_PACKAGES=(openvswitch-switch mininet hping3 iperf3 iputils-ping ethtool curl tshark python3-os-ken chromium)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  # tshark asks whether non-root users may capture; answer no without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | "${as_root[@]}" debconf-set-selections
  "${as_root[@]}" apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

"${as_root[@]}" bash scripts/ovs-start.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
echo "setup: building"
npm run --silent build
echo "setup: ready"
