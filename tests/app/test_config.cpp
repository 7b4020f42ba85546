#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "app/config.hpp"

using namespace hyped;

TEST_CASE("the shipped config documents every key and equals the defaults") {
  const std::string path = std::string(HYPED_SOURCE_DIR) + "/config/hyped.toml";
  std::ifstream in(path);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  for (const std::string& key : config_keys()) {
    const std::string name = key.substr(key.find('.') + 1);
    const std::string section = std::string("[").append(key, 0, key.find('.')).append("]");
    INFO(key);
    CHECK(text.find(section) != std::string::npos);
    CHECK(text.find("\n" + name + " = ") != std::string::npos);
  }
  const AppConfig cfg = load_config(path);
  const AppConfig def = default_config();
  CHECK(cfg.detector.threshold == def.detector.threshold);
  CHECK(cfg.detector.z_mode == def.detector.z_mode);
  CHECK(cfg.detector.stats_halflife_s == def.detector.stats_halflife_s);
  CHECK(cfg.detector.fft_size == def.detector.fft_size);
  CHECK(cfg.exports.edl_fps == def.exports.edl_fps);
}

TEST_CASE("config values override the defaults") {
  const AppConfig c = parse_config("[fusion]\nthreshold = 3\nw_chat = 0.5\n[stats]\nz_mode = \"global\"\n", "t.toml");
  CHECK(c.detector.threshold == 3.0);
  CHECK(c.detector.w_chat == 0.5);
  CHECK(c.detector.z_mode == ZMode::Global);
}

TEST_CASE("unknown keys, wrong types and bad values are errors naming the key") {
  CHECK_THROWS_WITH_AS(parse_config("[fusion]\ntreshold = 3\n", "t.toml"), doctest::Contains("fusion.treshold"),
                       ConfigError);
  CHECK_THROWS_WITH_AS(parse_config("[fusion]\nthreshold = \"high\"\n", "t.toml"),
                       doctest::Contains("'fusion.threshold' in t.toml (line 2) must be a number"), ConfigError);
  CHECK_THROWS_WITH_AS(parse_config("[spectral]\nfft_size = 1024.5\n", "t.toml"), doctest::Contains("spectral.fft_size"),
                       ConfigError);
  CHECK_THROWS_WITH_AS(parse_config("[bogus]\nx = 1\n", "t.toml"), doctest::Contains("bogus.x"), ConfigError);
  CHECK_THROWS_WITH_AS(parse_config("threshold = 2\n", "t.toml"), doctest::Contains("threshold"), ConfigError);
  CHECK_THROWS_WITH_AS(parse_config("[audio]\nhop_s = -1\n", "t.toml"), doctest::Contains("audio.hop_s"), ConfigError);
  CHECK_THROWS_WITH_AS(parse_config("[audio\n", "t.toml"), doctest::Contains("t.toml line 1"), ConfigError);
}
