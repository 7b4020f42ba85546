// Checks the slot lists of Backend::tick_some, the same for every backend.
#pragma once

#include <span>
#include <stdexcept>
#include <vector>

namespace hyped {

// Throws std::invalid_argument unless `channels` names distinct channels below `channel_count` and
// `blocks` has one count per slot.
inline void check_slots(std::span<const int> channels, std::span<const int> blocks, int channel_count) {
  if (channels.size() != blocks.size()) throw std::invalid_argument("tick_some: one block count per slot");
  std::vector<bool> seen(static_cast<std::size_t>(channel_count), false);
  for (const int c : channels) {
    if (c < 0 || c >= channel_count) throw std::invalid_argument("tick_some: no such channel");
    if (seen[static_cast<std::size_t>(c)]) throw std::invalid_argument("tick_some: a channel in two slots");
    seen[static_cast<std::size_t>(c)] = true;
  }
}

}  // namespace hyped
