#include <doctest/doctest.h>

#include <filesystem>
#include <optional>
#include <vector>

#include "app/wav_recorder.hpp"
#include "live/pcm_file_source.hpp"

using namespace hyped;

namespace {

std::vector<float> read_all(const std::string& path, int rate) {
  const auto src = open_pcm_file(path, rate);
  std::vector<float> out, buf(4096);
  while (const std::size_t n = src->read(buf)) out.insert(out.end(), buf.begin(), buf.begin() + static_cast<long>(n));
  return out;
}

}  // namespace

TEST_CASE("a recorded WAV reads back sample for sample, and up to its last header while still recording") {
  const int rate = 16000;
  const std::string path = (std::filesystem::temp_directory_path() / "hyped-test-recorder.wav").string();
  std::vector<float> x(static_cast<std::size_t>(rate) * 12);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 1000) / 1000.0f - 0.5f;
  const std::size_t chunk = 3000;
  std::optional<WavRecorder> rec(std::in_place, path, rate);
  for (std::size_t pos = 0; pos < x.size(); pos += chunk) rec->write(std::span(x).subspan(pos, chunk));
  // A session killed now leaves the header the first write past 10 s rewrote: that much reads back.
  const std::size_t ten_s = static_cast<std::size_t>(rate) * 10;
  CHECK(read_all(path, rate).size() == (ten_s + chunk - 1) / chunk * chunk);
  rec.reset();
  CHECK(read_all(path, rate) == x);
  std::filesystem::remove(path);
}
