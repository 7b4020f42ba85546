#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "cluster/balance.hpp"

using namespace hyped::cluster;

namespace {

ClusterView view_of(int channels, std::vector<std::string> workers) {
  ClusterView v;
  for (int i = 0; i < channels; ++i) {
    std::string name = "c";
    name += std::to_string(100 + i);
    v.wanted.insert(name);
  }
  for (auto& w : workers) v.workers.push_back({w, 1.0, {}});
  return v;
}

// Runs rounds in which every worker applies its plan to the shared view (claims that collide go to
// the first asker), until nothing changes; hand-overs complete at once.
int settle(ClusterView& v, const BalanceOptions& opt, int max_rounds = 20) {
  for (int round = 1; round <= max_rounds; ++round) {
    bool changed = false;
    for (const WorkerLoad& w : v.workers) {
      const ClaimPlan p = plan_claims(v, w.id, opt);
      for (const auto& c : p.release) changed |= v.leases.erase(c) > 0;
      for (const auto& c : p.claim)
        if (v.leases.emplace(c, LeaseView{w.id, "", false}).second) changed = true;
      for (const auto& h : p.hand_over) {
        v.leases[h.channel] = {h.to, "", false};
        changed = true;
      }
    }
    if (!changed) return round;
  }
  return -1;
}

std::map<std::string, int> counts(const ClusterView& v) {
  std::map<std::string, int> n;
  for (const auto& [c, l] : v.leases) ++n[l.owner];
  return n;
}

}  // namespace

TEST_CASE("targets spread the wanted channels evenly and sum to them") {
  ClusterView v = view_of(30, {"a", "b", "c"});
  auto t = target_shares(v, {});
  CHECK(t["a"] == 10);
  CHECK(t["b"] == 10);
  CHECK(t["c"] == 10);
  v = view_of(31, {"a", "b", "c"});
  t = target_shares(v, {});
  CHECK(t["a"] + t["b"] + t["c"] == 31);
  CHECK(std::max({t["a"], t["b"], t["c"]}) - std::min({t["a"], t["b"], t["c"]}) == 1);
}

TEST_CASE("three workers starting together split 30 free channels 10/10/10 without colliding") {
  ClusterView v = view_of(30, {"a", "b", "c"});
  std::set<std::string> claimed;
  for (const char* w : {"a", "b", "c"}) {
    const ClaimPlan p = plan_claims(v, w, {});
    CHECK(p.claim.size() == 10);
    for (const auto& c : p.claim) CHECK(claimed.insert(c).second);  // the same deal for everyone: no collision
  }
  CHECK(claimed.size() == 30);
}

TEST_CASE("a dead worker's channels go to the others, evenly") {
  ClusterView v = view_of(30, {"a", "b", "c"});
  REQUIRE(settle(v, {}) > 0);
  // c dies: its heartbeat and its leases expire.
  v.workers.erase(std::remove_if(v.workers.begin(), v.workers.end(), [](const WorkerLoad& w) { return w.id == "c"; }),
                  v.workers.end());
  for (auto it = v.leases.begin(); it != v.leases.end();) it = it->second.owner == "c" ? v.leases.erase(it) : std::next(it);
  REQUIRE(settle(v, {}) > 0);
  CHECK(v.leases.size() == 30);
  CHECK(counts(v)["a"] == 15);
  CHECK(counts(v)["b"] == 15);
}

