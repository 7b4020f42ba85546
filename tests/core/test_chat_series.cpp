#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "core/chat_series.hpp"

using namespace hyped;

namespace {
// The seed's smoothing written out: conv1d(x, ones(k)/k, padding=k/2), first n outputs.
std::vector<double> seed_conv1d(const std::vector<float>& x, int k) {
  const int n = static_cast<int>(x.size()), pad = k / 2;
  std::vector<double> y(x.size());
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j) {
      const int src = i - pad + j;
      y[i] += (src >= 0 && src < n ? x[src] : 0.0) / k;
    }
  return y;
}
}  // namespace

TEST_CASE("messages land in the bin centred on their frame's time") {
  DetectorParams p;  // frame 1 s, hop 0.5 s: bin i spans [0.25 + 0.5 i, 0.75 + 0.5 i)
  ChatRateSeries s({{0.3, 1}, {0.74, 1}, {0.75, 2}, {10.0, 1}, {-1.0, 1}, {0.1, 1}}, p);
  CHECK(s.count(0) == 2);
  CHECK(s.count(1) == 2);
  CHECK(s.count(19) == 1);  // 10.0 s is in [9.75, 10.25)
  CHECK(s.count(-1) == 0);
  CHECK(s.count(1000) == 0);
}

TEST_CASE("messages added later land where they would have up front") {
  DetectorParams p;
  const std::vector<ChatMessage> all = {{0.3, 1}, {0.74, 1}, {5.0, 2}, {10.0, 1}, {-1.0, 1}, {30.2, 0.25f}};
  const ChatRateSeries whole(all, p);
  ChatRateSeries grown;
  CHECK(grown.empty());
  grown.add(std::span(all).first(3), p);
  CHECK(grown.count(19) == 0);
  grown.add(std::span(all).subspan(3), p);
  REQUIRE(grown.bins() == whole.bins());
  for (long long b = 0; b < whole.bins(); ++b) CHECK(grown.count(b) == whole.count(b));
}

TEST_CASE("centred box smoothing equals the seed's conv1d for odd and even kernels") {
  std::mt19937 rng(3);
  std::poisson_distribution<int> pd(2.0);
  std::vector<float> x(57);
  for (auto& v : x) v = static_cast<float>(pd(rng));
  for (int k : {1, 4, 5, 10, 11}) {
    const auto ours = smooth_box_centred(x, k);
    const auto seed = seed_conv1d(x, k);
    REQUIRE(ours.size() == x.size());
    for (std::size_t i = 0; i < x.size(); ++i) CHECK(ours[i] == doctest::Approx(seed[i]).epsilon(1e-6));
  }
}

TEST_CASE("a trailing box fed with look-ahead and primed equals the centred box") {
  std::mt19937 rng(5);
  std::poisson_distribution<int> pd(3.0);
  std::vector<float> x(40);
  for (auto& v : x) v = static_cast<float>(pd(rng));
  const int k = 10, lookahead = k - 1 - k / 2;
  const auto at = [&](int i) { return i >= 0 && i < 40 ? x[i] : 0.0f; };
  TrailingBox box(k);
  std::vector<float> history;
  for (int j = k - 1; j >= 1; --j) history.push_back(at(lookahead - j));
  box.prime(history);
  const auto centred = smooth_box_centred(x, k);
  for (int i = 0; i < 40; ++i) CHECK(box.push(at(i + lookahead)) == centred[i]);  // bit-identical
}

TEST_CASE("a trailing box is causal and starts from zeros") {
  TrailingBox box(4);
  CHECK(box.push(4) == 1.0f);
  CHECK(box.push(4) == 2.0f);
  CHECK(box.push(4) == 3.0f);
  CHECK(box.push(4) == 4.0f);
  CHECK(box.push(0) == 3.0f);
}

TEST_CASE("a message absurdly late is dropped instead of growing the series to gigabytes") {
  DetectorParams p;
  const ChatRateSeries s({{1.0, 1}, {1e8, 1}, {0.5 * static_cast<double>(kMaxChatBins), 1}}, p);
  CHECK(s.bins() <= kMaxChatBins);
  CHECK(s.count(1) == 1);
  // Bin i spans [0.25 + 0.5 i, 0.75 + 0.5 i): one message in the last bins but one is kept.
  const ChatRateSeries last({{0.35 + 0.5 * static_cast<double>(kMaxChatBins - 2), 1}}, p);
  CHECK(last.count(kMaxChatBins - 2) == 1);
}
