#include <doctest/doctest.h>

#include "cluster/cluster_names.hpp"
#include "cluster/cluster_wire.hpp"

using namespace hyped;
using namespace hyped::cluster;

TEST_CASE("channel names are subject tokens and keys") {
  CHECK(valid_channel_name("some_streamer-2"));
  CHECK_FALSE(valid_channel_name(""));
  CHECK_FALSE(valid_channel_name("a.b"));
  CHECK_FALSE(valid_channel_name("a*"));
  CHECK_FALSE(valid_channel_name(std::string(65, 'a')));
  CHECK(sanitize_worker_id("host.example:1234") == "host-example-1234");
}

TEST_CASE("subjects and keys name their channel") {
  CHECK(highlight_subject("abc") == "hyped.highlights.abc");
  CHECK(action_subject("abc") == "hyped.highlights.abc.action");
  auto h = parse_subject("hyped.highlights.abc");
  REQUIRE(h);
  CHECK(h->channel == "abc");
  CHECK_FALSE(h->action);
  auto a = parse_subject("hyped.highlights.abc.action");
  REQUIRE(a);
  CHECK(a->channel == "abc");
  CHECK(a->action);
  CHECK_FALSE(parse_subject("hyped.other.abc"));
  CHECK_FALSE(parse_subject("hyped.highlights.a.b"));
  CHECK(channel_of_key(channel_key("x1")) == "x1");
  CHECK(worker_of_key(worker_key("w-1")) == "w-1");
  CHECK_FALSE(channel_of_key("worker.w"));
  CHECK(skip_key("x1") == "skip.x1");
  CHECK(skipped_of_key(skip_key("x1")) == "x1");
  CHECK_FALSE(channel_of_key(skip_key("x1")));  // workers never take a skip mark for a channel
  CHECK_FALSE(skipped_of_key(channel_key("x1")));
}

TEST_CASE("a highlight's de-duplication id is the channel, its clip start to the second and the revision") {
  const auto t = WallClock::time_point(std::chrono::milliseconds(1767225600400));
  CHECK(highlight_msg_id("abc", t, 0) == "abc@1767225600#0");
  CHECK(highlight_msg_id("abc", t + std::chrono::milliseconds(300), 2) == "abc@1767225601#2");
  Highlight h;
  h.time_s = 100;
  h.start_s = 80;
  CHECK(clip_start_wall(h, t) == t - std::chrono::seconds(20));
}

TEST_CASE("wanted channels: a Twitch login or NAME=URL") {
  auto w = parse_wanted_arg("#SomeStreamer");
  CHECK(w.name == "somestreamer");
  CHECK(w.url.empty());
  w = parse_wanted_arg("s01=http://127.0.0.1:8080/s01/index.m3u8");
  CHECK(w.name == "s01");
  CHECK(w.url == "http://127.0.0.1:8080/s01/index.m3u8");
  CHECK_THROWS_AS(parse_wanted_arg("s01=ftp://x"), std::invalid_argument);
  CHECK_THROWS_AS(parse_wanted_arg("a.b=http://x"), std::invalid_argument);
  const WantedChannel back = decode_wanted("s01", encode_wanted(w));
  CHECK(back.url == w.url);
}

