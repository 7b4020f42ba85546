#include <doctest/doctest.h>

#include <stdexcept>

#include "core/detector_params.hpp"

using namespace hyped;

TEST_CASE("default parameters follow the seed's frames and hops, with a 20 s chat box") {
  DetectorParams p;
  CHECK(p.hop_len() == 8000);
  CHECK(p.frame_len() == 16000);
  CHECK(p.frame_hops() == 2);
  CHECK(p.chat_window_s == 20.0);
  CHECK(p.chat_box_hops() == 40);
  CHECK(p.chat_lookahead_hops() == 19);  // conv1d(ones/40, padding=20): 40 − 1 − 20 hops ahead
  p.chat_window_s = 5.0;                // the seed's box
  CHECK(p.chat_box_hops() == 10);
  CHECK(p.chat_lookahead_hops() == 4);
  p.chat_centred = false;  // trailing: no look-ahead
  CHECK(p.chat_lookahead_hops() == 0);
  p = DetectorParams{};
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

TEST_CASE("invalid quality settings are rejected with the key's name") {
  const auto rejects = [](auto change, const char* key) {
    DetectorParams p;
    change(p);
    CHECK_THROWS_WITH_AS(validate(p), doctest::Contains(key), std::invalid_argument);
  };
  rejects([](DetectorParams& p) { p.audio_baseline_s = 0; }, "stats.audio_baseline_s");
  rejects([](DetectorParams& p) { p.audio_quiet_db = 0; }, "audio.quiet_db");
  rejects([](DetectorParams& p) { p.audio_min_std_db = -1; }, "floors");
  rejects([](DetectorParams& p) { p.chat_other_weight = -0.1; }, "chat.other_weight");
  rejects([](DetectorParams& p) { p.chat_copies_kept = 0; }, "chat.copies_kept");
  rejects([](DetectorParams& p) { p.chat_copy_min_chars = 0; }, "chat.copy_min_chars");
  rejects([](DetectorParams& p) { p.chat_prior = 0; }, "chat.prior");
  rejects([](DetectorParams& p) { p.target_per_hour = -1; }, "fusion.target_per_hour");
  rejects([](DetectorParams& p) { p.rate_window_s = 599; }, "fusion.rate_window_s");
  rejects([](DetectorParams& p) { p.start_threshold = -1; }, "fusion.start_threshold");
  // Too long to count in samples or hops (an int): rejected before hop_len() or frame_len() overflow.
  rejects([](DetectorParams& p) { p.hop_s = p.frame_s = 1e300; }, "audio.hop_s");
  rejects([](DetectorParams& p) { p.frame_s = 1e12; }, "audio.frame_s");
  rejects([](DetectorParams& p) { p.chat_window_s = 1e300; }, "chat.window_s");
  DetectorParams p;
  p.target_per_hour = 0;  // every crossing of the threshold
  CHECK_NOTHROW(validate(p));
}
