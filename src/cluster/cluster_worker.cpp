#include "cluster/cluster_worker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "cluster/balance.hpp"
#include "cluster/cluster_names.hpp"
#include "cluster/cluster_store.hpp"
#include "cluster/event_publisher.hpp"

namespace hyped::cluster {

namespace {

using Steady = std::chrono::steady_clock;

double unix_s() { return static_cast<double>(unix_now_ms()) / 1000.0; }

constexpr std::size_t kPendingLimit = 64;  // highlights kept per channel while warming up or fenced
constexpr auto kFlushTimeout = std::chrono::seconds(3);
constexpr auto kHandoverPoll = std::chrono::milliseconds(100);

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
      started_ms_(unix_now_ms()) {}

ClusterWorker::~ClusterWorker() { stop(); }

std::chrono::steady_clock::duration ClusterWorker::valid_for() const {
  // The server expires a lease lease_s after it stored the renewal, which is after we sent it; the margin
  // covers clocks that run at slightly different rates.
  const double s = store_.lease_s();
  return std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(s - std::min(1.0, s / 6.0)));
}

void ClusterWorker::start() {
  cpu_.sample();
  reconnects_seen_ = store_.reconnects();
  // Workers started together see each other only from their second round: claiming in the first would
  // let the first one up take every channel.
  claims_from_ = Steady::now() + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(store_.lease_s() / 3.0));
  thread_ = std::thread([this] { run(); });
}

void ClusterWorker::run() {
  const auto period = std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(store_.lease_s() / 3.0));
  auto next_round = Steady::now();
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    lock.unlock();
    const std::uint64_t reconnects = store_.reconnects();
    if (reconnects != reconnects_seen_) {
      // What the others held may have expired while the server was away: they re-assert it in their
      // first round, which every live worker runs within a period.
      reconnects_seen_ = reconnects;
      claims_from_ = Steady::now() + 2 * period;
      next_round = Steady::now();
    }
    if (Steady::now() >= next_round) {
      try {
        round();
      } catch (const std::exception& e) {
        // NATS down or slow: keep following what we have; leases are re-asserted once it answers.
        spdlog::warn("cluster: worker {}: {}", id_, e.what());
      }
      next_round = Steady::now() + period;
    } else {
      try {
        poll_handovers();
      } catch (const std::exception& e) {
        spdlog::warn("cluster: worker {}: {}", id_, e.what());
      }
    }
    const auto fence = fence_expired();
    bool awaiting = false;
    {
      std::lock_guard g(mu_);
      for (const auto& [name, f] : followed_) awaiting |= f.role == Role::Shadow && f.ready_sent;
    }
    auto wake = std::min(next_round, fence);
    if (awaiting) wake = std::min(wake, Steady::now() + kHandoverPoll);
    wake = std::min(wake, Steady::now() + std::chrono::milliseconds(250));  // notices a reconnect soon
    lock.lock();
    stop_cv_.wait_until(lock, wake, [this] { return stopping_; });
  }
}

std::chrono::steady_clock::time_point ClusterWorker::fence_expired() {
  const auto now = Steady::now();
  auto next = Steady::time_point::max();
  std::lock_guard lock(mu_);
  for (auto& [name, f] : followed_) {
    if (f.role != Role::Owner || f.silenced) continue;
    if (now < f.valid_until) {
      next = std::min(next, f.valid_until);
    } else if (!f.fenced) {
      f.fenced = true;
      spdlog::warn("cluster: stopped publishing '{}' at {:.3f} (its lease was not renewed in time)", name, unix_s());
    }
  }
  return next;
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
    std::lock_guard lock(mu_);
    if (role == Role::Owner) spdlog::info("cluster: stopped publishing '{}' at {:.3f} (the worker stops)", name, unix_s());
    followed_.erase(name);
  }
  publisher_.flush(kFlushTimeout);
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
  std::vector<std::string> ended;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : followed_)
      if (f.ended) ended.push_back(name);
  }
  for (const std::string& name : ended) {
    spdlog::info("cluster: the stream of '{}' ended; giving it back", name);
    drop(name, Stop::Release, "its stream ended");
  }
  auto view_of = [&](const ClusterStore::Shared& shared) {
    ClusterView view;
    for (const auto& [name, w] : wanted) view.wanted.insert(name);
    for (const auto& [name, e] : shared.leases) view.leases[name] = {e.lease.worker, e.lease.handover_to, e.lease.ready};
    const auto now = Steady::now();
    for (const WorkerStatus& w : shared.workers) {
      WorkerLoad load{w.worker, w.cpu_headroom, {}};
      for (const auto& [c, l] : w.channels) load.publishing.insert(c);
      recent_workers_[w.worker] = {std::move(load), now};
    }
    // A bucket read may miss a heartbeat written while it ran: a worker is gone when two rounds in a row
    // missed it (its heartbeat expired), not one.
    const auto grace = std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(store_.lease_s() / 2.0));
    for (auto w = recent_workers_.begin(); w != recent_workers_.end();) {
      if (now - w->second.second > grace) {
        w = recent_workers_.erase(w);
        continue;
      }
      view.workers.push_back(w->second.first);
      ++w;
    }
    return view;
  };
  {
    const ClusterStore::Shared before = store_.shared();
    renew(before.leases);
    advance_shadows(before.leases, view_of(before));
  }
  if (Steady::now() < claims_from_) return;
  const ClusterStore::Shared now = store_.shared();
  apply_plan(view_of(now), wanted, now.leases);
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
    for (const auto& [name, f] : followed_)
      if (!f.silenced) (f.role == Role::Owner ? st.channels : st.shadowing)[name] = f.load;
    st.streams = static_cast<int>(followed_.size());
  }
  store_.put_worker(st);
}

