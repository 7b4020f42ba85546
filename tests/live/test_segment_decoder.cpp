#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "live/segment_decoder.hpp"

using namespace hyped;

namespace {

// The segment decoder's fuzz seeds (tests/fuzz/make_segment_seeds.sh): 0.25-0.3 s of AAC.
const std::string kSeeds = std::string(HYPED_SOURCE_DIR) + "/tests/fuzz/segment_corpus/";

std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("MPEG-TS, ADTS and fMP4 segments decode to mono samples at the detector's rate") {
  for (const char* name : {"aac_stereo.ts", "tone.aac"}) {
    SegmentDecoder d(16000);
    std::vector<float> out;
    const DecodedSegment s = d.decode({}, read_bytes(kSeeds + name), out);
    CHECK(s.codec == "aac");
    CHECK(s.samples > 2000);  // ≥ 0.125 s of the 0.3 s tone at 16 kHz (the decoder holds some back)
  }
  SegmentDecoder d(16000);
  std::vector<float> out;
  CHECK(d.decode({}, read_bytes(kSeeds + "init_and_segment.mp4"), out).samples > 2000);
}

TEST_CASE("segment bytes that are a playlist or a concat script are rejected, not followed") {
  // FFmpeg's hls and concat demuxers would open what these name: here a real segment on disk.
  const std::string ts = kSeeds + "aac_stereo.ts";
  const std::string playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:0.3,\nfile://" + ts + "\n#EXT-X-ENDLIST\n";
  const std::string concat = "ffconcat version 1.0\nfile '" + ts + "'\n";
  for (const std::string& text : {playlist, concat}) {
    SegmentDecoder d(16000);
    std::vector<float> out;
    CHECK_THROWS_AS(d.decode({}, bytes_of(text), out), std::runtime_error);
    CHECK(out.empty());
  }
}

TEST_CASE("a truncated or damaged segment decodes what it can or throws, and the decoder goes on") {
  std::vector<std::uint8_t> ts = read_bytes(kSeeds + "aac_stereo.ts");
  SegmentDecoder d(16000);
  std::vector<float> out;
  std::vector<std::uint8_t> damaged(ts.begin(), ts.begin() + static_cast<long>(ts.size() / 2));
  for (std::size_t i = 200; i < damaged.size(); i += 97) damaged[i] ^= 0x5A;
  try {
    d.decode({}, damaged, out);
  } catch (const std::runtime_error&) {
  }
  const std::size_t before = out.size();
  d.decode({}, ts, out);
  CHECK(out.size() > before);
}

TEST_CASE("a reset whose last frame the resampler refuses throws nothing and counts the frame") {
  // Found by fuzzing: fMP4 whose media segment, decoded twice, leaves a frame at the flush that
  // swr_init refuses. reset() runs in the follower's error path, where a throw would end the channel.
  const std::vector<std::uint8_t> bad = read_bytes(kSeeds + "flush_resampler_refuses.bin");
  const std::string text(bad.begin(), bad.end());
  const std::size_t moof = text.find("moof") - 4;
  const std::span<const std::uint8_t> all(bad);
  SegmentDecoder d(16000);
  std::vector<float> out;
  for (int pass = 0; pass < 2; ++pass) {
    try {
      pass == 0 ? d.decode(all.first(moof), all.subspan(moof), out) : d.decode({}, all, out);
    } catch (const std::runtime_error&) {
    }
  }
  const long long skipped = d.skipped_packets();
  CHECK_NOTHROW(d.reset(out));
  CHECK(d.skipped_packets() == skipped + 1);
  std::vector<float> next;
  CHECK(d.decode({}, read_bytes(kSeeds + "aac_stereo.ts"), next).samples > 2000);
}
