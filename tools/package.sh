#!/usr/bin/env bash
# Builds the .deb from the Release build directory (tools/test.sh's), installs it, checks the installed
# tool (version, man pages, libraries, systemd unit), and purges it again. Uses sudo when not root.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${HYPED_BUILD_DIR:-build}"
as_root=()
[[ $(id -u) -eq 0 ]] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive

fail() { echo "package.sh: $*" >&2; exit 1; }

command -v help2man > /dev/null || fail "help2man is missing (tools/install-deps.sh installs it)"
command -v systemd-analyze > /dev/null || fail "systemd-analyze is missing (Debian package systemd)"
[[ -f $build/build.ninja || -f $build/Makefile ]] || fail "no build in $build: run tools/test.sh first"
cmake "$build" > /dev/null  # picks up help2man if it came after the first configure
cmake --build "$build" -j2 --target hyped hyped_man
rm -f "$build"/hyped_*.deb
(cd "$build" && cpack -G DEB > cpack.log 2>&1) || { cat "$build/cpack.log" >&2; fail "cpack failed"; }
debs=("$build"/hyped_*.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || fail "expected one hyped_*.deb in $build"
deb=$(realpath "${debs[0]}")
echo "== $(basename "$deb"): $(du -k "$deb" | cut -f1) KiB"
dpkg-deb --field "$deb" Version Depends Installed-Size
contents=$(dpkg-deb --contents "$deb" | awk '{print $6}' | grep -v '/$')
echo "$contents"

# Only the tool: no test or benchmark binaries.
unexpected=$(echo "$contents" | grep -vE '^\./(usr/bin/hyped|usr/share/man/man1/hyped(-[a-z]+)?\.1\.gz|usr/share/doc/hyped/README\.md|etc/hyped/hyped\.(toml|env)|lib/systemd/system/hyped\.service)$' || true)
[[ -z $unexpected ]] || fail "unexpected files in the package: $unexpected"

dpkg -s hyped > /dev/null 2>&1 && fail "hyped is already installed here; remove it first (dpkg --purge hyped)"
trap '"${as_root[@]}" dpkg --purge hyped > /dev/null || true' EXIT
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "$deb" > /dev/null

version=$(/usr/bin/hyped --version)
echo "== /usr/bin/hyped --version: $version"
[[ $version == "hyped "* ]] || fail "unexpected version line: $version"
[[ $version == "hyped $(cat "$build/hyped-version.txt")" ]] || fail "installed $version, built $(cat "$build/hyped-version.txt")"
if missing=$(ldd /usr/bin/hyped | grep 'not found'); then fail "libraries not found: $missing"; fi

for page in hyped hyped-replay hyped-live hyped-chat hyped-serve hyped-cluster hyped-profile; do
  if command -v man > /dev/null; then
    path=$(man -w "$page") || fail "man -w $page found nothing"
  else
    path=/usr/share/man/man1/$page.1.gz
    [[ -f $path ]] || fail "$path is missing"
  fi
  echo "== man $page: $path"
done

unit=/lib/systemd/system/hyped.service
[[ -f $unit ]] || fail "$unit is missing"
echo "== systemd-analyze verify $unit"
verify=$(systemd-analyze verify "$unit" 2>&1) || { echo "$verify"; fail "systemd-analyze verify failed"; }
[[ -z $verify ]] || echo "$verify"
if echo "$verify" | grep -q 'hyped'; then fail "systemd-analyze verify reports on the unit"; fi
echo "== package checks passed"
