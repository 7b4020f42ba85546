// Decodes HLS segments held in memory (MPEG-TS with AAC, fMP4 with its EXT-X-MAP init section, raw
// ADTS) through a custom FFmpeg AVIO, to mono float at the detector's rate. Decoder and resampler
// state carry across segments, so consecutive segments join without a click; reset() at a discontinuity.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hyped {

struct DecodedSegment {
  std::optional<double> first_pts_s;  // presentation time of its first audio packet, stream clock
  double pts_wrap_s = 0;              // the clock wraps after this many seconds (MPEG-TS: 2^33 / 90 kHz); 0: never
  std::size_t samples = 0;            // appended to the output
  std::string codec;                  // "aac"
  int source_rate_hz = 0;
  int source_channels = 0;
};

class SegmentDecoder {
 public:
  explicit SegmentDecoder(int sample_rate_hz);
  ~SegmentDecoder();
  SegmentDecoder(const SegmentDecoder&) = delete;
  SegmentDecoder& operator=(const SegmentDecoder&) = delete;

  // Decodes `data` (preceded by `init` for fMP4) and appends its samples to `out`. Damaged packets are
  // skipped and counted; a segment that cannot be opened or holds no audio throws std::runtime_error
  // with FFmpeg's reason.
  DecodedSegment decode(std::span<const std::uint8_t> init, std::span<const std::uint8_t> data, std::vector<float>& out);
  // Starts a new timeline: the samples still in the resampler are appended to `out`, then decoder and
  // resampler are dropped (the next segment may differ in codec, rate or layout). Never throws: it runs
  // where a segment has just failed, and a last frame the resampler cannot take is skipped and counted.
  void reset(std::vector<float>& out) noexcept;
  long long skipped_packets() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hyped
