#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "actions/action_runner.hpp"

using namespace hyped;

namespace {
Highlight revision_of(int id, int revision) {
  Highlight h;
  h.id = id;
  h.revision = revision;
  h.score = 3;
  return h;
}
}  // namespace

TEST_CASE("each highlight id is acted on once per kind, whatever revisions follow") {
  ActionOptions opt;
  opt.dry_run = true;  // the runner's bookkeeping without peers
  opt.obs.enabled = true;
  opt.twitch.enabled = true;
  std::mutex mu;
  std::map<std::pair<long long, std::string>, int> seen;
  ActionRunner runner(opt, [&](const ActionResult& r) {
    std::lock_guard lock(mu);
    CHECK(r.ok);
    CHECK(r.dry_run);
    CHECK(r.channel == "chan");
    ++seen[{r.highlight_id, to_string(r.kind)}];
  });
  runner.start();
  runner.submit("chan", revision_of(1, 0));
  runner.submit("chan", revision_of(1, 1));
  runner.submit("chan", revision_of(1, 2));
  runner.submit("chan", revision_of(2, 1));  // its first word: acted on, once
  runner.submit("chan", revision_of(2, 2));
  runner.finish(std::chrono::seconds(5));
  CHECK(seen.size() == 6);
  for (const auto& [key, n] : seen) CHECK_MESSAGE(n == 1, key.second);
}

TEST_CASE("submitting never waits on the actions, and a full queue drops and counts") {
  ActionOptions opt;
  opt.dry_run = true;
  opt.twitch.enabled = true;
  opt.delay_s = 30;  // every action waits: the queue fills up
  opt.queue_limit = 4;
  ActionRunner runner(opt, [](const ActionResult&) {});
  runner.start();
  const auto t0 = std::chrono::steady_clock::now();
  for (int id = 1; id <= 10; ++id) runner.submit("chan", revision_of(id, 0));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(runner.dropped() == 6);
  runner.finish(std::chrono::milliseconds(0));
}
