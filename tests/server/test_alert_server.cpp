#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <numeric>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "server/alert_server.hpp"
#include "server/messages.hpp"
#include "ws_test_client.hpp"

using namespace hyped;
using namespace std::chrono_literals;

namespace {

Highlight make_highlight(int id, double t, float score) {
  Highlight h;
  h.id = id;
  h.time_s = t;
  h.start_s = t - 20;
  h.end_s = t + 10;
  h.score = score;
  h.audio_z = score - 1;
  h.chat_z = 1;
  h.chat_rate = 7.5f;
  h.reasons = {"audio"};
  return h;
}

ServerOptions loopback(std::string token = "") {
  ServerOptions o;
  o.port = 0;
  o.token = std::move(token);
  o.io_threads = 2;  // clients land on different threads, as on a real machine
  return o;
}

}  // namespace

TEST_CASE("websocket clients receive highlights in order, filtered by their subscription") {
  AlertServer server(loopback());
  server.start();
  test::WsClient all(server.port());
  test::WsClient only_a(server.port());
  only_a.subscribe({{"channels", {"a"}}, {"min_score", 3}});

  server.publish_highlight("a", make_highlight(1, 100, 2.5f));
  server.publish_highlight("b", make_highlight(1, 110, 5.0f));
  server.publish_highlight("a", make_highlight(2, 150, 4.0f));

  for (int want : {1, 1, 2}) CHECK(all.read_json()["id"] == want);
  const auto got = only_a.read_json();
  CHECK(got["channel"] == "a");
  CHECK(got["id"] == 2);  // a's first was under min_score, b's is another channel
  for (const char* key : {"type", "channel", "id", "time_s", "wall_time", "score", "audio_z", "chat_z", "clip"})
    CHECK_MESSAGE(got.contains(key), key);
  CHECK(got["clip"]["start_s"] == 130.0);
  CHECK(got["clip"]["end_s"] == 160.0);
  CHECK(got["wall_time"].get<std::string>().size() == 24);
}

TEST_CASE("the HTTP API serves history, status, metrics and health") {
  AlertServer server(loopback());
  server.start();
  server.set_backend("cpu");
  server.set_channel_status({"a", 42.0, 0.5});
  for (int i = 1; i <= 3; ++i) server.publish_highlight("a", make_highlight(i, 100.0 * i, 3.0f));
  server.publish_highlight("b", make_highlight(1, 50, 3.0f));
  server.observe_tick(0.3);
  std::this_thread::sleep_for(100ms);

  auto r = test::http_get(server.port(), "/api/highlights?channel=a&since=1");
  CHECK(r.status == 200);
  auto j = nlohmann::json::parse(r.body);
  REQUIRE(j["highlights"].size() == 2);
  CHECK(j["highlights"][0]["id"] == 2);
  CHECK(j["highlights"][1]["time_s"] == 300.0);
  CHECK(nlohmann::json::parse(test::http_get(server.port(), "/api/highlights").body)["highlights"].size() == 4);
  CHECK(test::http_get(server.port(), "/api/highlights?since=x").status == 400);

  j = nlohmann::json::parse(test::http_get(server.port(), "/api/status").body);
  CHECK(j["backend"] == "cpu");
  CHECK(j["started"].get<std::string>().size() == 24);
  CHECK(j["channels"][0]["name"] == "a");
  CHECK(j["channels"][0]["ingest_lag_s"] == 0.5);
  CHECK(j["channels"][0]["alerts"] == 3);

  r = test::http_get(server.port(), "/metrics");
  CHECK(r.status == 200);
  CHECK(r.body.find("hyped_alerts_total{channel=\"a\"} 3\n") != std::string::npos);
  CHECK(r.body.find("hyped_detector_tick_seconds_bucket{le=\"0.0005\"} 1\n") != std::string::npos);
  CHECK(r.body.find("hyped_detector_tick_seconds_count 1\n") != std::string::npos);
  CHECK(r.body.find("hyped_ingest_lag_seconds{channel=\"a\"} 0.5\n") != std::string::npos);
  CHECK(r.body.find("process_resident_memory_bytes ") != std::string::npos);
  CHECK(r.body.find("hyped_resident_memory_per_channel_bytes") == std::string::npos);  // no followed set told
  CHECK(test::http_get(server.port(), "/healthz").body == "ok\n");
  CHECK(test::http_get(server.port(), "/nope").status == 404);
  r = test::http_get(server.port(), "/overlay?channel=a");
  CHECK(r.status == 200);
  CHECK(r.content_type.find("text/html") == 0);
  CHECK(r.body.find("meter-fill") != std::string::npos);
}

