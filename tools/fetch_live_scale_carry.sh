#!/usr/bin/env bash
# Packs into ./.device-live/ (ignored by git, via .git/info/exclude) what tools/bench_live_scale needs on
# a machine that has no FFmpeg, nginx, ngIRCd or python3-websockets and no network (the GPU machine:
# Ubuntu 24.04, CUDA, CMake, Ninja, g++, python3):
#   src/    FFmpeg's source as Debian ships it (the .orig tarball, fetched through a temporary deb-src
#           list), built there into a minimal prefix: the demuxers, decoders, parsers and libswresample
#           that hyped's decoding uses, nothing else;
#   debs/   Debian 12 nginx, ngircd, python3-websockets, every library the two servers load beyond glibc
#           (used through wrappers, for them alone), and nasm, make and pkgconf for the FFmpeg build
#           (used only where the machine has none);
#   media/  the rig's source segments (tools/live_rig.py make_media), encoded here with this machine's
#           ffmpeg, so the rig never needs an ffmpeg there; media.stamp fingerprints what made them;
#   env.sh  to source there (bash): unpacks, builds FFmpeg once into $FFMPEG_PREFIX (default /opt/ffmpeg;
#           skipped when it is already there, built from the same tarball and flags), checks every piece
#           and exports PATH, LD_LIBRARY_PATH, PKG_CONFIG_PATH, PYTHONPATH, CMAKE_PREFIX_PATH and
#           LIVE_MEDIA.
# Run it here once, in the project's root, on Debian 12 with ffmpeg installed (it encodes the media; the
# servers' library closure is checked against the carried packages alone): tools/fetch_live_scale_carry.sh
# Then on the GPU machine, carry [".device", ".device-live"]: tools/run_live_scale_device.sh
set -euo pipefail
top=$(git rev-parse --show-toplevel)
cd "$top"
D=.device-live
limit_mib=35

die() { echo "fetch_live_scale_carry: $*" >&2; exit 1; }
command -v ffmpeg >/dev/null || die "ffmpeg is needed here to encode the rig's media: apt-get install ffmpeg"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found (run this on Debian 12)"
grep -q 'VERSION_CODENAME=bookworm' /etc/os-release || die "run this on Debian 12 (bookworm): its packages are what gets carried"

