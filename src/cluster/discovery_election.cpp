#include "cluster/discovery_election.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "cluster/cluster_store.hpp"

namespace hyped::cluster {

namespace {

using Steady = std::chrono::steady_clock;

Steady::duration seconds(double s) {
  return std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(s));
}

}  // namespace

DiscoveryElection::DiscoveryElection(ClusterStore& store, std::string worker_id, std::string request)
    : store_(store), id_(std::move(worker_id)), request_(std::move(request)) {}

DiscoveryElection::~DiscoveryElection() { stop(); }

void DiscoveryElection::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

bool DiscoveryElection::leading() const {
  std::lock_guard lock(mu_);
  return leader_ && Steady::now() < valid_until_;
}

void DiscoveryElection::report_listing(int listed, const std::string& error) {
  std::lock_guard lock(mu_);
  if (!error.empty()) {
    lead_.last_error = error;
    return;
  }
  ++lead_.listings;
  lead_.last_listing_ms = unix_now_ms();
  lead_.listed = listed;
  lead_.last_error.clear();
}

void DiscoveryElection::run() {
  const auto period = seconds(store_.lease_s() / 3.0);
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    lock.unlock();
    try {
      step();
    } catch (const std::exception& e) {
      // NATS away or slow: a leader keeps listing until its key may have run out (below).
      spdlog::warn("cluster: discovery election: {}", e.what());
    }
    auto wake = Steady::now() + period;
    bool expired = false;
    {
      std::lock_guard g(mu_);
      if (leader_) {
        expired = Steady::now() >= valid_until_;
        wake = std::min(wake, valid_until_);
      }
    }
    if (expired) depose("its key was not renewed in time");
    lock.lock();
    stop_cv_.wait_until(lock, wake, [this] { return stopping_; });
  }
}

void DiscoveryElection::step() {
  if (!store_.connected()) return;
  bool leader = false;
  std::uint64_t revision = 0;
  DiscoveryLead lead;
  {
    std::lock_guard lock(mu_);
    leader = leader_;
    revision = revision_;
    lead = lead_;
  }
  const auto sent = Steady::now();
  if (leader) {
    const auto next = store_.update_discovery_lead(lead, revision);
    if (!next) {
      depose("its key was written by another: it had expired");
      return;
    }
    std::lock_guard lock(mu_);
    revision_ = *next;
    // The server expires the key lease_s after it stored the renewal, which is after we sent it; the
    // margin covers clocks that run at slightly different rates.
    const double s = store_.lease_s();
    valid_until_ = sent + seconds(s - std::min(1.0, s / 6.0));
    return;
  }
  DiscoveryLead mine;
  mine.worker = id_;
  mine.since_ms = unix_now_ms();
  mine.request = request_;
  const auto created = store_.create_discovery_lead(mine);
  if (!created) return;  // another worker leads, or its key has not expired yet
  {
    std::lock_guard lock(mu_);
    lead_ = mine;
  }
  elect(*created, sent);
}

void DiscoveryElection::elect(std::uint64_t revision, Steady::time_point sent) {
  {
    std::lock_guard lock(mu_);
    leader_ = true;
    revision_ = revision;
    const double s = store_.lease_s();
    valid_until_ = sent + seconds(s - std::min(1.0, s / 6.0));
  }
  spdlog::info("cluster: discovery leader from {:.3f}: {} lists the {}", static_cast<double>(unix_now_ms()) / 1000.0, id_,
               request_);
  if (on_elected) on_elected();
}

void DiscoveryElection::depose(const char* why) {
  {
    std::lock_guard lock(mu_);
    if (!leader_) return;
    leader_ = false;
  }
  spdlog::info("cluster: no longer the discovery leader at {:.3f} ({})", static_cast<double>(unix_now_ms()) / 1000.0, why);
  if (on_deposed) on_deposed();
}

void DiscoveryElection::stop() {
  {
    std::lock_guard lock(stop_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  const bool held = leading();
  depose("the worker stops");  // the listing stops before the key goes, so a successor never overlaps it
  if (!held) return;
  try {
    store_.delete_discovery_lead();
  } catch (const std::exception& e) {
    spdlog::warn("cluster: {} (it frees itself after {} s)", e.what(), store_.lease_s());
  }
}

}  // namespace hyped::cluster