TEST_CASE("status and metrics report resident memory, and its share per followed channel") {
  AlertServer server(loopback());
  server.start();
  for (const char* name : {"a", "b", "c", "d"}) server.set_followed(name, true);
  const auto j = nlohmann::json::parse(test::http_get(server.port(), "/api/status").body);
  REQUIRE(j.contains("memory"));
  const long long resident = j["memory"]["resident_bytes"];
  const long long per_channel = j["memory"]["per_channel_bytes"];
  CHECK(resident > 1 << 20);
  CHECK(per_channel == resident / 4);
  const std::string metrics = test::http_get(server.port(), "/metrics").body;
  const auto value = [&](const std::string& name) {
    const auto at = metrics.find("\n" + name + " ");
    REQUIRE(at != std::string::npos);
    return std::stoll(metrics.substr(at + name.size() + 2));
  };
  const long long scraped = value("process_resident_memory_bytes");
  CHECK(scraped > resident / 2);  // a later reading of the same process
  CHECK(value("hyped_resident_memory_per_channel_bytes") == scraped / 4);
  server.set_followed("d", false);
  CHECK(nlohmann::json::parse(test::http_get(server.port(), "/api/status").body)["memory"]["per_channel_bytes"] > 0);
}

TEST_CASE("a configured token is required on the websocket and the API") {
  AlertServer server(loopback("s3cret"));
  server.start();
  CHECK(test::http_get(server.port(), "/api/status").status == 401);
  CHECK(test::http_get(server.port(), "/api/status?token=wrong").status == 401);
  CHECK(test::http_get(server.port(), "/api/status?token=s3cret").status == 200);
  CHECK(test::http_get(server.port(), "/api/status", "s3cret").status == 200);
  CHECK(test::http_get(server.port(), "/healthz").status == 200);  // health checks need no secret
  try {
    test::WsClient bad(server.port(), "/ws?token=nope", false);
    FAIL("handshake with a wrong token succeeded");
  } catch (const boost::system::system_error& e) {
    CHECK(e.code() == test::websocket::error::upgrade_declined);
  }
  test::WsClient good(server.port(), "/ws?token=s3cret");
  server.publish_highlight("a", make_highlight(1, 10, 3));
  CHECK(good.read_json()["id"] == 1);
  CHECK(test::http_get(server.port(), "/metrics?token=s3cret").body.find("hyped_unauthorized_total 3") != std::string::npos);
}

TEST_CASE("malformed client frames are closed with a reason while the server keeps serving") {
  ServerOptions opt = loopback();
  opt.max_message_bytes = 1024;
  AlertServer server(opt);
  server.start();
  test::WsClient watcher(server.port());

  test::WsClient garbage(server.port());
  garbage.send("this is not json");
  auto reason = garbage.read_until_close();
  CHECK(reason.code == test::websocket::close_code::policy_error);
  CHECK(std::string(reason.reason.c_str()) == "malformed message: not JSON");

  test::WsClient unknown(server.port());
  unknown.send(R"({"type":"unsubscribe"})");
  CHECK(std::string(unknown.read_until_close().reason.c_str()) == "malformed message: unknown type 'unsubscribe'");

  // A reason too long for a close frame (123 bytes) is cut: Beast threw std::length_error on the io thread.
  test::WsClient long_type(server.port());
  long_type.send(R"({"type":")" + std::string(300, 'u') + R"("})");
  const auto cut = long_type.read_until_close();
  CHECK(cut.code == test::websocket::close_code::policy_error);
  CHECK(std::string(cut.reason.c_str()).starts_with("malformed message: unknown type 'uuu"));

  test::WsClient binary(server.port());
  binary.send_binary("\x01\x02");
  CHECK(binary.read_until_close().code == test::websocket::close_code::unknown_data);

  test::WsClient huge(server.port());
  try {
    huge.send(std::string(5000, 'x'));
  } catch (const boost::system::system_error&) {
    // the server may close before the whole frame is written
  }
  // Beast answers an oversized frame with close code 1009; the peer may see the reset first.
  const auto too_big = huge.read_until_close().code;
  CHECK((too_big == test::websocket::close_code::too_big || too_big == test::websocket::close_code::none));

  server.publish_highlight("a", make_highlight(9, 10, 3));
  CHECK(watcher.read_json()["id"] == 9);
  // Beast sends the 1009 close before the server's read handler counts it: the client may see the close
  // first, so the count is waited for (a few ms; seconds under a sanitizer on a loaded machine).
  bool counted = false;
  for (auto deadline = std::chrono::steady_clock::now() + 10s; !counted && std::chrono::steady_clock::now() < deadline;) {
    counted = test::http_get(server.port(), "/metrics").body.find("hyped_protocol_errors_total 5\n") != std::string::npos;
    if (!counted) std::this_thread::sleep_for(20ms);
  }
  CHECK(counted);
}