void ClusterWorker::renew(const std::map<std::string, LeaseEntry>& leases) {
  std::vector<std::pair<std::string, Lease>> owned;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : followed_)
      if (f.role == Role::Owner && !f.leaving) owned.emplace_back(name, f.lease);
  }
  for (const auto& [name, mine] : owned) {
    auto it = leases.find(name);
    std::optional<LeaseEntry> read_again;
    if (it == leases.end()) {
      // A bucket read may miss a key written while it ran: ask for this one before calling it expired.
      read_again = store_.lease(name);
    }
    std::optional<std::uint64_t> rev;
    const auto sent = Steady::now();
    const LeaseEntry* current = it != leases.end() ? &it->second : read_again ? &*read_again : nullptr;
    if (!current) {
      // Expired while NATS was away (or a renewal came too late): ours again unless someone took it.
      rev = store_.create_lease(name, mine);
      if (!rev) {
        drop(name, Stop::Lost, "lost while away: another worker follows it now");
        continue;
      }
      spdlog::info("cluster: lease of '{}' re-asserted", name);
    } else if (current->lease.worker != id_) {
      drop(name, Stop::Lost, "now followed by " + current->lease.worker);
      continue;
    } else {
      // Keep what a taker wrote into it (its hand-over readiness).
      rev = store_.update_lease(name, current->lease, current->revision);
      if (!rev) continue;  // written meanwhile: next round sees what
    }
    std::vector<Pending> pending;
    {
      std::lock_guard lock(mu_);
      const auto f = followed_.find(name);
      if (f == followed_.end() || f->second.role != Role::Owner) continue;
      Followed& g = f->second;
      g.revision = *rev;
      g.lease = current ? current->lease : mine;
      g.valid_until = sent + valid_for();
      if (g.fenced) {
        g.fenced = false;
        spdlog::info("cluster: publishing '{}' from {:.3f} (its lease renewed; {} highlights found meanwhile)", name,
                     unix_s(), g.pending.size());
        pending = std::move(g.pending);
        g.pending.clear();
      }
      for (const Pending& p : pending) publish_highlight(name, g, p.highlight, p.wall);
    }
  }
}

void ClusterWorker::advance_shadows(const std::map<std::string, LeaseEntry>& leases, const ClusterView& view) {
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
      if (!holder_of(view, name).empty()) continue;  // its holder is re-asserting it (a server restart)
      // The holder went away before handing over: claim it, warmed up already.
      Lease l{id_, "", false, unix_now_ms()};
      const auto sent = Steady::now();
      if (const auto rev = store_.create_lease(name, l))
        become_owner(name, *rev, l, sent, WallClock::time_point::min(), "its holder is gone");
      continue;
    }
    const Lease& l = it->second.lease;
    if (l.worker == id_) {
      take_over(name, it->second);
    } else if (l.handover_to != id_) {
      spdlog::info("cluster: hand-over of '{}' called off", name);
      drop(name, Stop::Release, "");
    } else if (!f.ready_sent && Steady::now() - f.since >= std::chrono::duration<double>(warmup_s_)) {
      Lease ready = l;
      ready.ready = true;
      if (store_.update_lease(name, ready, it->second.revision)) {
        std::lock_guard lock(mu_);
        if (auto g = followed_.find(name); g != followed_.end()) g->second.ready_sent = true;
      }
    }
  }
}

void ClusterWorker::poll_handovers() {
  if (!store_.connected()) return;
  std::vector<std::string> ready;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : followed_)
      if (f.role == Role::Shadow && f.ready_sent) ready.push_back(name);
  }
  for (const std::string& name : ready)
    if (const auto e = store_.lease(name); e && e->lease.worker == id_) take_over(name, *e);
}

