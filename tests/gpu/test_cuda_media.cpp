// The CUDA backend against the CPU reference on media made by ffmpeg (tools/make_demo.py): a 16 kHz
// WAV and its chat log, through the same StreamDetector the CLI uses, in both z modes. The GPU machine
// has no ffmpeg, so the files are made beforehand and named by HYPED_TEST_MEDIA_DIR; without them
// only this case is skipped.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "app/stream_detector.hpp"
#include "irc/chat_log.hpp"
#include "live/audio_source.hpp"
#include "parity_check.hpp"

using namespace hyped;

namespace {

struct Media {
  std::vector<float> samples;
  std::vector<ChatMessage> chat;
};

// Media dir with demo.wav and demo-chat.jsonl, or empty when not available.
std::string media_dir() {
  const char* dir = std::getenv("HYPED_TEST_MEDIA_DIR");
  if (!dir || !*dir) return {};
  const std::filesystem::path d(dir);
  if (!std::filesystem::exists(d / "demo.wav") || !std::filesystem::exists(d / "demo-chat.jsonl")) return {};
  return d.string();
}

Media load(const std::string& dir, const DetectorParams& p) {
  Media m;
  auto src = open_audio(dir + "/demo.wav", p.sample_rate_hz);
  std::vector<float> buf(1 << 16);
  while (const std::size_t n = src->read(buf))
    m.samples.insert(m.samples.end(), buf.begin(), buf.begin() + static_cast<long>(n));
  m.chat = to_chat_messages(read_chat_log(dir + "/demo-chat.jsonl"), p);
  return m;
}

DetectionResult replay(const DetectorParams& p, std::unique_ptr<Backend> backend, const Media& m, int tick_hops) {
  StreamDetector d(p, std::move(backend), ChatRateSeries(m.chat, p), tick_hops);
  d.keep_series(true);
  const std::size_t chunk = 12345;  // not a multiple of anything
  for (std::size_t pos = 0; pos < m.samples.size(); pos += chunk)
    d.push(std::span(m.samples).subspan(pos, std::min(chunk, m.samples.size() - pos)));
  return d.finish();
}

// Several channels made from the one recording: gains and circular shifts, chat shifted alike.
class MediaChannels final : public test::TickInput {
 public:
  MediaChannels(const Media& m, const DetectorParams& p) : m_(m), chat_(m.chat, p) {}
  void fill(int channels, long long first_block, int hops, const DetectorParams& p, std::span<float> samples,
            std::span<float> chat) const override {
    const long long hop = p.hop_len();
    const auto n = static_cast<long long>(m_.samples.size());
    for (int c = 0; c < channels; ++c) {
      const long long shift = c * 53117LL;
      const float gain = 1.0f + 0.15f * static_cast<float>(c);
      for (long long j = 0; j < hops * hop; ++j)
        samples[static_cast<std::size_t>(c * hops * hop + j)] =
            gain * m_.samples[static_cast<std::size_t>((first_block * hop + j + shift) % n)];
      for (int h = 0; h < hops; ++h)
        chat[static_cast<std::size_t>(c * hops + h)] = chat_.count((first_block + h + 7 * c) % chat_.bins());
    }
  }
  std::vector<float> chat_history(int channels, const DetectorParams& p) const override {
    return std::vector<float>(static_cast<std::size_t>(channels * (p.chat_box_hops() - 1)), 0.0f);
  }

 private:
  const Media& m_;
  ChatRateSeries chat_;
};

}  // namespace

TEST_CASE("CUDA matches the CPU reference on ffmpeg-generated media (replay, both z modes)") {
  const std::string dir = media_dir();
  if (dir.empty()) {
    std::printf(
        "SKIPPED: media parity: set HYPED_TEST_MEDIA_DIR to a folder with demo.wav and demo-chat.jsonl "
        "(tools/make_demo.py --media DIR/demo.wav --chat DIR/demo-chat.jsonl --rate 16000 --channels 1)\n");
    return;
  }
  for (const ZMode mode : {ZMode::Running, ZMode::Global}) {
    DetectorParams p;
    p.z_mode = mode;
    const Media m = load(dir, p);
    REQUIRE(m.samples.size() > static_cast<std::size_t>(60 * p.sample_rate_hz));
    for (const int tick_hops : {64, 17, 1}) {
      const DetectionResult a = replay(p, make_cpu_backend(p, 1), m, tick_hops);
      const DetectionResult b = replay(p, make_cuda_backend(p, 1), m, tick_hops);
      REQUIRE(a.series.size() == b.series.size());
      test::ParityReport report;
      test::ZSlack slack(p);
      for (std::size_t f = 0; f < a.series.size(); ++f)
        report.compare(a.series[f], b.series[f], "frame " + std::to_string(f),
                       mode == ZMode::Running ? slack.next(a.series[f]) : std::array<double, 9>{});
      MESSAGE("media " << std::string(to_string(mode)) << ", tick " << tick_hops << ": " << report.summary() << "; "
                       << a.highlights.size() << " highlights");
      INFO(report.first_mismatch());
      CHECK(report.mismatches() == 0);
      const std::string diff = test::diff_highlights(a.highlights, b.highlights);
      INFO(diff);
      CHECK(diff.empty());
      CHECK(!a.highlights.empty());
    }
  }
}

TEST_CASE("CUDA matches the CPU reference on ffmpeg-generated media: 7 channels, mixed ticks") {
  const std::string dir = media_dir();
  if (dir.empty()) {
    std::printf("SKIPPED: multi-channel media parity: HYPED_TEST_MEDIA_DIR has no demo.wav / demo-chat.jsonl\n");
    return;
  }
  const DetectorParams p;
  const Media m = load(dir, p);
  const MediaChannels input(m, p);
  test::check_tick_parity(p, 7, static_cast<long long>(m.samples.size()) / p.hop_len(), {1, 3, 17, 64, 64}, input);
}