TEST_CASE("a subscription to \"*\" gets every channel; the answer names the channels not seen yet") {
  AlertServer server(loopback());
  server.start();
  server.set_channel_status({"a", 12.0, 0.1});               // a: seen through its status
  server.publish_highlight("b", make_highlight(1, 5, 3.0f));  // b: through a highlight (before any client)

  test::WsClient every(server.port());
  const auto every_ack = every.subscribe({{"channels", {"*", "a"}}});
  CHECK(every_ack["channels"] == nlohmann::json::array({"*"}));
  CHECK(every_ack["unknown"] == nlohmann::json::array());
  test::WsClient named(server.port());
  const auto named_ack = named.subscribe({{"channels", {"a", "b", "later"}}, {"min_score", 1}});
  CHECK(named_ack["channels"] == nlohmann::json::array({"a", "b", "later"}));
  CHECK(named_ack["unknown"] == nlohmann::json::array({"later"}));  // subscribed all the same
  CHECK(named_ack["min_score"] == 1);

  server.publish_highlight("a", make_highlight(1, 20, 3.0f));
  server.publish_highlight("later", make_highlight(1, 30, 3.0f));
  server.publish_highlight("c", make_highlight(1, 40, 3.0f));
  server.publish_highlight("b", make_highlight(2, 50, 3.0f));
  for (const char* want : {"a", "later", "c", "b"}) CHECK(every.read_json()["channel"] == want);
  for (const char* want : {"a", "later", "b"}) CHECK(named.read_json()["channel"] == want);  // not c

  test::WsClient again(server.port());  // "later" has started now
  CHECK(again.subscribe({{"channels", {"later", "never"}}})["unknown"] == nlohmann::json::array({"never"}));
}

TEST_CASE("score messages reach only clients that ask, at most twice a second") {
  AlertServer server(loopback());
  server.start();
  test::WsClient c(server.port());
  c.subscribe({{"scores", true}});
  HopFeatures f;
  f.score = 1.5f;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 40; ++i) {  // 40 scores over ~1 s
    server.publish_score("a", i * 0.5, f);
    std::this_thread::sleep_for(25ms);
  }
  server.publish_highlight("a", make_highlight(1, 30, 3));  // a marker after the scores
  int scores = 0;
  for (;;) {
    const auto j = c.read_json();
    if (j["type"] == "highlight") break;
    CHECK(j["type"] == "score");
    CHECK(j["score"] == 1.5);
    ++scores;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(scores >= 2);
  CHECK(scores <= static_cast<int>(secs * 2) + 1);
}

TEST_CASE("finish sends an end message and closes every client normally") {
  AlertServer server(loopback());
  server.start();
  test::WsClient c(server.port());
  server.publish_highlight("a", make_highlight(1, 10, 3));
  server.finish("replay finished");
  CHECK(c.read_json()["id"] == 1);
  const auto end = c.read_json();
  CHECK(end["type"] == "end");
  CHECK(end["reason"] == "replay finished");
  CHECK(c.read_until_close().code == test::websocket::close_code::normal);
}

TEST_CASE("listen addresses parse with and without a host") {
  ServerOptions o;
  parse_listen_address("0.0.0.0:9000", o);
  CHECK(o.address == "0.0.0.0");
  CHECK(o.port == 9000);
  parse_listen_address("8788", o);
  CHECK(o.port == 8788);
  parse_listen_address("[::1]:7000", o);
  CHECK(o.address == "::1");
  CHECK_THROWS_AS(parse_listen_address("host:http", o), std::invalid_argument);
  CHECK_THROWS_AS(parse_listen_address("1.2.3.4:70000", o), std::invalid_argument);
}

