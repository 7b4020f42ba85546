// Names the cluster agrees on: the JetStream stream and its subjects, the key-value buckets and their
// keys, and the de-duplication ids of published events (pure).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hyped::cluster {

inline constexpr const char* kStream = "HYPED_HIGHLIGHTS";
inline constexpr const char* kStreamSubjects = "hyped.highlights.>";
inline constexpr const char* kWantedBucket = "hyped_wanted";  // channel.NAME → where to follow it
inline constexpr const char* kLeaseBucket = "hyped_leases";   // channel.NAME → lease, worker.ID → load
// In the lease bucket: the discovery leader (the one worker that lists the top channels).
inline constexpr const char* kDiscoveryKey = "discovery";

// A channel name usable as a subject token and a key: 1-64 of [A-Za-z0-9_-] (every Twitch login is one).
bool valid_channel_name(std::string_view name);
// A worker id: 1-64 of [A-Za-z0-9_-]; other characters of `raw` become '-'.
std::string sanitize_worker_id(std::string_view raw);

// hyped.highlights.NAME: a channel's highlights (each revision a message).
std::string highlight_subject(const std::string& channel);
// hyped.highlights.NAME.action: the results of actions on them (kept apart so that the channel's last
// highlight message is the newest highlight).
std::string action_subject(const std::string& channel);
// The channel a subject of the stream names, and whether it is an action; nullopt for others.
struct SubjectParts {
  std::string channel;
  bool action = false;
};
std::optional<SubjectParts> parse_subject(std::string_view subject);

std::string channel_key(const std::string& channel);  // "channel.NAME"
std::string worker_key(const std::string& worker);    // "worker.ID"
std::optional<std::string> channel_of_key(std::string_view key);
std::optional<std::string> worker_of_key(std::string_view key);
// In the wanted bucket: "skip.NAME", a channel `hyped cluster remove` took out that discovery must not add
// again while it stays listed. Workers read only channel.NAME keys, so they never follow one.
std::string skip_key(const std::string& channel);
std::optional<std::string> skipped_of_key(std::string_view key);

// De-duplication id of a highlight message: the channel, the highlight's start as wall-clock seconds and
// the revision ("NAME@1767225600#0"). Two workers that saw the same moment (a take-over, a hand-over)
// send the same id, and the stream keeps the first. Whole seconds: two workers map stream time to the
// wall clock through the same PROGRAM-DATE-TIME, but their hop grids may differ by a fraction of a hop.
std::string highlight_msg_id(const std::string& channel, std::chrono::system_clock::time_point start, int revision);
// De-duplication id of an action result: "NAME/ID/kind" (one result per highlight and kind).
std::string action_msg_id(const std::string& channel, long long highlight_id, const std::string& kind);

}  // namespace hyped::cluster
