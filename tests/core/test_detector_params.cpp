#include <doctest/doctest.h>

#include <stdexcept>

#include "core/detector_params.hpp"

using namespace hyped;

TEST_CASE("default parameters follow the seed") {
  DetectorParams p;
  CHECK(p.hop_len() == 8000);
  CHECK(p.frame_len() == 16000);
  CHECK(p.frame_hops() == 2);
  CHECK(p.chat_box_hops() == 10);
  CHECK(p.chat_lookahead_hops() == 4);
  CHECK(p.fft_frames_per_hop() == 7);
  CHECK(p.high_band_bin() == 128);
  CHECK(p.frame_time_s(0) == 0.5);
  CHECK_NOTHROW(validate(p));
}

TEST_CASE("invalid parameters are rejected with the key's name") {
  DetectorParams p;
  p.frame_s = 0.75;  // not a multiple of the hop
  CHECK_THROWS_WITH_AS(validate(p), doctest::Contains("audio.frame_s"), std::invalid_argument);
  p = DetectorParams{};
  p.fft_size = 1000;
  CHECK_THROWS_WITH_AS(validate(p), doctest::Contains("fft_size"), std::invalid_argument);
}