TEST_CASE("client messages parse into subscriptions or a reason") {
  auto r = parse_client_message(R"({"type":"subscribe","channels":["a","b"],"min_score":3,"scores":true})");
  REQUIRE(r.subscribe);
  CHECK(r.subscribe->channels.size() == 2);
  CHECK(r.subscribe->wants("b"));
  CHECK_FALSE(r.subscribe->wants("c"));
  CHECK(r.subscribe->min_score == 3);
  CHECK(r.subscribe->scores);
  r = parse_client_message(R"({"type":"subscribe","channels":["a","*"]})");
  REQUIRE(r.subscribe);
  CHECK(r.subscribe->channels == std::set<std::string>{"*"});
  CHECK(r.subscribe->wants("anything"));
  CHECK(parse_client_message("[1]").error == "expected a JSON object");
  CHECK(parse_client_message(R"({"type":"subscribe","channels":"a"})").error.find("channels") != std::string::npos);
  CHECK(parse_client_message(R"({"type":"subscribe","min_score":"hi"})").error.find("min_score") != std::string::npos);
  CHECK(parse_client_message("\xff\xfe").error == "not JSON");
}

namespace {

// Reads highlights (skipping hello, subscribed and resumed) until `until` of `channel` has arrived;
// returns the (channel, id) of each, and the last resumed message in `resumed`.
std::vector<std::pair<std::string, int>> read_highlights(test::WsClient& c, const std::string& channel, int until,
                                                         nlohmann::json* resumed = nullptr) {
  std::vector<std::pair<std::string, int>> got;
  for (;;) {
    const auto m = c.read_json();
    if (m["type"] == "resumed" && resumed) *resumed = m;
    if (m["type"] != "highlight") continue;
    got.emplace_back(m["channel"].get<std::string>(), m["id"].get<int>());
    if (got.back() == std::pair{channel, until}) return got;
  }
}

}  // namespace

TEST_CASE("a resumed client still gets the revisions of highlights it already has") {
  AlertServer server(loopback());
  server.start();
  for (int id = 1; id <= 2; ++id) server.publish_highlight("a", make_highlight(id, 40.0 * id, 3));
  test::WsClient resumed(server.port(), "/ws?since=a:1");  // has 1, misses 2
  using Got = std::vector<std::pair<std::string, int>>;
  CHECK(read_highlights(resumed, "a", 2) == Got{{"a", 2}});
  CHECK(resumed.read_json()["type"] == "resumed");
  // Stronger evidence for both: each is news, though neither id is new.
  for (int id = 1; id <= 2; ++id) {
    Highlight revised = make_highlight(id, 40.0 * id, 3);
    revised.revision = 1;
    revised.score = 9.0f;
    server.publish_highlight("a", revised);
  }
  server.publish_highlight("a", make_highlight(3, 120, 3));
  std::vector<std::pair<int, int>> seen;  // (id, revision)
  while (seen.size() < 3) {
    const auto m = resumed.read_json();
    if (m["type"] == "highlight") seen.emplace_back(m["id"].get<int>(), m["revision"].get<int>());
  }
  CHECK(seen == std::vector<std::pair<int, int>>{{1, 1}, {2, 1}, {3, 0}});
}

