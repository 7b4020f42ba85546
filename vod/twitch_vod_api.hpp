// Twitch VODs as data: what a VOD reference looks like, the GQL requests for a VOD's playback token
// and its comment pages, and what their answers mean. Pure functions, so the parsing is tested and
// fuzzed apart from the network (vod/twitch_vod_fetch.hpp does the fetching).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "irc/chat_log.hpp"

namespace hyped {

struct TwitchVodRef {
  std::string id;        // digits
  double start_s = -1;   // the link's ?t=1h2m3s, < 0 when absent
};

// https://www.twitch.tv/videos/123, twitch.tv/videos/123?t=1h2m3s, m.twitch.tv/videos/123, v123;
// nullopt for anything else (a file path).
std::optional<TwitchVodRef> parse_twitch_vod_ref(std::string_view input);

// Twitch's "1h2m3s" / "90s" / "90" offsets; nullopt when malformed.
std::optional<double> parse_twitch_offset(std::string_view t);

struct VodToken {
  std::string value;
  std::string signature;
};

// Why a Twitch answer could not be used; `what` is one line for the user.
struct VodApiError {
  enum Kind { Refused, NotFound, Integrity, Malformed } kind = Malformed;
  std::string what;
};

std::string vod_token_request(const std::string& vod_id);
// The answer to vod_token_request: the token, or NotFound (no such VOD), Integrity, Refused, Malformed.
struct VodTokenResult {
  std::optional<VodToken> token;
  VodApiError error;
};
VodTokenResult parse_vod_token_answer(std::string_view body);

// usher's VOD master playlist URL for a token; `nonce` keeps caches from answering.
std::string usher_vod_url(std::string_view usher_base, const std::string& vod_id, const VodToken& token, unsigned nonce);

// The comment page request: from the start of the VOD (no cursor), then by the cursor of the previous
// page's last comment.
std::string comment_page_request(const std::string& vod_id, const std::string& cursor);

struct CommentPage {
  std::vector<ChatLogEntry> entries;  // in the page's order
  std::string next_cursor;            // empty: the last page
  long long malformed = 0;            // comments without a usable time
};
struct CommentPageResult {
  std::optional<CommentPage> page;
  VodApiError error;
};
CommentPageResult parse_comment_page(std::string_view body);

}  // namespace hyped
