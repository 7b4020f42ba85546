#include "cluster/cluster_worker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "cluster/balance.hpp"
#include "cluster/cluster_names.hpp"
#include "cluster/cluster_store.hpp"
#include "cluster/event_publisher.hpp"

namespace hyped::cluster {

namespace {

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(WallClock::now().time_since_epoch()).count();
}

constexpr std::size_t kPendingLimit = 64;  // highlights kept per channel while warming up
constexpr auto kFlushTimeout = std::chrono::seconds(3);

}  // namespace

ClusterWorker::ClusterWorker(ClusterStore& store, EventPublisher& publisher, ChannelHost& host, std::string id,
                             ClusterOptions opt, double detector_warmup_s, double refractory_s)
    : store_(store),
      publisher_(publisher),
      host_(host),
      id_(std::move(id)),
      opt_(std::move(opt)),
      warmup_s_(opt_.handover_warmup_s >= 0 ? opt_.handover_warmup_s : detector_warmup_s + 2.0),
      refractory_s_(refractory_s),
      started_ms_(now_ms()) {}

ClusterWorker::~ClusterWorker() { stop(); }

void ClusterWorker::start() {
  cpu_.sample();
  thread_ = std::thread([this] { run(); });
}

void ClusterWorker::run() {
  const auto period = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(store_.lease_s() / 3.0));
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    lock.unlock();
    try {
      round();
    } catch (const std::exception& e) {
      // NATS down or slow: keep following what we have; leases are re-asserted once it answers.
      spdlog::warn("cluster: worker {}: {}", id_, e.what());
    }
    lock.lock();
    // A taker that is ready polls fast, so the channel's publishing moves on the moment the holder lets go.
    bool awaiting = false;
    {
      std::lock_guard g(mu_);
      for (const auto& [name, f] : followed_) awaiting |= f.role == Role::Shadow && f.ready_sent;
    }
    stop_cv_.wait_for(lock, awaiting ? std::min(period, std::chrono::milliseconds(250)) : period, [this] { return stopping_; });
  }
}

void ClusterWorker::stop() {
  {
    std::lock_guard lock(stop_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<std::pair<std::string, Role>> all;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : followed_) all.emplace_back(name, f.role);
  }
  for (const auto& [name, role] : all) {
    host_.unfollow(name);
    if (role == Role::Owner) publisher_.flush(kFlushTimeout);
  }
  for (const auto& [name, role] : all) {
    if (role != Role::Owner) continue;
    try {
      store_.delete_lease(name);
    } catch (const std::exception& e) {
      spdlog::warn("cluster: {} (it frees itself after {} s)", e.what(), store_.lease_s());
    }
  }
  try {
    store_.delete_worker(id_);
  } catch (const std::exception&) {
  }
  std::lock_guard lock(mu_);
  followed_.clear();
}

std::vector<std::string> ClusterWorker::held() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, f] : followed_)
    if (f.role == Role::Owner) out.push_back(name);
  return out;
}

void ClusterWorker::round() {
  if (!store_.connected()) return;  // keep following; the leases are re-asserted after the reconnect
  std::map<std::string, WantedChannel> wanted;
  for (WantedChannel& w : store_.wanted()) wanted.emplace(w.name, std::move(w));
  heartbeat();
  if (!seen_by_others_) {
    // Workers started together see each other only from their second round: claiming in the first
    // would let the first one up take every channel.
    seen_by_others_ = true;
    return;
  }
  std::vector<std::string> ended;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : followed_)
      if (f.ended) ended.push_back(name);
  }
  for (const std::string& name : ended) {
    spdlog::info("cluster: the stream of '{}' ended; giving it back", name);
    bool owner = false;
    {
      std::lock_guard lock(mu_);
      owner = followed_.at(name).role == Role::Owner;
    }
    drop(name, owner);
  }
  renew(store_.leases());
  advance_shadows(store_.leases());
  const std::map<std::string, LeaseEntry> leases = store_.leases();
  ClusterView view;
  for (const auto& [name, w] : wanted) view.wanted.insert(name);
  for (const auto& [name, e] : leases) view.leases[name] = {e.lease.worker, e.lease.handover_to, e.lease.ready};
  for (const WorkerStatus& w : store_.workers()) view.workers.push_back({w.worker, w.cpu_headroom});
  apply_plan(view, wanted, leases);
}