TEST_CASE("a client that reconnects with since first gets the highlights it missed, once and in order") {
  AlertServer server(loopback());
  server.start();
  for (int id = 1; id <= 3; ++id) server.publish_highlight("a", make_highlight(id, 40.0 * id, 3));
  server.publish_highlight("b", make_highlight(1, 50, 3));

  test::WsClient resumed_a(server.port(), "/ws?since=a:1");
  nlohmann::json resumed;
  using Got = std::vector<std::pair<std::string, int>>;
  CHECK(read_highlights(resumed_a, "a", 3, &resumed) == Got{{"a", 2}, {"a", 3}});
  const auto after = resumed_a.read_json();  // the backlog ends with its summary
  CHECK(after["type"] == "resumed");
  CHECK(after["highlights"] == 2);
  CHECK(after["unavailable"] == 0);
  server.publish_highlight("a", make_highlight(4, 160, 3));
  server.publish_highlight("b", make_highlight(2, 170, 3));
  CHECK(read_highlights(resumed_a, "b", 2) == Got{{"a", 4}, {"b", 2}});  // b was not asked for: live only

  test::WsClient both(server.port(), "/ws?since=a:0,b:0");
  CHECK(read_highlights(both, "b", 2) == Got{{"a", 1}, {"a", 2}, {"a", 3}, {"b", 1}, {"a", 4}, {"b", 2}});

  // Ids count per server run: hello says when this one began, the same to every client.
  test::WsClient first(server.port(), "/ws", false), second(server.port(), "/ws", false);
  const auto hello = first.read_json();
  CHECK(hello["type"] == "hello");
  CHECK(hello["started"].get<std::string>().size() == 24);  // 2026-12-01T08:30:00.000Z
  CHECK(second.read_json()["started"] == hello["started"]);

  CHECK(test::handshake_status(server.port(), "/ws?since=a") == 400);
  CHECK(test::handshake_status(server.port(), "/ws?since=a:x") == 400);
  CHECK(test::handshake_status(server.port(), "/ws?since=a:1,") == 400);
  CHECK(test::handshake_status(server.port(), "/ws?since=a:-1") == 400);
  CHECK(test::handshake_status(server.port(), "/ws?since=a:2") == 101);
}

TEST_CASE("clients that drop and reconnect while highlights are published miss none and get none twice") {
  ServerOptions opt = loopback();
  opt.io_threads = 3;
  opt.client_queue_limit = 2048;  // room for a backlog of every highlight
  AlertServer server(opt);
  server.start();
  const int n = 400;
  std::atomic<bool> go{false};
  std::thread publisher([&] {
    while (!go) std::this_thread::yield();
    for (int id = 1; id <= n; ++id) {
      server.publish_highlight("chan", make_highlight(id, id, 3));
      std::this_thread::sleep_for(std::chrono::microseconds(id % 3 == 0 ? 1500 : 50));
    }
  });
  const int clients = 12;
  std::vector<std::vector<int>> seen(clients);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      // Each client joins at its own moment, and drops and comes back every few highlights.
      std::this_thread::sleep_for(std::chrono::milliseconds(c * 13));
      for (int last = 0; last < n; last = seen[c].empty() ? 0 : seen[c].back()) {
        test::WsClient ws(server.port(), "/ws?since=chan:" + std::to_string(last));
        for (const auto& [channel, id] : read_highlights(ws, "chan", std::min(n, last + 3 + c % 5))) seen[c].push_back(id);
      }
    });
  go = true;
  publisher.join();
  for (auto& t : threads) t.join();
  std::vector<int> all(n);
  std::iota(all.begin(), all.end(), 1);
  for (int c = 0; c < clients; ++c) CHECK_MESSAGE(seen[c] == all, "client " << c);
}

TEST_CASE("a resumed backlog says what it can no longer send, and a restarted server's ids are not held back") {
  ServerOptions opt = loopback();
  opt.history_limit = 5;
  AlertServer server(opt);
  server.start();
  for (int id = 1; id <= 10; ++id) server.publish_highlight("a", make_highlight(id, 40.0 * id, 3));
  nlohmann::json resumed;
  using Got = std::vector<std::pair<std::string, int>>;
  test::WsClient late(server.port(), "/ws?since=a:2");  // 3, 4, 5 have left the history
  CHECK(read_highlights(late, "a", 10, &resumed) == Got{{"a", 6}, {"a", 7}, {"a", 8}, {"a", 9}, {"a", 10}});
  CHECK(late.read_json()["unavailable"] == 3);

  ServerOptions small = loopback();
  small.client_queue_limit = 8;  // a backlog may take half of it
  AlertServer restarted(small);
  restarted.start();
  for (int id = 1; id <= 10; ++id) restarted.publish_highlight("a", make_highlight(id, 40.0 * id, 3));
  test::WsClient newest(restarted.port(), "/ws?since=a:0");
  CHECK(read_highlights(newest, "a", 10) == Got{{"a", 7}, {"a", 8}, {"a", 9}, {"a", 10}});
  const auto summary = newest.read_json();
  CHECK(summary["highlights"] == 4);
  CHECK(summary["unavailable"] == 6);
  // A client that had ids of an earlier run of the server (up to 40) still gets this run's new ones.
  test::WsClient earlier_run(restarted.port(), "/ws?since=a:40");
  CHECK(earlier_run.read_json()["type"] == "resumed");
  restarted.publish_highlight("a", make_highlight(11, 440, 3));
  CHECK(read_highlights(earlier_run, "a", 11) == Got{{"a", 11}});
}

