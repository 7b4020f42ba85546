// The worker's publisher against a real nats-server that goes away and comes back: what it publishes
// meanwhile waits in the bounded buffer and reaches the stream after the reconnect, in order and once;
// what exceeds the bound is the oldest, counted, and the only thing missing.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster_names.hpp"
#include "cluster/cluster_options.hpp"
#include "cluster/cluster_store.hpp"
#include "cluster/event_publisher.hpp"
#include "cluster/nats_handles.hpp"
#include "nats_server_process.hpp"

using namespace hyped::cluster;
using hyped::test::cluster_options;
using hyped::test::NatsServerProcess;
using hyped::test::TempDir;
using hyped::test::wait_until;
using namespace std::chrono_literals;

namespace {

std::string event_name(int i) { return "event-" + std::to_string(i); }

// The payloads of every message of the stream, in stream order.
std::vector<std::string> stream_payloads(ClusterStore& store) {
  std::vector<std::string> out;
  const std::uint64_t last = store.stream_state().last_seq;
  for (std::uint64_t seq = 1; seq <= last; ++seq) {
    natsMsg* raw = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    check_nats(js_GetMsg(&raw, store.connection().js(), kStream, seq, nullptr, &jerr), "reading the stream", jerr);
    MsgPtr m(raw);
    out.emplace_back(natsMsg_GetData(m.get()), static_cast<std::size_t>(natsMsg_GetDataLength(m.get())));
  }
  return out;
}

}  // namespace

TEST_CASE("events published while nats-server restarts are delivered after it returns, up to the bound, and the rest counted") {
  TempDir store_dir;
  NatsServerProcess server(store_dir.path.string());
  ClusterStore store(cluster_options(server), "test-publisher");
  constexpr std::size_t kBound = 4;
  EventPublisher publisher(store.connection(), kBound);
  const std::string subject = highlight_subject("chan");

  for (int i = 0; i < 3; ++i) publisher.publish(subject, event_name(i), "chan@" + std::to_string(i));
  REQUIRE(publisher.flush(10s));
  CHECK(publisher.counters().published == 3);

  server.stop();
  REQUIRE(wait_until([&] { return !store.connected(); }, 10s));
  // Ten while the server is away: the buffer keeps the newest four and counts six.
  for (int i = 3; i < 13; ++i) publisher.publish(subject, event_name(i), "chan@" + std::to_string(i));
  std::this_thread::sleep_for(300ms);
  PublisherCounters away = publisher.counters();
  CHECK(away.published == 3);
  CHECK(away.buffered == kBound);
  CHECK(away.dropped == 6);

  server.restart();
  REQUIRE(wait_until([&] { return store.connected(); }, 20s));
  REQUIRE(publisher.flush(20s));
  const PublisherCounters after = publisher.counters();
  CHECK(after.published == 7);
  CHECK(after.duplicates == 0);
  CHECK(after.dropped == 6);
  CHECK(after.buffered == 0);

  // The stream holds what came before the restart and the newest four, each once and in order:
  // nothing within the bound lost, the six that exceeded it the only ones missing.
  const std::vector<std::string> want{event_name(0), event_name(1),  event_name(2), event_name(9),
                                      event_name(10), event_name(11), event_name(12)};
  CHECK(stream_payloads(store) == want);
}

TEST_CASE("a retry of an event the stream already holds is dropped as a duplicate, not stored twice") {
  TempDir store_dir;
  NatsServerProcess server(store_dir.path.string());
  ClusterStore store(cluster_options(server), "test-publisher");
  EventPublisher publisher(store.connection(), 8);
  const std::string subject = highlight_subject("chan");
  // Two workers that saw the same moment send the same id (a take-over): the stream keeps the first.
  publisher.publish(subject, "from the old holder", "chan@1767225600#0");
  publisher.publish(subject, "from the new holder", "chan@1767225600#0");
  publisher.publish(subject, "revised", "chan@1767225600#1");
  REQUIRE(publisher.flush(10s));
  const PublisherCounters c = publisher.counters();
  CHECK(c.published == 3);
  CHECK(c.duplicates == 1);
  CHECK(stream_payloads(store) == std::vector<std::string>{"from the old holder", "revised"});
}