void ClusterWorker::heartbeat() {
  WorkerStatus st;
  st.worker = id_;
  st.cpu_headroom = cpu_.sample();
  st.started_ms = started_ms_;
  const PublisherCounters c = publisher_.counters();
  st.published = c.published;
  st.buffered = static_cast<long long>(c.buffered);
  st.dropped = c.dropped;
  st.connected = store_.connected();
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : followed_) (f.role == Role::Owner ? st.channels : st.shadowing)[name] = f.load;
    st.streams = static_cast<int>(followed_.size());
  }
  store_.put_worker(st);
}

void ClusterWorker::renew(const std::map<std::string, LeaseEntry>& leases) {
  std::vector<std::pair<std::string, Lease>> owned;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : followed_)
      if (f.role == Role::Owner) owned.emplace_back(name, f.lease);
  }
  for (const auto& [name, mine] : owned) {
    const auto it = leases.find(name);
    std::optional<std::uint64_t> rev;
    if (it == leases.end()) {
      // Expired while NATS was away (or a heartbeat came too late): ours again unless someone took it.
      rev = store_.create_lease(name, mine);
      if (!rev) {
        spdlog::warn("cluster: lost '{}' while away; another worker follows it now", name);
        drop(name, false);
        continue;
      }
      spdlog::info("cluster: lease of '{}' re-asserted", name);
    } else if (it->second.lease.worker != id_) {
      spdlog::warn("cluster: '{}' is now followed by {}; letting it go", name, it->second.lease.worker);
      drop(name, false);
      continue;
    } else {
      // Keep what a taker wrote into it (its hand-over readiness).
      rev = store_.update_lease(name, it->second.lease, it->second.revision);
      if (!rev) continue;  // written meanwhile: next round sees what
    }
    std::lock_guard lock(mu_);
    if (auto f = followed_.find(name); f != followed_.end()) {
      f->second.revision = *rev;
      f->second.lease = it == leases.end() ? mine : it->second.lease;
    }
  }
}

void ClusterWorker::advance_shadows(const std::map<std::string, LeaseEntry>& leases) {
  std::vector<std::pair<std::string, Followed>> shadows;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : followed_)
      if (f.role == Role::Shadow) {
        Followed state = f;
        state.pending.clear();
        shadows.emplace_back(name, std::move(state));
      }
  }
  for (const auto& [name, f] : shadows) {
    const auto it = leases.find(name);
    if (it == leases.end()) {
      // The holder went away before handing over: claim it, warmed up already.
      Lease l{id_, "", false, now_ms()};
      if (const auto rev = store_.create_lease(name, l)) {
        spdlog::info("cluster: took '{}' (its holder is gone)", name);
        become_owner(name, *rev, l, WallClock::time_point::min());
      }
      continue;
    }
    const Lease& l = it->second.lease;
    if (l.worker == id_) {
      const double warm = std::chrono::duration<double>(std::chrono::steady_clock::now() - f.since).count();
      spdlog::info("cluster: took '{}' over from its holder ({:.1f} s warmed up)", name, warm);
      // What this worker found after the holder stopped is news; before, the holder published it.
      const auto released = WallClock::time_point(std::chrono::milliseconds(l.since_ms)) - std::chrono::seconds(1);
      become_owner(name, it->second.revision, l, released);
    } else if (l.handover_to != id_) {
      spdlog::info("cluster: hand-over of '{}' called off", name);
      drop(name, false);
    } else if (!f.ready_sent && std::chrono::steady_clock::now() - f.since >= std::chrono::duration<double>(warmup_s_)) {
      Lease ready = l;
      ready.ready = true;
      if (store_.update_lease(name, ready, it->second.revision)) {
        std::lock_guard lock(mu_);
        if (auto g = followed_.find(name); g != followed_.end()) g->second.ready_sent = true;
      }
    }
  }
}

