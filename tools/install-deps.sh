#!/usr/bin/env bash
# Installs the Debian 12 packages hyped builds and tests with (uses sudo when not root).
set -euo pipefail
cd "$(dirname "$0")/.."
as_root=()
[[ $(id -u) -eq 0 ]] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends $(cat tools/debian-packages.txt) > /dev/null
