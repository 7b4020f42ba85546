// The pure side of channel discovery: Helix Get Streams and Get Games answers and the OAuth token answer
// parsed (a result with the reason, never a throw), the top-N listing assembled page by page, and the
// followed set's change between two listings. No I/O: stream_lister and app_token do that around it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hyped {

struct LiveChannel {
  std::string login;
  long long viewers = 0;
  std::string game_id, language;
};

struct StreamsPage {
  std::vector<LiveChannel> streams;  // Helix lists them by viewers, most first
  std::string cursor;                // pagination.cursor; empty on the last page
};
struct StreamsPageResult {
  std::optional<StreamsPage> page;
  std::string error;
};
StreamsPageResult parse_streams_page(std::string_view body);

// Get Games by name: the game's id, or why there is none ("no game named 'x' on Twitch").
struct GameLookup {
  std::optional<std::string> id;
  std::string error;
};
GameLookup parse_game_lookup(std::string_view body, std::string_view name);

// The OAuth client-credentials answer: the app access token and its lifetime, or why Twitch refused
// ("Twitch refused the app credentials: invalid client secret"). `refused`: the credentials are wrong
// (400/401/403), so asking again cannot help.
struct AppTokenResult {
  std::string token;
  long long expires_in_s = 0;
  std::string error;
  bool refused = false;
};
AppTokenResult parse_app_token(int status, std::string_view body);
// The form body of the client-credentials grant.
std::string app_token_request_body(std::string_view client_id, std::string_view client_secret);

struct TopQuery {
  int count = 10;               // channels wanted
  std::string game_id;          // empty: any game
  std::string language;         // empty: any language
  long long min_viewers = 0;
};
// GET /helix/streams?first=100[&game_id=][&language=][&after=CURSOR] under api_url.
std::string streams_url(std::string_view api_url, const TopQuery& q, std::string_view cursor);

// The top `count` live channels with at least min_viewers, from Get Streams pages as they come: a
// channel listed twice (viewer counts shift between pages) counts once, and listing ends at `count`,
// at the last page, at the first channel below min_viewers (the rest have fewer), or after max_pages.
class TopListing {
 public:
  TopListing(TopQuery q, int max_pages);
  // Takes the next page; returns the cursor to ask for next, nothing once the listing is complete.
  std::optional<std::string> add_page(const StreamsPage& page);
  const std::vector<LiveChannel>& channels() const { return channels_; }
  int pages() const { return pages_; }

 private:
  TopQuery q_;
  int max_pages_;
  int pages_ = 0;
  std::vector<LiveChannel> channels_;
};

// How the followed set changes to become `wanted`: those to leave (in followed order) and to join (in
// wanted order).
struct SetChange {
  std::vector<std::string> leave, join;
};
SetChange diff_followed(const std::vector<std::string>& followed, const std::vector<std::string>& wanted);

}  // namespace hyped