void ClusterWorker::become_owner(const std::string& channel, std::uint64_t revision, const Lease& lease,
                                 WallClock::time_point after) {
  const std::optional<HighlightEvent> last = store_.last_highlight(channel);
  std::lock_guard lock(mu_);
  auto it = followed_.find(channel);
  if (it == followed_.end()) return;
  Followed& f = it->second;
  f.role = Role::Owner;
  f.revision = revision;
  f.lease = lease;
  claim_ownership(f, last);
  std::vector<Pending> pending = std::move(f.pending);
  f.pending.clear();
  for (const Pending& p : pending)
    if (p.fired >= after) publish_highlight(channel, f, p.highlight, p.wall);
}

void ClusterWorker::drop(const std::string& channel, bool delete_lease) {
  bool owner = false;
  {
    std::lock_guard lock(mu_);
    const auto it = followed_.find(channel);
    if (it == followed_.end()) return;
    owner = it->second.role == Role::Owner;
    it->second.leaving = true;
  }
  host_.unfollow(channel);  // its last highlights are published while we still hold it
  if (owner) publisher_.flush(kFlushTimeout);
  {
    std::lock_guard lock(mu_);
    followed_.erase(channel);
  }
  if (delete_lease) store_.delete_lease(channel);
}

void ClusterWorker::apply_plan(const ClusterView& view, const std::map<std::string, WantedChannel>& wanted,
                               const std::map<std::string, LeaseEntry>& leases) {
  const ClaimPlan plan = plan_claims(view, id_, {opt_.min_cpu_headroom, opt_.handover});
  auto revision_of = [&](const std::string& c) -> std::optional<std::uint64_t> {
    const auto it = leases.find(c);
    if (it == leases.end() || it->second.lease.worker != id_) return std::nullopt;
    return it->second.revision;
  };
  for (const std::string& c : plan.release) {
    spdlog::info("cluster: giving up '{}'", c);
    bool followed = false;
    {
      std::lock_guard lock(mu_);
      followed = followed_.count(c) > 0;
    }
    if (followed) drop(c, true);
    else store_.delete_lease(c);  // a lease of ours from before a restart
  }
  for (const std::string& c : plan.complete) {
    const auto rev = revision_of(c);
    if (!rev) continue;
    const std::string to = leases.at(c).lease.handover_to;
    drop(c, false);
    spdlog::info("cluster: stopped publishing '{}' for {}", c, to);
    if (store_.update_lease(c, Lease{to, "", false, now_ms()}, *rev))
      spdlog::info("cluster: handed '{}' over to {}", c, to);
    else
      spdlog::warn("cluster: hand-over of '{}' to {} raced with a change; the lease frees itself", c, to);
  }
  for (const std::string& c : plan.cancel_handover)
    if (const auto rev = revision_of(c)) store_.update_lease(c, Lease{id_, "", false, leases.at(c).lease.since_ms}, *rev);
  for (const Handover& h : plan.hand_over)
    if (const auto rev = revision_of(h.channel)) {
      if (store_.update_lease(h.channel, Lease{id_, h.to, false, leases.at(h.channel).lease.since_ms}, *rev))
        spdlog::info("cluster: offering '{}' to {}", h.channel, h.to);
    }
  for (const std::string& c : plan.claim) {
    const auto w = wanted.find(c);
    if (w == wanted.end()) continue;
    Lease l{id_, "", false, now_ms()};
    const auto rev = store_.create_lease(c, l);
    if (!rev) continue;  // another worker was quicker
    const std::optional<HighlightEvent> last = store_.last_highlight(c);
    {
      std::lock_guard lock(mu_);
      Followed f;
      f.role = Role::Owner;
      f.revision = *rev;
      f.lease = l;
      claim_ownership(f, last);
      f.since = std::chrono::steady_clock::now();
      followed_[c] = std::move(f);
    }
    spdlog::info("cluster: following '{}'", c);
    host_.follow(w->second);
  }
  for (const std::string& c : plan.shadow) {
    const auto w = wanted.find(c);
    if (w == wanted.end()) continue;
    {
      std::lock_guard lock(mu_);
      if (followed_.count(c) > 0) continue;
      Followed f;
      f.role = Role::Shadow;
      f.since = std::chrono::steady_clock::now();
      followed_[c] = std::move(f);
    }
    spdlog::info("cluster: warming up on '{}' to take it over", c);
    host_.follow(w->second);
  }
}

