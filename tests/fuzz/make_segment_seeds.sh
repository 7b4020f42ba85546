#!/usr/bin/env bash
# Regenerates the segment decoder's seed corpus (tests/fuzz/segment_corpus): tiny HLS audio segments as
# Twitch and ffmpeg's HLS muxer make them. Each is well under 20 KB. fMP4 seeds are init + media segment
# in one file; the fuzzer splits them at the first "moof" box, as EXT-X-MAP delivers them.
set -euo pipefail
cd "$(dirname "$0")"
out=segment_corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
ff=(ffmpeg -hide_banner -loglevel error -y)
tone="sine=frequency=440:duration=0.3:sample_rate=48000"
# MPEG-TS with ADTS AAC (Twitch's audio_only rendition), stereo 48 kHz and mono 44.1 kHz.
"${ff[@]}" -f lavfi -i "$tone" -ac 2 -c:a aac -b:a 64k -f mpegts -mpegts_flags +resend_headers "$out/aac_stereo.ts"
"${ff[@]}" -f lavfi -i "sine=frequency=1000:duration=0.25:sample_rate=44100" -c:a aac -b:a 48k -f mpegts "$out/aac_mono_44k.ts"
# Raw ADTS AAC.
"${ff[@]}" -f lavfi -i "$tone" -c:a aac -b:a 48k -f adts "$out/tone.aac"
# fMP4 (CMAF): init section followed by one media segment.
"${ff[@]}" -f lavfi -i "$tone" -c:a aac -b:a 48k -f hls -hls_time 1 -hls_segment_type fmp4 \
  -hls_fmp4_init_filename init.mp4 -hls_segment_filename "$tmp/seg%d.m4s" "$tmp/index.m3u8"
cat "$tmp/init.mp4" "$tmp/seg0.m4s" > "$out/init_and_segment.mp4"
# MP3 in MPEG-TS (older HLS audio).
"${ff[@]}" -f lavfi -i "$tone" -c:a libmp3lame -b:a 32k -f mpegts "$out/mp3.ts" 2>/dev/null || rm -f "$out/mp3.ts"
ls -l "$out"
