// What `hyped replay` was given, sorted out before anything is decoded: media files, directories of
// them, Twitch VOD links and HLS playlist URLs, each with the name its exports and summary carry.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vod/twitch_vod_api.hpp"

namespace hyped {

struct ReplayInput {
  enum class Kind { File, TwitchVod, HlsUrl };
  Kind kind = Kind::File;
  std::string spec;        // as given (a path, a link)
  std::string name;        // for exports and alerts: the file's stem, "v123" for a VOD
  TwitchVodRef vod;        // Kind::TwitchVod
  std::string chat_beside; // a chat log found next to a file (STEM.chat.json …), when asked to look
};

// Directories become the media files in them (sorted); paths that exist are files; then VOD links and
// http(s) URLs. `look_for_chat`: find each file's chat log beside it. Throws std::runtime_error for an
// empty directory.
std::vector<ReplayInput> expand_replay_inputs(const std::vector<std::string>& specs, bool look_for_chat);

// Export file name for an input's name and an extension (".json"), unique among `taken` (which it extends).
std::string export_name_for(const std::string& name, const std::string& ext, std::vector<std::string>& taken);

}  // namespace hyped