void ClusterWorker::claim_ownership(Followed& f, const std::optional<HighlightEvent>& last) {
  f.id_base = last ? last->highlight.id : 0;
  f.first_local = -1;
  f.last_start.reset();
  if (last) f.last_start = clip_start_wall(last->highlight, last->wall);
}

bool ClusterWorker::publish_highlight(const std::string& channel, Followed& f, const Highlight& local,
                                      WallClock::time_point wall) {
  if (f.first_local < 0) {
    if (local.revision > 0) return false;  // a revision of one found before we held the channel
    // Within the refractory period of the previous holder's last highlight: the same moment, which the
    // detector would not fire twice. Seen again by a taker that warmed up on it, or after a restart.
    if (f.last_start && std::chrono::abs(clip_start_wall(local, wall) - *f.last_start) <
                            std::chrono::duration<double>(refractory_s_))
      return false;
    f.first_local = local.id;
  }
  if (local.id < f.first_local) return false;
  Highlight h = local;
  h.id = f.id_base + (local.id - f.first_local) + 1;
  publisher_.publish(highlight_subject(channel), encode_highlight_event({channel, h, wall, id_}),
                     highlight_msg_id(channel, clip_start_wall(h, wall), h.revision));
  return true;
}

std::optional<Highlight> ClusterWorker::on_highlight(const std::string& channel, const Highlight& h, WallClock::time_point wall) {
  std::lock_guard lock(mu_);
  const auto it = followed_.find(channel);
  if (it == followed_.end()) return std::nullopt;
  Followed& f = it->second;
  if (f.role == Role::Shadow) {
    auto same = std::find_if(f.pending.begin(), f.pending.end(), [&](const Pending& p) { return p.highlight.id == h.id; });
    if (same != f.pending.end()) *same = {h, wall, same->fired};  // a revision: keep when it first fired
    else if (f.pending.size() < kPendingLimit) f.pending.push_back({h, wall, WallClock::now()});
    return std::nullopt;
  }
  if (!publish_highlight(channel, f, h, wall)) return std::nullopt;
  Highlight out = h;
  out.id = f.id_base + (h.id - f.first_local) + 1;
  return out;
}

void ClusterWorker::on_action(const ActionResult& r) {
  publisher_.publish(action_subject(r.channel), encode_action_event(r), action_msg_id(r.channel, r.highlight_id, to_string(r.kind)));
}

void ClusterWorker::on_stream_ended(const std::string& channel) {
  std::lock_guard lock(mu_);
  if (auto it = followed_.find(channel); it != followed_.end() && !it->second.leaving) it->second.ended = true;
}

void ClusterWorker::on_progress(const std::string& channel, double media_s, double lag_s) {
  std::lock_guard lock(mu_);
  if (auto it = followed_.find(channel); it != followed_.end()) it->second.load = {media_s, lag_s};
}

}  // namespace hyped::cluster
