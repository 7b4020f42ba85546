// A worker of a hyped cluster: claims channels from the wanted set through leases in the key-value
// store, heartbeats them every lease_s / 3, gives them up when they are no longer wanted or when it holds
// more than its share, takes channels over from workers that joined or died, and publishes the highlights
// and action results of the channels it holds to the stream under cluster-wide ids.
//
// Never two publishers of a channel: a worker publishes a channel's highlights only while its lease is
// known to be alive (renewed less than lease_s ago, less a margin, by its own clock); what it finds
// after that waits until the lease is renewed, and is not published if the channel went to another.
// A holder lets go of a channel before the taker starts publishing it. Each change is logged as
// "publishing 'NAME' from T" / "stopped publishing 'NAME' at T" (T: Unix seconds, as the change happened).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cluster/balance.hpp"
#include "cluster/cluster_options.hpp"
#include "cluster/cluster_wire.hpp"
#include "cluster/cpu_headroom.hpp"

namespace hyped::cluster {

class ClusterStore;
class EventPublisher;
struct LeaseEntry;

// What a worker follows channels with (the live session, in the app). Called from the worker's control
// thread.
class ChannelHost {
 public:
  virtual ~ChannelHost() = default;
  virtual void follow(const WantedChannel& w) = 0;
  // Stops following; the channel's last highlights have reached the worker when it returns.
  virtual void unfollow(const std::string& name) = 0;
};

class ClusterWorker {
 public:
  // detector_warmup_s: how long a taker warms up by default; refractory_s: the detector's (a highlight of a
  // channel taken over that lies within it of the last one published is that same moment, seen again).
  ClusterWorker(ClusterStore& store, EventPublisher& publisher, ChannelHost& host, std::string id, ClusterOptions opt,
                double detector_warmup_s, double refractory_s);
  ~ClusterWorker();
  ClusterWorker(const ClusterWorker&) = delete;
  ClusterWorker& operator=(const ClusterWorker&) = delete;

  const std::string& id() const { return id_; }
  // Starts the control thread (claims, heartbeats, balancing).
  void start();
  // Stops following everything, lets the publisher drain, and hands every lease back so others take the
  // channels at once instead of after lease_s.
  void stop();

  // Detector thread: a highlight of a followed channel. Published and returned with its cluster-wide id
  // when this worker holds the channel; nullopt while it only warms up for a hand-over.
  std::optional<Highlight> on_highlight(const std::string& channel, const Highlight& h, WallClock::time_point wall);
  // Any thread: an action's result (its highlight_id already cluster-wide).
  void on_action(const ActionResult& r);
  // Detector thread: a followed channel's stream ended by itself; the lease is given up next round, so the
  // channel is claimed and followed afresh.
  void on_stream_ended(const std::string& channel);
  // Detector thread: how far a channel got, for the heartbeat.
  void on_progress(const std::string& channel, double media_s, double lag_s);

  // Channels held and being warmed up, for status and tests.
  std::vector<std::string> held() const;

 private:
  enum class Role { Owner, Shadow };
  struct Pending {
    Highlight highlight;
    WallClock::time_point wall;
    WallClock::time_point fired;
  };
  enum class Stop { Release, HandOver, Lost };
  struct Followed {
    Role role = Role::Owner;
    // Owner: publishing is allowed until then; past it, highlights wait in `pending` for a renewal.
    std::chrono::steady_clock::time_point valid_until;
    bool fenced = false;  // the lease ran out before it was renewed (logged once)
    std::uint64_t revision = 0;  // of the lease as we last wrote or read it
    Lease lease;                 // as we last wrote it (owner)
    int id_base = 0;             // cluster id = id_base + (local id - first_local + 1)
    int first_local = -1;        // first local id published; -1: none yet
    std::optional<WallClock::time_point> last_start;  // clip start of the last highlight published before us
    std::chrono::steady_clock::time_point since;
    bool ready_sent = false;
    std::vector<Pending> pending;  // shadow: found while warming up; owner: found while fenced
    ChannelLoad load;
    bool ended = false;  // its stream ended without our asking
    bool leaving = false;  // we asked the host to stop it
    bool silenced = false;  // lost to another worker: nothing more is published
  };

  void run();
  void round();
  void heartbeat();
  void renew(const std::map<std::string, LeaseEntry>& leases);
  void advance_shadows(const std::map<std::string, LeaseEntry>& leases, const ClusterView& view);
  // A ready taker: polls the leases it waits for, so publishing moves on right as the holder lets go.
  void poll_handovers();
  void take_over(const std::string& channel, const LeaseEntry& e);
  void apply_plan(const ClusterView& view, const std::map<std::string, WantedChannel>& wanted,
                  const std::map<std::string, LeaseEntry>& leases);
  // Starts publishing a channel whose lease was just written (at `sent`, or before) with `revision`;
  // pending highlights fired at or after `after` go out.
  void become_owner(const std::string& channel, std::uint64_t revision, const Lease& lease,
                    std::chrono::steady_clock::time_point sent, WallClock::time_point after, const char* why);
  void drop(const std::string& channel, Stop how, const std::string& why);
  // Logs the owners whose lease ran out; returns when the next one runs out.
  std::chrono::steady_clock::time_point fence_expired();
  std::chrono::steady_clock::duration valid_for() const;
  // Publishes under the cluster id; false when it is not ours to publish (see refractory_s).
  bool publish_highlight(const std::string& channel, Followed& f, const Highlight& local, WallClock::time_point wall);
  void claim_ownership(Followed& f, const std::optional<HighlightEvent>& last);

  ClusterStore& store_;
  EventPublisher& publisher_;
  ChannelHost& host_;
  const std::string id_;
  const ClusterOptions opt_;
  const double warmup_s_;
  const double refractory_s_;
  const long long started_ms_;

  mutable std::mutex mu_;  // followed_: the control thread and the detector thread
  std::map<std::string, Followed> followed_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
  CpuHeadroom cpu_;  // control thread
  // Control thread: no claims before then: at start, until the others have seen our heartbeat; after a
  // reconnect, until every live worker has heartbeated and re-asserted its leases.
  std::chrono::steady_clock::time_point claims_from_;
  std::uint64_t reconnects_seen_ = 0;
  // Control thread: the workers whose heartbeat a recent read showed, and when.
  std::map<std::string, std::pair<WorkerLoad, std::chrono::steady_clock::time_point>> recent_workers_;
};

}  // namespace hyped::cluster
