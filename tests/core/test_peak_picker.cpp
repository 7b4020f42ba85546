#include <doctest/doctest.h>

#include <vector>

#include "core/peak_picker.hpp"

using namespace hyped;

namespace {
HopFeatures hop(float score, float za = 0, float zc = 0) {
  HopFeatures h;
  h.score = score;
  h.z_audio = za;
  h.z_chat = zc;
  return h;
}
}  // namespace

TEST_CASE("fires once on the rising edge, not while the score stays high") {
  DetectorParams p;
  p.z_mode = ZMode::Global;
  PeakPicker pk(p);
  std::vector<Highlight> got;
  const float scores[] = {0, 1, 2.5, 3, 3, 0.5, 0};
  for (int i = 0; i < 7; ++i)
    if (auto h = pk.push(i, hop(scores[i], scores[i]))) got.push_back(*h);
  REQUIRE(got.size() == 1);
  CHECK(got[0].id == 1);
  CHECK(got[0].time_s == doctest::Approx(p.frame_time_s(2)));
  CHECK(got[0].start_s == 0.0);  // clamped at the start of the media
  CHECK(got[0].end_s == doctest::Approx(p.frame_time_s(2) + p.post_s));
  CHECK(got[0].reasons == std::vector<std::string>{"audio"});
}

TEST_CASE("the refractory period suppresses a second edge too soon after the first") {
  DetectorParams p;
  p.z_mode = ZMode::Global;
  PeakPicker pk(p);
  int fired = 0;
  // edges at frames 100, 120 (10 s later: suppressed) and 170 (35 s after the first: fires)
  for (int i = 0; i < 200; ++i) {
    const bool high = i == 100 || i == 120 || i == 170;
    if (pk.push(i, hop(high ? 5.0f : 0.0f, 5))) ++fired;
  }
  CHECK(fired == 2);
}

TEST_CASE("running mode stays silent during warm-up") {
  DetectorParams p;  // running, 60 s warm-up
  PeakPicker pk(p);
  CHECK_FALSE(pk.push(10, hop(9)).has_value());    // 5.5 s
  CHECK_FALSE(pk.push(11, hop(0)).has_value());
  CHECK(pk.push(200, hop(9)).has_value());         // 100.5 s
}

TEST_CASE("reasons name each signal over reason_z, or the strongest one") {
  DetectorParams p;
  CHECK(reasons_for(hop(5, 3, 2), p) == std::vector<std::string>{"audio", "chat"});
  CHECK(reasons_for(hop(2.2f, 1.2f, 1.0f), p) == std::vector<std::string>{"audio"});
  p.w_chat = 0;  // a signal with no weight is never a reason
  CHECK(reasons_for(hop(2, 0, 9), p) == std::vector<std::string>{"audio"});
  CHECK(join_reasons({"audio", "chat"}) == "audio+chat");
}
