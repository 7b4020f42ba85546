// libFuzzer target: hyped.toml text to a configuration. Any text must give a configuration the detector
// can run with, or a ConfigError naming the file; any other exception is a bug, as is UB in the numbers
// the detector derives from the settings (sample and hop counts).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "app/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  hyped::AppConfig cfg;
  try {
    cfg = hyped::parse_config(text, "fuzz.toml");
  } catch (const hyped::ConfigError& e) {
    if (std::string_view(e.what()).find("fuzz.toml") == std::string_view::npos) __builtin_trap();  // says where
    return 0;
  }
  // An accepted configuration: what the detector computes from it must be in range.
  const hyped::DetectorParams& p = cfg.detector;
  if (p.hop_len() < 1 || p.frame_len() < p.hop_len() || p.frame_hops() < 1) __builtin_trap();
  if (p.chat_box_hops() < 0 || p.fft_frames_per_hop() < 1) __builtin_trap();
  (void)p.chat_lookahead_hops();
  (void)p.high_band_bin();
  (void)p.frame_at(3600.0);
  (void)hyped::chat_weights(cfg);
  for (const auto& [channel, rate] : cfg.channel_target_per_hour)
    if (!(rate >= 0)) __builtin_trap();
  return 0;
}
