#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "live/audio_source.hpp"
#include "live/pcm_file_source.hpp"

using namespace hyped;
namespace fs = std::filesystem;

namespace {

void put32(std::ofstream& o, std::uint32_t v) { o.write(reinterpret_cast<const char*>(&v), 4); }
void put16(std::ofstream& o, std::uint16_t v) { o.write(reinterpret_cast<const char*>(&v), 2); }

fs::path write_wav16(const std::string& name, int rate, int channels, const std::vector<std::int16_t>& interleaved) {
  const fs::path p = fs::temp_directory_path() / name;
  std::ofstream o(p, std::ios::binary);
  const auto bytes = static_cast<std::uint32_t>(interleaved.size() * 2);
  o.write("RIFF", 4);
  put32(o, 36 + 8 + bytes + 12);
  o.write("WAVE", 4);
  o.write("LIST", 4);  // a chunk readers must skip
  put32(o, 4);
  o.write("INFO", 4);
  o.write("fmt ", 4);
  put32(o, 16);
  put16(o, 1);
  put16(o, static_cast<std::uint16_t>(channels));
  put32(o, static_cast<std::uint32_t>(rate));
  put32(o, static_cast<std::uint32_t>(rate * channels * 2));
  put16(o, static_cast<std::uint16_t>(channels * 2));
  put16(o, 16);
  o.write("data", 4);
  put32(o, bytes);
  o.write(reinterpret_cast<const char*>(interleaved.data()), bytes);
  return p;
}

}  // namespace

TEST_CASE("16-bit stereo WAV is read in chunks and downmixed to mono") {
  std::vector<std::int16_t> s;
  for (int i = 0; i < 1000; ++i) {
    s.push_back(16384);   // left 0.5
    s.push_back(-8192);   // right -0.25
  }
  const auto path = write_wav16("hyped_test_stereo.wav", 16000, 2, s);
  auto src = open_pcm_file(path.string(), 16000);
  CHECK(src->info().source_channels == 2);
  CHECK(src->info().duration_s == doctest::Approx(1000.0 / 16000));
  std::vector<float> buf(300);
  std::size_t total = 0, n;
  while ((n = src->read(buf)) > 0) {
    CHECK(buf[0] == doctest::Approx(0.125));
    total += n;
  }
  CHECK(total == 1000);
  fs::remove(path);
}

TEST_CASE("raw f32le is read as mono at the detector's rate") {
  const fs::path p = fs::temp_directory_path() / "hyped_test.f32le";
  {
    std::ofstream o(p, std::ios::binary);
    const float v[3] = {0.5f, -1.0f, 0.25f};
    o.write(reinterpret_cast<const char*>(v), sizeof v);
    o.write("x", 1);  // a torn trailing sample is ignored
  }
  auto src = open_pcm_file(p.string(), 16000);
  std::vector<float> buf(10);
  REQUIRE(src->read(buf) == 3);
  CHECK(buf[1] == -1.0f);
  CHECK(src->read(buf) == 0);
  fs::remove(p);
}

TEST_CASE("PCM reader errors name the file and the reason") {
  CHECK_THROWS_WITH_AS(open_pcm_file("/nonexistent/a.wav", 16000), doctest::Contains("cannot open '/nonexistent/a.wav'"),
                       std::runtime_error);
  const auto wrong_rate = write_wav16("hyped_test_44k.wav", 44100, 1, {0, 0});
  CHECK_THROWS_WITH_AS(open_pcm_file(wrong_rate.string(), 16000), doctest::Contains("44100 Hz"), std::runtime_error);
  fs::remove(wrong_rate);
  const fs::path empty = fs::temp_directory_path() / "hyped_test_empty.wav";
  std::ofstream(empty).close();
  CHECK_THROWS_WITH_AS(open_pcm_file(empty.string(), 16000), doctest::Contains("empty"), std::runtime_error);
  fs::remove(empty);
}

TEST_CASE("open_audio reads WAV in every build") {
  const auto path = write_wav16("hyped_test_mono.wav", 16000, 1, std::vector<std::int16_t>(16000, 3276));
  auto src = open_audio(path.string(), 16000);
  std::vector<float> buf(20000);
  std::size_t total = 0, n;
  while ((n = src->read(std::span(buf).subspan(total))) > 0) total += n;
  CHECK(total >= 15900);  // a resampler may trim its edges
  CHECK(total <= 16100);
  CHECK(buf[8000] == doctest::Approx(0.1).epsilon(0.01));
  fs::remove(path);
}
