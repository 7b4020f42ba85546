// Builds without FFmpeg decode no HLS: VOD links and playlist URLs are one clear error.
#include <stdexcept>

#include "vod/twitch_vod_fetch.hpp"

namespace hyped {

namespace {
[[noreturn]] void unavailable() { throw std::runtime_error("this build replays no VODs or HLS URLs (built without FFmpeg)"); }
}  // namespace

std::string resolve_twitch_vod_playlist(const TwitchVodRef&, const TwitchVodOptions&) { unavailable(); }
std::unique_ptr<AudioSource> open_hls_vod_audio(const std::string&, const TwitchVodOptions&, int) { unavailable(); }

struct VodChatFeed::Impl {};
VodChatFeed::VodChatFeed(std::string, const TwitchVodOptions&, double) { unavailable(); }
VodChatFeed::~VodChatFeed() = default;
std::vector<ChatLogEntry> VodChatFeed::take_through(double) { unavailable(); }
bool VodChatFeed::complete() const { return true; }
long long VodChatFeed::pages() const { return 0; }
long long VodChatFeed::malformed() const { return 0; }

}  // namespace hyped