TEST_CASE("a wanted entry keeps its chat and whether discovery added it; older entries are an operator's, without chat") {
  WantedChannel w;
  w.name = "lobby";
  w.url = "https://cdn.example/lobby/index.m3u8";
  w.chat = "somestreamer";
  w.discovered = true;
  WantedChannel back = decode_wanted("lobby", encode_wanted(w));
  CHECK(back.url == w.url);
  CHECK(back.chat == "somestreamer");
  CHECK(back.discovered);
  CHECK(chat_channel_of(back) == "somestreamer");
  back = decode_wanted("alpha", "{}");
  CHECK_FALSE(back.discovered);
  CHECK(back.chat.empty());
  CHECK(chat_channel_of(back) == "alpha");  // a Twitch login: its own chat
  back = decode_wanted("s01", R"({"url":"http://127.0.0.1:1/s01/index.m3u8"})");
  CHECK_FALSE(back.discovered);
  CHECK(chat_channel_of(back).empty());  // a URL alone has no chat
  CHECK(encode_wanted(WantedChannel{"alpha", "", "", false}) == "{}");  // what older workers wrote and read
  CHECK_THROWS_AS(decode_wanted("a", R"({"discovered":"yes"})"), std::invalid_argument);
}

TEST_CASE("the discovery leader's key survives a round trip; one without a worker is refused") {
  DiscoveryLead d;
  d.worker = "w1";
  d.since_ms = 1767225600000;
  d.request = "top 20, game 509658";
  d.listings = 7;
  d.last_listing_ms = 1767225660000;
  d.listed = 20;
  d.last_error = "Helix answered 503";
  const DiscoveryLead back = decode_discovery_lead(encode_discovery_lead(d));
  CHECK(back.worker == "w1");
  CHECK(back.since_ms == d.since_ms);
  CHECK(back.request == d.request);
  CHECK(back.listings == 7);
  CHECK(back.last_listing_ms == d.last_listing_ms);
  CHECK(back.listed == 20);
  CHECK(back.last_error == d.last_error);
  CHECK_THROWS_AS(decode_discovery_lead(R"({"since_ms":1})"), std::invalid_argument);
  CHECK_THROWS_AS(decode_discovery_lead("[]"), std::invalid_argument);
}

TEST_CASE("leases and worker heartbeats survive a round trip; garbage is refused with a reason") {
  Lease l{"w1", "w2", true, 1234};
  const Lease b = decode_lease(encode_lease(l));
  CHECK(b.worker == "w1");
  CHECK(b.handover_to == "w2");
  CHECK(b.ready);
  CHECK(b.since_ms == 1234);
  CHECK_THROWS_AS(decode_lease("{}"), std::invalid_argument);
  CHECK_THROWS_AS(decode_lease("not json"), std::invalid_argument);
  CHECK_THROWS_AS(decode_lease(R"({"worker":5})"), std::invalid_argument);
  WorkerStatus w;
  w.worker = "w1";
  w.streams = 3;
  w.cpu_headroom = 0.5;
  w.dropped = 2;
  w.channels["a"] = {12.5, 1.5};
  const WorkerStatus wb = decode_worker(encode_worker(w));
  CHECK(wb.streams == 3);
  CHECK(wb.cpu_headroom == doctest::Approx(0.5));
  CHECK(wb.dropped == 2);
  REQUIRE(wb.channels.count("a") == 1);
  CHECK(wb.channels.at("a").lag_s == doctest::Approx(1.5));
}

TEST_CASE("highlight and action events carry every field the alert server needs") {
  HighlightEvent e;
  e.channel = "abc";
  e.highlight.id = 7;
  e.highlight.revision = 1;
  e.highlight.time_s = 812.5;
  e.highlight.start_s = 792.5;
  e.highlight.end_s = 822.5;
  e.highlight.score = 4.25f;
  e.highlight.audio_z = 3.5f;
  e.highlight.reasons = {"audio", "chat"};
  e.wall = WallClock::time_point(std::chrono::milliseconds(1767225600125));
  e.worker = "w1";
  const HighlightEvent b = decode_highlight_event(encode_highlight_event(e));
  CHECK(b.channel == "abc");
  CHECK(b.highlight.id == 7);
  CHECK(b.highlight.revision == 1);
  CHECK(b.highlight.start_s == 792.5);
  CHECK(b.highlight.end_s == 822.5);
  CHECK(b.highlight.score == 4.25f);
  CHECK(b.highlight.reasons == e.highlight.reasons);
  CHECK(b.wall == e.wall);
  CHECK(b.worker == "w1");
  CHECK_THROWS_AS(decode_highlight_event(R"({"channel":"abc","id":0,"wall_time":"2026-01-01T00:00:00Z"})"), std::invalid_argument);
  CHECK_THROWS_AS(decode_highlight_event(R"({"channel":"abc","id":3,"wall_time":"yesterday"})"), std::invalid_argument);

  ActionResult r;
  r.channel = "abc";
  r.highlight_id = 7;
  r.kind = ActionKind::TwitchClip;
  r.ok = true;
  r.clip_url = "https://clips.twitch.tv/x";
  const ActionResult rb = decode_action_event(encode_action_event(r));
  CHECK(rb.kind == ActionKind::TwitchClip);
  CHECK(rb.highlight_id == 7);
  CHECK(rb.clip_url == r.clip_url);
  CHECK_THROWS_AS(decode_action_event(R"({"channel":"abc","kind":"nope"})"), std::invalid_argument);
}
