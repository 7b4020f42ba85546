// libFuzzer target: HLS segment bytes through the FFmpeg segment decoder (MPEG-TS, fMP4 with its init
// section, raw ADTS). Damaged segments must decode partly or throw std::runtime_error with a reason;
// never crash, leak or hang. Input holding an fMP4 "moof" box is also split there into init + media
// segment, the way EXT-X-MAP delivers them; each input then goes through one decoder twice (state that
// carries across segments) and a reset.
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "live/segment_decoder.hpp"

namespace {
void decode_or_reject(hyped::SegmentDecoder& d, std::span<const std::uint8_t> init, std::span<const std::uint8_t> data,
                      std::vector<float>& out) {
  const std::size_t before = out.size();
  try {
    const hyped::DecodedSegment s = d.decode(init, data, out);
    if (s.samples != out.size() - before) __builtin_trap();
    if (s.first_pts_s && !std::isfinite(*s.first_pts_s)) __builtin_trap();
  } catch (const std::runtime_error& e) {
    if (std::string_view(e.what()).empty()) __builtin_trap();  // a rejection says why
  }
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  std::vector<float> out;
  hyped::SegmentDecoder d(16000);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const std::size_t moof = text.find("moof"); moof != std::string_view::npos && moof >= 4) {
    decode_or_reject(d, bytes.first(moof - 4), bytes.subspan(moof - 4), out);
  } else {
    decode_or_reject(d, {}, bytes, out);
  }
  decode_or_reject(d, {}, bytes, out);
  d.reset(out);
  for (const float v : out)
    if (!std::isfinite(v)) __builtin_trap();
  return 0;
}