TEST_CASE("a joining worker is offered a share by hand-over, never more than it lacks") {
  ClusterView v = view_of(30, {"a", "b"});
  REQUIRE(settle(v, {}) > 0);
  CHECK(counts(v)["a"] == 15);
  v.workers.push_back({"c", 1.0, {}});
  const ClaimPlan pa = plan_claims(v, "a", {});
  const ClaimPlan pb = plan_claims(v, "b", {});
  CHECK(pa.claim.empty());
  CHECK(pa.release.empty());
  CHECK(pa.hand_over.size() == 5);
  CHECK(pb.hand_over.size() == 5);
  for (const auto& h : pa.hand_over) CHECK(h.to == "c");
  // Once offered, the offers count: no second round of offers.
  const std::string taker = "c";
  for (const auto& h : pa.hand_over) v.leases[h.channel].handover_to.assign(taker);
  CHECK(plan_claims(v, "a", {}).hand_over.empty());
  // The taker is told to warm up on exactly those.
  const ClaimPlan pc = plan_claims(v, "c", {});
  CHECK(pc.shadow.size() == 5);
  CHECK(pc.claim.empty());
  // Ready: the holder completes; taker gone: the holder calls it off.
  v.leases[pa.hand_over[0].channel].ready = true;
  CHECK(plan_claims(v, "a", {}).complete == std::vector<std::string>{pa.hand_over[0].channel});
  v.workers.pop_back();
  CHECK(plan_claims(v, "a", {}).cancel_handover.size() == 5);
}

TEST_CASE("without hand-over, the surplus is released for the joiner to claim, and it settles evenly") {
  ClusterView v = view_of(30, {"a", "b"});
  REQUIRE(settle(v, {0.1, false}) > 0);
  v.workers.push_back({"c", 1.0, {}});
  REQUIRE(settle(v, {0.1, false}) > 0);
  CHECK(counts(v)["a"] == 10);
  CHECK(counts(v)["b"] == 10);
  CHECK(counts(v)["c"] == 10);
  // Settled: nobody wants to move anything.
  for (const char* w : {"a", "b", "c"}) {
    const ClaimPlan p = plan_claims(v, w, {0.1, false});
    CHECK(p.claim.empty());
    CHECK(p.release.empty());
  }
}

TEST_CASE("a worker without CPU headroom takes nothing new; the others take the rest") {
  ClusterView v = view_of(12, {"a", "b", "c"});
  v.workers[2].cpu_headroom = 0.02;
  REQUIRE(settle(v, {}) > 0);
  CHECK(counts(v)["c"] == 0);
  CHECK(counts(v)["a"] == 6);
  CHECK(counts(v)["b"] == 6);
}

TEST_CASE("channels no longer wanted are released; a worker not yet heartbeating plans nothing") {
  ClusterView v = view_of(4, {"a"});
  REQUIRE(settle(v, {}) > 0);
  v.wanted.erase("c100");
  const ClaimPlan p = plan_claims(v, "a", {});
  CHECK(p.release == std::vector<std::string>{"c100"});
  const ClaimPlan ghost = plan_claims(v, "zz", {});
  CHECK(ghost.claim.empty());
}

TEST_CASE("a channel whose lease expired while its holder still publishes it is not free to others") {
  // After a NATS server restart the leases may have expired; the holders re-assert them in their first
  // round, and their heartbeats say which channels are theirs meanwhile.
  ClusterView v = view_of(4, {"a", "b"});
  v.workers[0].publishing = {"c100", "c101"};
  v.leases["c102"] = {"b", "", false};
  CHECK(holder_of(v, "c100") == "a");
  CHECK(holder_of(v, "c102") == "b");
  CHECK(holder_of(v, "c103").empty());
  const ClaimPlan pb = plan_claims(v, "b", {});
  CHECK(pb.claim == std::vector<std::string>{"c103"});  // b is one short of its two; a's two stay a's
  const ClaimPlan pa = plan_claims(v, "a", {});
  CHECK(pa.claim.empty());
  CHECK(pa.hand_over.empty());
}

TEST_CASE("a lease names the holder even when another worker's heartbeat still lists the channel") {
  ClusterView v = view_of(1, {"a", "b"});
  v.workers[0].publishing = {"c100"};  // a's heartbeat from before it let go
  v.leases["c100"] = {"b", "", false};
  CHECK(holder_of(v, "c100") == "b");
}
