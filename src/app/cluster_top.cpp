#include "app/cluster_top.hpp"

#include <spdlog/spdlog.h>

#include <map>

#include "cluster/cluster_store.hpp"
#include "cluster/listing_reconcile.hpp"

namespace hyped {

ClusterTopLister::ClusterTopLister(cluster::ClusterStore& store, ChannelDiscovery& discovery,
                                   const std::string& worker_id, const std::string& request)
    : store_(store), discovery_(discovery), election_(store, worker_id, request) {
  discovery_.on_listing = [this](const std::vector<std::string>& logins) { write_listing(logins); };
  discovery_.on_status = [this](const DiscoveryStatus& st) {
    if (st.failures > failures_seen_) election_.report_listing(0, st.last_error);
    failures_seen_ = st.failures;
    if (on_status) on_status(st);
  };
  // The listing runs only while this worker leads; it is stopped before the key can pass to another.
  election_.on_elected = [this] { discovery_.start(/*list_at_once=*/true); };
  election_.on_deposed = [this] { discovery_.stop(); };
}

ClusterTopLister::~ClusterTopLister() { stop(); }

void ClusterTopLister::start() { election_.start(); }

void ClusterTopLister::stop() { election_.stop(); }

void ClusterTopLister::write_listing(const std::vector<std::string>& logins) {
  // A listing that outlived the lead is the next leader's to write.
  if (!election_.leading()) return;
  const cluster::ClusterStore::WantedSet set = store_.wanted_set();
  std::map<std::string, cluster::WantedChannel> wanted;
  for (const auto& [name, e] : set.channels) wanted.emplace(name, e.channel);
  const cluster::ListingChanges change = cluster::reconcile_listing(logins, wanted, set.skipped);
  for (const std::string& name : change.ignored) spdlog::warn("discovery: '{}' is not usable as a channel name", name);
  int added = 0, removed = 0;
  for (const std::string& name : change.add) {
    if (!election_.leading()) return;
    cluster::WantedChannel w;
    w.name = name;
    w.discovered = true;
    if (store_.create_wanted(w)) {
      spdlog::info("discovery: {} is wanted (listed)", name);
      ++added;
    }
  }
  for (const std::string& name : change.remove) {
    if (!election_.leading()) return;
    if (store_.remove_wanted_at(name, set.channels.at(name).revision)) {
      spdlog::info("discovery: {} is no longer wanted (left the listing)", name);
      ++removed;
    }
  }
  for (const std::string& name : change.unskip) {
    if (!election_.leading()) return;
    store_.unskip_wanted(name);
  }
  election_.report_listing(static_cast<int>(logins.size()), "");
  if (added > 0 || removed > 0)
    spdlog::info("discovery: {} listed; {} added to the wanted set, {} taken out", logins.size(), added, removed);
}

std::string describe_top_request(const TopRequest& req) {
  std::string out = "top " + std::to_string(req.count);
  if (!req.game.empty()) out += ", game " + req.game;
  if (!req.language.empty()) out += ", language " + req.language;
  if (req.min_viewers > 0) out += ", at least " + std::to_string(req.min_viewers) + " viewers";
  return out;
}

}  // namespace hyped
