// Twitch channel → HLS: a playback access token from Twitch's GQL API (the PlaybackAccessToken
// persisted query, as the web player sends it), then the usher master playlist for the channel, from
// which the audio_only rendition is chosen. Base URLs and Client-ID are settings so tests can point
// them at loopback stand-ins.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <stdexcept>
#include <string>

#include "live/http_client.hpp"

namespace hyped {

struct TwitchOptions {
  std::string gql_url = "https://gql.twitch.tv/gql";
  std::string usher_url = "https://usher.ttvnw.net";
  std::string client_id = "kimne78kx3ncx6brgo4mv6wki5h1ko";  // the public web player's
};

struct TwitchStream {
  std::string master_url;  // usher URL with sig/token
  std::string media_url;   // the chosen rendition's media playlist
  std::string rendition;   // "audio_only", or what was chosen instead
};

// The channel is offline, does not exist, or Twitch refused a token: one clear line in what().
class TwitchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The channel exists but is not live (usher has no playlist for it).
class TwitchOfflineError : public TwitchError {
 public:
  using TwitchError::TwitchError;
};

// Twitch did not answer (timeout, refused or dropped connection) or answered 5xx/429: a hiccup that says
// nothing about the channel; asking again later may work.
class TwitchUnavailableError : public TwitchError {
 public:
  using TwitchError::TwitchError;
};

// Throws TwitchError (TwitchOfflineError when the channel is offline, TwitchUnavailableError when Twitch
// did not answer).
boost::asio::awaitable<TwitchStream> resolve_twitch_stream(HttpClient& http, const TwitchOptions& opt, std::string channel);

// Lower-cased login; throws std::invalid_argument unless 1–25 of [a-z0-9_] (Twitch's login rules).
std::string normalize_twitch_login(const std::string& channel);

}  // namespace hyped