TEST_CASE("resume points parse from CHANNEL:ID lists or give a reason") {
  const auto r = parse_resume_points("a:3,b:0,url:with:colon:12");
  CHECK(r.error.empty());
  CHECK(r.last_id == std::map<std::string, long long>{{"a", 3}, {"b", 0}, {"url:with:colon", 12}});
  for (const char* bad : {"", "a", ":3", "a:", "a:3x", "a:-2", "a:1,", "a:1,,b:2"}) {
    const auto e = parse_resume_points(bad);
    CHECK_MESSAGE(!e.error.empty(), bad);
    CHECK(e.last_id.empty());
  }
}

TEST_CASE("a revision replaces its highlight in the history and reaches websocket clients with its revision") {
  AlertServer server(loopback());
  server.start();
  test::WsClient client(server.port());
  server.publish_highlight("a", make_highlight(1, 100, 3.0f));
  server.publish_highlight("b", make_highlight(1, 105, 3.0f));  // the same id on another channel
  server.publish_highlight("a", make_highlight(2, 200, 3.5f));
  Highlight better = make_highlight(1, 104, 6.0f);  // stronger evidence for a's first, placed later
  better.revision = 1;
  better.reasons = {"audio", "chat"};
  server.publish_highlight("a", better);

  // Clients hear everything as it comes: the revision is news.
  const std::vector<std::tuple<std::string, int, int>> sent = {{"a", 1, 0}, {"b", 1, 0}, {"a", 2, 0}, {"a", 1, 1}};
  for (const auto& [channel, id, revision] : sent) {
    const auto m = client.read_json();
    INFO(m.dump());
    CHECK(m["type"] == "highlight");
    CHECK(m["channel"] == channel);
    CHECK(m["id"] == id);
    CHECK(m["revision"] == revision);
  }

  // The history holds each highlight once, as last told, where it first came.
  const auto j = nlohmann::json::parse(test::http_get(server.port(), "/api/highlights").body);
  REQUIRE(j["highlights"].size() == 3);
  const auto& a1 = j["highlights"][0];
  CHECK(a1["channel"] == "a");
  CHECK(a1["id"] == 1);
  CHECK(a1["revision"] == 1);
  CHECK(a1["score"] == 6.0);
  CHECK(a1["time_s"] == 104.0);
  CHECK(a1["reasons"] == nlohmann::json::array({"audio", "chat"}));
  CHECK(j["highlights"][1]["channel"] == "b");  // b's highlight 1 is not a's
  CHECK(j["highlights"][1]["revision"] == 0);
  CHECK(j["highlights"][1]["score"] == 3.0);
  CHECK(j["highlights"][2]["id"] == 2);

  // Alerts count highlights, not revisions.
  const std::string metrics = test::http_get(server.port(), "/metrics").body;
  CHECK(metrics.find("hyped_alerts_total{channel=\"a\"} 2\n") != std::string::npos);
  CHECK(metrics.find("hyped_alerts_total{channel=\"b\"} 1\n") != std::string::npos);
}

TEST_CASE("a revision of a highlight that has left the history is kept but not counted as an alert") {
  ServerOptions opt = loopback();
  opt.history_limit = 2;
  AlertServer server(opt);
  server.start();
  for (int id = 1; id <= 3; ++id) server.publish_highlight("a", make_highlight(id, 40.0 * id, 3));  // 1 leaves
  Highlight late = make_highlight(1, 41, 5);
  late.revision = 1;
  server.publish_highlight("a", late);
  const auto j = nlohmann::json::parse(test::http_get(server.port(), "/api/highlights").body);
  REQUIRE(j["highlights"].size() == 2);
  CHECK(j["highlights"][0]["id"] == 3);
  CHECK(j["highlights"][1]["id"] == 1);
  CHECK(j["highlights"][1]["revision"] == 1);
  const std::string metrics = test::http_get(server.port(), "/metrics").body;
  CHECK(metrics.find("hyped_alerts_total{channel=\"a\"} 3\n") != std::string::npos);
}
