// The discovery leader's election and the wanted set's discovery writes against a real nats-server: one
// leader at a time, a leader that stops hands over at once, a dead leader's key is taken once it expires
// (not before), and discovery never overwrites or removes an operator's entry.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "cluster/cluster_options.hpp"
#include "cluster/cluster_store.hpp"
#include "cluster/discovery_election.hpp"
#include "nats_server_process.hpp"

using namespace hyped::cluster;
using hyped::test::cluster_options;
using hyped::test::NatsServerProcess;
using hyped::test::TempDir;
using hyped::test::wait_until;
using namespace std::chrono_literals;

namespace {

// An election whose listing is a flag, as ClusterTopLister's is the discovery thread.
struct Candidate {
  ClusterStore store;
  DiscoveryElection election;
  std::atomic<bool> listing{false};
  std::atomic<int> elected{0};
  Candidate(const ClusterOptions& opt, const std::string& id)
      : store(opt, "test-" + id), election(store, id, "top 3") {
    election.on_elected = [this] {
      listing = true;
      ++elected;
    };
    election.on_deposed = [this] { listing = false; };
  }
};

std::string lead_of(ClusterStore& store) {
  const auto lead = store.discovery_lead();
  return lead ? lead->lead.worker : std::string();
}

}  // namespace

TEST_CASE("one discovery leader at a time, and one that stops hands the lead over at once") {
  TempDir dir;
  NatsServerProcess server(dir.path.string());
  const ClusterOptions opt = cluster_options(server, 3.0);
  Candidate a(opt, "a"), b(opt, "b");
  a.election.start();
  b.election.start();
  // Elected means listing: on_elected runs just after leading() turns true, so wait for the listing.
  REQUIRE(wait_until([&] { return a.listing || b.listing; }, 5s));
  // Over four renewals: never both, never none, and the one listing is the one the key names.
  const auto until = std::chrono::steady_clock::now() + 4s;
  int both = 0, none = 0;
  while (std::chrono::steady_clock::now() < until) {
    both += a.listing && b.listing;
    none += !a.listing && !b.listing;
    std::this_thread::sleep_for(10ms);
  }
  CHECK(both == 0);
  CHECK(none == 0);
  Candidate& leader = a.election.leading() ? a : b;
  Candidate& standby = a.election.leading() ? b : a;
  CHECK(lead_of(a.store) == (&leader == &a ? "a" : "b"));
  CHECK(leader.elected == 1);
  CHECK(standby.elected == 0);
  const auto stopped = std::chrono::steady_clock::now();
  leader.election.stop();
  CHECK_FALSE(leader.listing);
  // The key is deleted: the standby creates it at its next try (every lease_s / 3), not lease_s later.
  REQUIRE(wait_until([&] { return bool(standby.listing); }, 3s));
  CHECK(std::chrono::steady_clock::now() - stopped < 1500ms);
  CHECK(standby.election.leading());
  CHECK(lead_of(standby.store) == (&standby == &a ? "a" : "b"));
  standby.election.stop();
  CHECK_FALSE(lead_of(standby.store).size());
}

TEST_CASE("a dead leader's key is taken once it expires, and not before; the leader's listings go into the key") {
  TempDir dir;
  NatsServerProcess server(dir.path.string());
  const ClusterOptions opt = cluster_options(server, 2.0);
  ClusterStore ghost_store(opt, "test-ghost");
  DiscoveryLead ghost;
  ghost.worker = "ghost";  // a leader killed before it could hand the key back
  REQUIRE(ghost_store.create_discovery_lead(ghost));
  const auto written = std::chrono::steady_clock::now();
  Candidate c(opt, "c");
  c.election.start();
  std::this_thread::sleep_for(1200ms);
  CHECK_FALSE(c.election.leading());
  CHECK(lead_of(c.store) == "ghost");
  REQUIRE(wait_until([&] { return c.election.leading(); }, 5s));
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - written).count();
  CHECK(took >= 2.0 - 0.2);
  CHECK(took <= 2.0 + 2.0 / 3.0 + 1.0);
  c.election.report_listing(3, "");
  c.election.report_listing(4, "");
  REQUIRE(wait_until([&] {
    const auto lead = c.store.discovery_lead();
    return lead && lead->lead.listings == 2;
  }, 3s));
  const auto lead = c.store.discovery_lead();
  CHECK(lead->lead.worker == "c");
  CHECK(lead->lead.listed == 4);
  CHECK(lead->lead.request == "top 3");
  CHECK(lead->lead.last_listing_ms > 0);
  CHECK(lead->lead.last_error.empty());
  // Someone else wrote the key (it expired under a stalled leader and was taken): deposed at the next renewal.
  REQUIRE(ghost_store.update_discovery_lead(ghost, lead->revision).has_value());
  REQUIRE(wait_until([&] { return !c.listing; }, 3s));
  CHECK_FALSE(c.election.leading());
  c.election.stop();
  CHECK(lead_of(c.store) == "ghost");  // not ours to delete
}

TEST_CASE("discovery's writes leave an operator's entries alone; skip marks are no wanted channels") {
  TempDir dir;
  NatsServerProcess server(dir.path.string());
  ClusterStore store(cluster_options(server, 3.0), "test-wanted");
  store.put_wanted(WantedChannel{"op", "", "", false});
  CHECK_FALSE(store.create_wanted(WantedChannel{"op", "", "", true}));
  CHECK_FALSE(store.wanted_set().channels.at("op").channel.discovered);

  REQUIRE(store.create_wanted(WantedChannel{"d", "", "", true}));
  const std::uint64_t rev = store.wanted_set().channels.at("d").revision;
  store.put_wanted(WantedChannel{"d", "", "", false});  // `hyped cluster add d` made it the operator's
  CHECK_FALSE(store.remove_wanted_at("d", rev));
  CHECK(store.wanted_set().channels.count("d") == 1);

  REQUIRE(store.create_wanted(WantedChannel{"e", "", "", true}));
  CHECK(store.remove_wanted_at("e", store.wanted_set().channels.at("e").revision));
  CHECK(store.wanted_set().channels.count("e") == 0);
  CHECK(store.create_wanted(WantedChannel{"e", "", "", true}));  // listed again after it left

  store.skip_wanted("x");
  const ClusterStore::WantedSet set = store.wanted_set();
  CHECK(set.skipped == std::set<std::string>{"x"});
  CHECK(set.channels.count("x") == 0);
  for (const WantedChannel& w : store.wanted()) CHECK(w.name != "x");
  store.unskip_wanted("x");
  CHECK(store.wanted_set().skipped.empty());
}
