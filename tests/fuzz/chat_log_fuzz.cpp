// libFuzzer target: the chat log reader on arbitrary bytes, all four formats (detected from content),
// and what replay makes of an accepted log: detector weights and the per-hop chat series. A log it
// cannot read must be a std::runtime_error naming the log; anything else thrown is a bug.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/chat_series.hpp"
#include "core/detector_params.hpp"
#include "irc/chat_log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  hyped::ChatLog log;
  try {
    log = hyped::parse_chat_log(text, "fuzz.log");
  } catch (const std::runtime_error& e) {
    if (std::string_view(e.what()).find("chat log 'fuzz.log': ") != 0) __builtin_trap();  // names the log
    return 0;
  }
  double last = -INFINITY;
  for (const hyped::ChatLogEntry& e : log.entries) {
    if (!std::isfinite(e.t_s) || e.t_s < last || e.emotes < 0) __builtin_trap();  // sorted, finite times
    if (e.weight && !(*e.weight >= 0)) __builtin_trap();
    last = e.t_s;
    (void)hyped::to_jsonl(e);
  }
  hyped::DetectorParams p;
  p.emote_weight = 0.5;
  hyped::ChatWeights w{0.5, 2.0, {{"PogChamp", 1.0}, {"KEKW", 0.5}}};
  std::vector<hyped::ChatMessage> messages = hyped::to_chat_messages(log, p, w);
  if (messages.size() != log.entries.size()) __builtin_trap();
  // Binned as replay does. Messages days late only grow the series (up to kMaxChatBins, pinned in
  // tests/core): left out here so that each input stays fast.
  std::erase_if(messages, [](const hyped::ChatMessage& m) { return m.t_s > 86400.0; });
  const hyped::ChatRateSeries series(std::move(messages), p);
  for (long long b = 0; b < std::min(series.bins(), 4096LL); ++b)
    if (!(series.count(b) >= 0)) __builtin_trap();
  return 0;
}
