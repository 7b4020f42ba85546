// `hyped live --top N`: which channels to follow. Lists the top live channels (StreamLister) once at
// start, on the caller's thread, then every interval on its own thread, and tells the changes to the
// followed set as joins and leaves: a channel that went offline or dropped out of the top leaves, a new
// one joins. A failed listing keeps the set as it is and counts; refused credentials end discovery.
// A cluster's discovery leader takes each whole listing instead (on_listing) and starts and stops the
// re-listing as it gains and loses the lead.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/discovery_status.hpp"

namespace hyped {

struct DiscoveryOptions {
  std::string client_id;      // the app's; [discovery] client_id
  std::string client_secret;  // $HYPED_TWITCH_CLIENT_SECRET
  std::string api_url = "https://api.twitch.tv";
  std::string id_url = "https://id.twitch.tv";
  double interval_s = 60;  // between listings
  int max_pages = 10;      // of 100 streams each, per listing
  std::string ca_file;     // extra CA certificates (PEM)
};

struct TopRequest {
  int count = 10;
  std::string game;      // a name or an id; empty: any
  std::string language;  // e.g. "en"; empty: any
  long long min_viewers = 0;
};

class ChannelDiscovery {
 public:
  ChannelDiscovery(DiscoveryOptions opt, TopRequest req);
  ~ChannelDiscovery();  // stops
  ChannelDiscovery(const ChannelDiscovery&) = delete;
  ChannelDiscovery& operator=(const ChannelDiscovery&) = delete;

  // Called on the thread that lists (list_now: the caller's; then discovery's own). Set before list_now.
  std::function<void(const std::string& login)> on_join, on_leave;
  // Every listing that went through, whole (most watched first), before its joins and leaves. A throw
  // makes it a failed listing.
  std::function<void(const std::vector<std::string>& logins)> on_listing;
  std::function<void(const DiscoveryStatus&)> on_status;
  // Twitch refused the credentials during a later listing: discovery has stopped.
  std::function<void(const std::string& error)> on_fatal;

  // The first listing. Throws with one clear line: AppCredentialsError (refused credentials), or
  // std::runtime_error (an unknown game, Twitch not answering).
  void list_now();
  // Gets the app access token, to learn at start whether Twitch takes the credentials, without listing.
  // Throws AppCredentialsError, or std::runtime_error when Twitch does not answer.
  void check_credentials();
  // Lists again every interval on its own thread until stop(); list_at_once: the first listing now.
  // May be started again after stop().
  void start(bool list_at_once = false);
  void stop();
  // Any thread: a channel the session stopped following on its own; a later listing may add it again.
  void forget(const std::string& login);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hyped
