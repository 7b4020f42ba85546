#include "cluster/cluster_names.hpp"

#include <cmath>

namespace hyped::cluster {

namespace {
bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}
constexpr std::string_view kHighlightPrefix = "hyped.highlights.";
constexpr std::string_view kActionSuffix = ".action";
constexpr std::string_view kChannelKey = "channel.";
constexpr std::string_view kWorkerKey = "worker.";
constexpr std::string_view kSkipKey = "skip.";

std::optional<std::string> suffix_after(std::string_view key, std::string_view prefix) {
  if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
  const std::string_view rest = key.substr(prefix.size());
  for (char c : rest)
    if (!token_char(c)) return std::nullopt;
  if (rest.empty() || rest.size() > 64) return std::nullopt;
  return std::string(rest);
}
}  // namespace

bool valid_channel_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!token_char(c)) return false;
  return true;
}

std::string sanitize_worker_id(std::string_view raw) {
  std::string out;
  for (char c : raw.substr(0, 64)) out += token_char(c) ? c : '-';
  return out.empty() ? std::string("worker") : out;
}

std::string highlight_subject(const std::string& channel) { return std::string(kHighlightPrefix) + channel; }
std::string action_subject(const std::string& channel) { return highlight_subject(channel) + std::string(kActionSuffix); }

std::optional<SubjectParts> parse_subject(std::string_view subject) {
  if (subject.substr(0, kHighlightPrefix.size()) != kHighlightPrefix) return std::nullopt;
  std::string_view rest = subject.substr(kHighlightPrefix.size());
  SubjectParts p;
  if (rest.size() > kActionSuffix.size() && rest.substr(rest.size() - kActionSuffix.size()) == kActionSuffix) {
    p.action = true;
    rest.remove_suffix(kActionSuffix.size());
  }
  if (!valid_channel_name(rest)) return std::nullopt;
  p.channel = std::string(rest);
  return p;
}

std::string channel_key(const std::string& channel) { return std::string(kChannelKey) + channel; }
std::string worker_key(const std::string& worker) { return std::string(kWorkerKey) + worker; }
std::optional<std::string> channel_of_key(std::string_view key) { return suffix_after(key, kChannelKey); }
std::optional<std::string> worker_of_key(std::string_view key) { return suffix_after(key, kWorkerKey); }
std::string skip_key(const std::string& channel) { return std::string(kSkipKey) + channel; }
std::optional<std::string> skipped_of_key(std::string_view key) { return suffix_after(key, kSkipKey); }

std::string highlight_msg_id(const std::string& channel, std::chrono::system_clock::time_point start, int revision) {
  const double s = std::chrono::duration<double>(start.time_since_epoch()).count();
  return channel + "@" + std::to_string(static_cast<long long>(std::llround(s))) + "#" + std::to_string(revision);
}

std::string action_msg_id(const std::string& channel, long long highlight_id, const std::string& kind) {
  return channel + "/" + std::to_string(highlight_id) + "/" + kind;
}

}  // namespace hyped::cluster