void ClusterWorker::take_over(const std::string& channel, const LeaseEntry& e) {
  // Renewed at once: our clock then says how long it is ours.
  const auto sent = Steady::now();
  const auto rev = store_.update_lease(channel, e.lease, e.revision);
  if (!rev) return;  // changed meanwhile: the next round sees how
  double warm = 0;
  {
    std::lock_guard lock(mu_);
    if (auto f = followed_.find(channel); f != followed_.end()) warm = std::chrono::duration<double>(Steady::now() - f->second.since).count();
  }
  spdlog::info("cluster: took '{}' over from its holder ({:.1f} s warmed up)", channel, warm);
  // What this worker found after the holder stopped is news; before, the holder published it.
  const auto released = WallClock::time_point(std::chrono::milliseconds(e.lease.since_ms)) - std::chrono::seconds(1);
  become_owner(channel, *rev, e.lease, sent, released, "taken over");
}

void ClusterWorker::become_owner(const std::string& channel, std::uint64_t revision, const Lease& lease,
                                 Steady::time_point sent, WallClock::time_point after, const char* why) {
  const std::optional<HighlightEvent> last = store_.last_highlight(channel);
  std::lock_guard lock(mu_);
  auto it = followed_.find(channel);
  if (it == followed_.end()) return;
  Followed& f = it->second;
  f.role = Role::Owner;
  f.revision = revision;
  f.lease = lease;
  f.valid_until = sent + valid_for();
  f.fenced = false;
  claim_ownership(f, last);
  spdlog::info("cluster: publishing '{}' from {:.3f} ({})", channel, unix_s(), why);
  std::vector<Pending> pending = std::move(f.pending);
  f.pending.clear();
  for (const Pending& p : pending)
    if (p.fired >= after) publish_highlight(channel, f, p.highlight, p.wall);
}

void ClusterWorker::drop(const std::string& channel, Stop how, const std::string& why) {
  bool owner = false;
  {
    std::lock_guard lock(mu_);
    const auto it = followed_.find(channel);
    if (it == followed_.end()) return;
    Followed& f = it->second;
    owner = f.role == Role::Owner;
    f.leaving = true;
    if (how == Stop::Lost && owner) {
      // Not ours any more: not one more highlight from here.
      f.silenced = true;
      spdlog::warn("cluster: stopped publishing '{}' at {:.3f} ({}; {} highlights found while its lease had run out "
                   "are left to it)",
                   channel, unix_s(), why, f.pending.size());
      f.pending.clear();
    }
  }
  host_.unfollow(channel);  // its last highlights are published while we still hold it
  {
    std::lock_guard lock(mu_);
    if (owner && how != Stop::Lost) spdlog::info("cluster: stopped publishing '{}' at {:.3f} ({})", channel, unix_s(), why);
    followed_.erase(channel);
  }
  if (owner) publisher_.flush(kFlushTimeout);
  if (owner && how == Stop::Release) store_.delete_lease(channel);
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
    bool followed = false;
    {
      std::lock_guard lock(mu_);
      followed = followed_.count(c) > 0;
    }
    if (followed) drop(c, Stop::Release, "given up: no longer wanted here");
    else store_.delete_lease(c);  // a lease of ours from before a restart
  }
  for (const std::string& c : plan.complete) {
    const auto rev = revision_of(c);
    if (!rev) continue;
    const std::string to = leases.at(c).lease.handover_to;
    drop(c, Stop::HandOver, "handed over to " + to);
    if (store_.update_lease(c, Lease{to, "", false, unix_now_ms()}, *rev))
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
    Lease l{id_, "", false, unix_now_ms()};
    const auto sent = Steady::now();
    const auto rev = store_.create_lease(c, l);
    if (!rev) continue;  // another worker was quicker
    const std::optional<HighlightEvent> last = store_.last_highlight(c);
    {
      std::lock_guard lock(mu_);
      Followed f;
      f.role = Role::Owner;
      f.revision = *rev;
      f.lease = l;
      f.valid_until = sent + valid_for();
      claim_ownership(f, last);
      f.since = Steady::now();
      followed_[c] = std::move(f);
      spdlog::info("cluster: publishing '{}' from {:.3f} (claimed)", c, unix_s());
    }
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
      f.since = Steady::now();
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
  if (f.silenced) return std::nullopt;
  if (f.role == Role::Shadow || Steady::now() >= f.valid_until) {
    // Warming up, or the lease may have run out: kept until we know whose the channel is.
    // A shadow keeps each highlight as last revised (the taker publishes those the holder did not); an
    // owner keeps every message, to publish them in order once the lease is renewed.
    auto same = f.role == Role::Owner ? f.pending.end()
                                      : std::find_if(f.pending.begin(), f.pending.end(),
                                                     [&](const Pending& p) { return p.highlight.id == h.id; });
    if (same != f.pending.end()) *same = {h, wall, same->fired};  // a revision: keep when it first fired
    else if (f.pending.size() < kPendingLimit) f.pending.push_back({h, wall, WallClock::now()});
    else spdlog::warn("cluster: more than {} highlights of '{}' wait; one is not kept", kPendingLimit, channel);
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