grep -qx "/$D/" .git/info/exclude 2>/dev/null || { mkdir -p .git/info; echo "/$D/" >> .git/info/exclude; }
rm -rf "$D"
mkdir -p "$D/debs" "$D/src"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== FFmpeg source (Debian bookworm's, through a temporary deb-src list)"
mkdir -p "$tmp/apt/lists/partial" "$tmp/apt/parts" "$tmp/apt/cache/archives/partial" "$tmp/src"
cat > "$tmp/apt/sources.list" <<'EOF'
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian bookworm-updates main
deb-src http://deb.debian.org/debian-security bookworm-security main
EOF
apt_src=(-o "Dir::Etc::SourceList=$tmp/apt/sources.list" -o "Dir::Etc::SourceParts=$tmp/apt/parts"
         -o "Dir::State::Lists=$tmp/apt/lists" -o "Dir::Cache=$tmp/apt/cache")
apt-get "${apt_src[@]}" update -qq
(cd "$tmp/src" && apt-get "${apt_src[@]}" source --download-only ffmpeg 2>&1 | grep -v 'unsandboxed' || true)
orig=$(ls "$tmp"/src/ffmpeg_*.orig.tar.xz 2>/dev/null | head -1 || true)
[[ -n "$orig" ]] || die "apt-get source did not fetch ffmpeg's .orig.tar.xz"
cp "$orig" "$D/src/"
basename -a "$tmp"/src/*.dsc > "$D/src/debian-source.txt"

echo "== Debian packages"
[[ -n "$(find /var/lib/apt/lists -name '*Packages*' 2>/dev/null | head -1)" ]] || apt-get update -qq
# The servers and their libraries beyond glibc (nginx: libcrypt, pcre2, ssl, zlib; ngircd: pam (audit,
# cap-ng), ident, gnutls (p11-kit, ffi, idn2, unistring, tasn1, nettle, hogweed, gmp), zlib). The
# closure is checked below, so a library missing from this list fails here, not there.
rig=(nginx ngircd python3-websockets
     libcrypt1 libpcre2-8-0 libssl3 zlib1g
     libpam0g libaudit1 libcap-ng0 libident libgnutls30 libp11-kit0 libffi8 libidn2-0 libunistring2
     libtasn1-6 libnettle8 libhogweed6 libgmp10)
tools=(nasm make pkgconf-bin libpkgconf3)
(cd "$D/debs" && apt-get download "${rig[@]}" "${tools[@]}" 2>&1 | grep -v 'unsandboxed' || true)
for p in "${rig[@]}" "${tools[@]}"; do
  ls "$D/debs/${p}_"*.deb >/dev/null 2>&1 || die "apt-get download did not fetch $p"
done

echo "== checking the servers' library closure against the carried packages"
root="$tmp/root"
mkdir -p "$root"
for f in "$D"/debs/*.deb; do dpkg-deb -x "$f" "$root"; done
libs="$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu"
for exe in usr/sbin/nginx usr/sbin/ngircd usr/bin/pkgconf usr/bin/nasm usr/bin/make; do
  out=$(LD_LIBRARY_PATH=$libs ldd "$root/$exe")
  ! grep -q 'not found' <<<"$out" || die "$exe: $(grep 'not found' <<<"$out")"
  # Everything but glibc's own libraries must come from the carried packages.
  stray=$(awk '/=>/ {print $1, $3}' <<<"$out" | grep -vE "^(libc|libm|libpthread|libdl|librt|libresolv)\.so|$root" || true)
  [[ -z "$stray" ]] || die "$exe loads libraries that are not carried: $stray (add their packages to rig=())"
done
"$root/usr/bin/nasm" -v >/dev/null
LD_LIBRARY_PATH=$libs "$root/usr/sbin/nginx" -v 2>/dev/null
LD_LIBRARY_PATH=$libs "$root/usr/sbin/ngircd" --version >/dev/null

echo "== the rig's media (tools/live_rig.py make_media, with $(ffmpeg -version | head -1 | cut -d' ' -f1-3))"
mkdir -p "$tmp/work"
python3 - "$tmp/work" <<'EOF'
import os, sys
sys.path.insert(0, "tools")
from live_rig import make_media
media, segments = make_media(sys.argv[1], lambda m: print("  " + m, flush=True))
print(f"  {len(segments)} segments, {sum(d for _, d in segments):.1f} s")
EOF
mv "$tmp/work/media" "$D/media"
# What the media depends on: the source's maker, its length and loud events, and the segmenter. The run
# script recomputes this and refuses media made from other code.
stamp_py='import hashlib, inspect, sys
sys.path.insert(0, "tools")
import live_rig, live_peers
h = hashlib.sha256(open("tools/make_demo.py", "rb").read())
h.update(repr((live_rig.SOURCE_S, live_rig.EVENTS)).encode())
for f in (live_peers.make_source, live_peers.ffmpeg_segments):
    h.update(inspect.getsource(f).encode())
print(h.hexdigest())'
printf '%s\n' "$stamp_py" > "$D/media_stamp.py"
python3 "$D/media_stamp.py" > "$D/media.stamp"

echo "== env.sh"
cat > "$D/env.sh" <<'ENV'
# Sourced (bash) on a machine without FFmpeg, nginx, ngIRCd or python3-websockets, after .device/env.sh:
# unpacks the carried Debian packages into $LIVE_PREFIX (default /opt/livedeps), builds the minimal
# FFmpeg into $FFMPEG_PREFIX (default /opt/ffmpeg; skipped when it is already there from the same
# tarball and flags; log in $LIVE_LOG_DIR/ffmpeg-build.log, default /tmp), checks each piece and exports
# PATH, LD_LIBRARY_PATH, PKG_CONFIG_PATH, PYTHONPATH, CMAKE_PREFIX_PATH and LIVE_MEDIA.
# nginx and ngircd run through wrappers that give them (alone) the carried libraries; `ffmpeg` on the
# PATH is a stub that fails: the rig's media is carried ready-made. Returns 1 with a message on failure.
_live_had_e=; [[ $- == *e* ]] && _live_had_e=1
set -e
_live_fail() { echo "ERROR (.device-live/env.sh): $*" >&2; [[ -n $_live_had_e ]] || set +e; }
LIVE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LIVE_PREFIX=${LIVE_PREFIX:-/opt/livedeps}
FFMPEG_PREFIX=${FFMPEG_PREFIX:-/opt/ffmpeg}
_live_log_dir=${LIVE_LOG_DIR:-/tmp}
_live_root=$LIVE_PREFIX/root
_live_libs=$_live_root/lib/x86_64-linux-gnu:$_live_root/usr/lib/x86_64-linux-gnu

command -v dpkg-deb >/dev/null || { _live_fail "dpkg-deb not found"; return 1; }
mkdir -p "$_live_root" "$LIVE_PREFIX/bin" "$_live_log_dir" || { _live_fail "cannot create $LIVE_PREFIX"; return 1; }
for _f in "$LIVE_DIR"/debs/*.deb; do
  dpkg-deb -x "$_f" "$_live_root" || { _live_fail "cannot unpack $_f"; return 1; }
done
# The servers, with the carried libraries for them alone (exec: the pid the rig measures is theirs).
for _exe in nginx ngircd; do
  printf '#!/bin/sh\nLD_LIBRARY_PATH=%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} exec %s "$@"\n' \
    "$_live_libs" "$_live_root/usr/sbin/$_exe" > "$LIVE_PREFIX/bin/$_exe"
done
printf '#!/bin/sh\necho "ffmpeg: not installed here; this is a stub from .device-live/env.sh (the rig media is carried ready-made in %s)" >&2\nexit 127\n' \
  "$LIVE_DIR/media" > "$LIVE_PREFIX/bin/ffmpeg"
# Build tools for FFmpeg, only where the machine has none (LIVE_CARRIED_TOOLS=1: always the carried ones).
rm -f "$LIVE_PREFIX/bin/nasm" "$LIVE_PREFIX/bin/make" "$LIVE_PREFIX/bin/pkg-config"
for _exe in nasm make; do
  if [[ -n ${LIVE_CARRIED_TOOLS:-} ]] || ! command -v "$_exe" >/dev/null; then
    ln -s "$_live_root/usr/bin/$_exe" "$LIVE_PREFIX/bin/$_exe"
  fi
done
if [[ -n ${LIVE_CARRIED_TOOLS:-} ]] || ! command -v pkg-config >/dev/null; then
  printf '#!/bin/sh\nLD_LIBRARY_PATH=%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} exec %s "$@"\n' \
    "$_live_libs" "$_live_root/usr/bin/pkgconf" > "$LIVE_PREFIX/bin/pkg-config"
fi
# bench_live_scale lists nginx's workers with `ps -o pid= --ppid PID`; a minimal image may have no ps.
rm -f "$LIVE_PREFIX/bin/ps"
if [[ -n ${LIVE_CARRIED_TOOLS:-} ]] || ! command -v ps >/dev/null; then
  cat > "$LIVE_PREFIX/bin/ps" <<'PS'
#!/bin/sh
# Stand-in for procps' ps, from .device-live/env.sh: only `ps -o pid= --ppid PID` (children of PID).
if [ $# -ne 4 ] || [ "$1" != -o ] || [ "$2" != pid= ] || [ "$3" != --ppid ]; then
  echo "ps (stand-in): only 'ps -o pid= --ppid PID' is implemented" >&2; exit 1
fi
want=$4
for f in /proc/[0-9]*/stat; do
  read -r line 2>/dev/null < "$f" || continue
  rest=${line##*) }
  set -- $rest
  [ "$2" = "$want" ] && echo "${line%% *}"
done
exit 0
PS
fi
chmod 755 "$LIVE_PREFIX"/bin/*
export PATH=$LIVE_PREFIX/bin:$PATH
hash -r

# FFmpeg: the pieces hyped's decoding uses (live/segment_decoder.cpp: mpegts, mov/mp4, ADTS aac and mp3
# segments from memory; live/ffmpeg_source.cpp: local files; live/mono_resampler.cpp: libswresample).
_live_tar=$(ls "$LIVE_DIR"/src/ffmpeg_*.orig.tar.xz 2>/dev/null | head -1 || true)
[[ -n $_live_tar ]] || { _live_fail "no FFmpeg tarball in $LIVE_DIR/src"; return 1; }
# shellcheck disable=SC2054
_live_ff_flags=(--enable-shared --disable-static --enable-rpath --disable-programs --disable-doc
  --disable-autodetect --disable-debug --disable-network --disable-avdevice --disable-avfilter
  --disable-swscale --disable-postproc --disable-everything --enable-swresample
  --enable-demuxer=mpegts,mov,aac,mp3,wav,w64,ogg,matroska,flac
  --enable-decoder=aac,aac_latm,mp3float,mp3,opus,vorbis,flac,pcm_s16le,pcm_s16be,pcm_s24le,pcm_s32le,pcm_f32le,pcm_f64le,pcm_u8,pcm_alaw,pcm_mulaw
  --enable-parser=aac,aac_latm,mpegaudio,opus,vorbis,flac
  --enable-protocol=file,pipe)
_live_ff_stamp="$(basename "$_live_tar") ${_live_ff_flags[*]}"
if [[ -f $FFMPEG_PREFIX/lib/pkgconfig/libavcodec.pc && "$(cat "$FFMPEG_PREFIX/.hyped-ffmpeg" 2>/dev/null)" == "$_live_ff_stamp" ]]; then
  echo "FFmpeg: already built in $FFMPEG_PREFIX"
else
  _live_cc=${CC:-$(command -v gcc || command -v cc || true)}
  command -v nasm >/dev/null && command -v make >/dev/null && [[ -n $_live_cc ]] \
    || { _live_fail "FFmpeg's build needs nasm, make and a C compiler (gcc, cc or \$CC)"; return 1; }
  if [[ -e $FFMPEG_PREFIX && ! -f $FFMPEG_PREFIX/.hyped-ffmpeg ]]; then
    _live_fail "$FFMPEG_PREFIX exists and was not made here: set FFMPEG_PREFIX to another folder"; return 1
  fi
  _live_bd=${TMPDIR:-/tmp}/hyped-ffmpeg-build
  _live_t0=$SECONDS
  echo "FFmpeg: building $(basename "$_live_tar") into $FFMPEG_PREFIX (log: $_live_log_dir/ffmpeg-build.log)"
  rm -rf "$_live_bd" "$FFMPEG_PREFIX" && mkdir -p "$_live_bd" "$FFMPEG_PREFIX"
  echo unfinished > "$FFMPEG_PREFIX/.hyped-ffmpeg"  # marks the folder as this script's, to redo
  if command -v xz >/dev/null; then
    tar -xJf "$_live_tar" -C "$_live_bd"
  else
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$_live_tar" "$_live_bd"
  fi || { _live_fail "cannot unpack $_live_tar"; return 1; }
  _live_bd=$(ls -d "$_live_bd"/ffmpeg-*/ 2>/dev/null | head -1 || true)
  [[ -n $_live_bd && -x $_live_bd/configure ]] || { _live_fail "no FFmpeg source tree in ${TMPDIR:-/tmp}/hyped-ffmpeg-build"; return 1; }
  if ! (cd "$_live_bd" && ./configure --prefix="$FFMPEG_PREFIX" --cc="$_live_cc" "${_live_ff_flags[@]}" && make -j"$(nproc)" && make install) \
      > "$_live_log_dir/ffmpeg-build.log" 2>&1; then
    tail -n 30 "$_live_log_dir/ffmpeg-build.log" >&2
    _live_fail "FFmpeg's build failed (whole log: $_live_log_dir/ffmpeg-build.log)"; return 1
  fi
  echo "$_live_ff_stamp" > "$FFMPEG_PREFIX/.hyped-ffmpeg"
  rm -rf "${TMPDIR:-/tmp}/hyped-ffmpeg-build"
  echo "FFmpeg: built in $((SECONDS - _live_t0)) s"
fi

export PKG_CONFIG_PATH=$FFMPEG_PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export LD_LIBRARY_PATH=$FFMPEG_PREFIX/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export CMAKE_PREFIX_PATH=$FFMPEG_PREFIX${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}
export PYTHONPATH=$_live_root/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}
export LIVE_MEDIA=$LIVE_DIR/media

# Checks: each piece answers, from where it should.
_live_v=$(pkg-config --modversion libavformat libavcodec libswresample libavutil 2>&1) \
  || { _live_fail "pkg-config does not find FFmpeg in $FFMPEG_PREFIX: $_live_v"; return 1; }
for _exe in nginx ngircd; do
  _live_v=$(LD_LIBRARY_PATH=$_live_libs ldd "$_live_root/usr/sbin/$_exe" 2>&1 | grep 'not found' || true)
  [[ -z $_live_v ]] || { _live_fail "$_exe lacks libraries: $_live_v"; return 1; }
done
[[ $(command -v nginx) == "$LIVE_PREFIX/bin/nginx" && $(command -v ngircd) == "$LIVE_PREFIX/bin/ngircd" ]] \
  || { _live_fail "nginx/ngircd on the PATH are not the carried ones"; return 1; }
nginx -v 2>/dev/null || { _live_fail "the carried nginx does not run: $(nginx -v 2>&1)"; return 1; }
ngircd --version >/dev/null 2>&1 || { _live_fail "the carried ngircd does not run: $(ngircd --version 2>&1 | tail -3)"; return 1; }
for _py in python3 /usr/bin/python3; do
  command -v "$_py" >/dev/null || continue
  _live_v=$("$_py" -c 'import websockets, sys; print(websockets.__file__)' 2>&1) \
    || { _live_fail "$_py cannot import websockets: $_live_v"; return 1; }
  [[ $_live_v == "$_live_root"/* ]] || echo "note: $_py takes websockets from $_live_v, not the carried one"
done
[[ -f $LIVE_MEDIA/index.m3u8 ]] || { _live_fail "no rig media in $LIVE_MEDIA"; return 1; }
echo "live deps: nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), $(ngircd --version 2>/dev/null | head -1 | cut -d- -f1), FFmpeg from $(basename "$_live_tar") (libavcodec $(pkg-config --modversion libavcodec)) in $FFMPEG_PREFIX, nasm/make/pkg-config: $(for t in nasm make pkg-config; do printf '%s ' "$(command -v $t)"; done)"
unset _f _exe _py _live_v _live_t0 _live_bd _live_tar _live_ff_stamp _live_cc
[[ -n $_live_had_e ]] || set +e
ENV

size_kib=$(du -sk "$D" | cut -f1)
echo "== $D: $((size_kib / 1024)) MiB ($size_kib KiB)"
du -sh "$D"/* | sed 's/^/   /'
(( size_kib <= limit_mib * 1024 )) || die "$D is over $limit_mib MiB"
