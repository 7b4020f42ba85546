#include <doctest/doctest.h>

#include "actions/helix_policy.hpp"
#include "server/messages.hpp"

using namespace hyped;
using std::chrono::milliseconds;

TEST_CASE("a token lacking a scope is named; a rejected token says so") {
  const TokenCheck ok = parse_token_validation(
      200, R"({"client_id":"abc","login":"streamer","scopes":["clips:edit"],"user_id":"42","expires_in":5000})");
  REQUIRE(ok.info);
  CHECK(ok.info->client_id == "abc");
  CHECK(missing_scopes(*ok.info, required_scopes(true, false)).empty());
  CHECK(missing_scopes(*ok.info, required_scopes(true, true)) == std::vector<std::string>{"channel:manage:broadcast"});
  const TokenCheck bad = parse_token_validation(401, R"({"status":401,"message":"invalid access token"})");
  CHECK_FALSE(bad.info);
  CHECK(bad.error.find("invalid or expired") != std::string::npos);
  CHECK_FALSE(parse_token_validation(200, "not json").info);
}

TEST_CASE("an empty rate-limit bucket holds requests until its reset") {
  RateLimitState rl;
  CHECK(wait_before_request(rl, 1000) == milliseconds(0));
  rl.update("5", "1003");
  CHECK(wait_before_request(rl, 1000) == milliseconds(0));
  rl.update("0", "1003");
  CHECK(wait_before_request(rl, 1000) == milliseconds(4000));
  CHECK(wait_before_request(rl, 2000) == milliseconds(0));  // reset long past
  rl.update("garbage", "");
  CHECK(*rl.remaining == 0);  // unparsable headers keep what was known
}

TEST_CASE("429 waits for the reset, 5xx backs off while attempts remain, 4xx is final") {
  RateLimitState rl;
  rl.update("0", "1002");
  const RetryDecision limited = decide_retry(429, false, rl, 1000, 1, 4, milliseconds(500));
  CHECK(limited.retry);
  CHECK(limited.wait == milliseconds(3000));
  CHECK(decide_retry(429, false, RateLimitState{}, 1000, 1, 4, milliseconds(500)).wait == milliseconds(1000));
  const RetryDecision first = decide_retry(503, false, rl, 1000, 1, 4, milliseconds(500));
  CHECK(first.retry);
  CHECK(first.wait == milliseconds(500));
  CHECK(decide_retry(500, false, rl, 1000, 3, 4, milliseconds(500)).wait == milliseconds(2000));
  CHECK_FALSE(decide_retry(500, false, rl, 1000, 4, 4, milliseconds(500)).retry);
  CHECK(decide_retry(0, true, rl, 1000, 1, 4, milliseconds(500)).retry);
  CHECK_FALSE(decide_retry(404, false, rl, 1000, 1, 4, milliseconds(500)).retry);
  CHECK_FALSE(decide_retry(202, false, rl, 1000, 1, 4, milliseconds(500)).retry);
}

TEST_CASE("refusals become the action's result text") {
  CHECK(describe_helix_refusal(true, 404, "") == "not live");
  CHECK(describe_helix_refusal(true, 403, "") == "clips disabled");
  CHECK(describe_helix_refusal(false, 403, "") != "clips disabled");
  CHECK(describe_helix_refusal(true, 400, R"({"message":"bad id"})") == "HTTP 400: bad id");
}

TEST_CASE("Helix answers are read into ids, URLs and positions") {
  CHECK(parse_created_clip_id(R"({"data":[{"id":"FunnyClip","edit_url":"https://x"}]})") == "FunnyClip");
  CHECK(parse_created_clip_id(R"({"data":[]})").empty());
  CHECK_FALSE(parse_clip_url(R"({"data":[]})"));  // not made yet
  CHECK(*parse_clip_url(R"({"data":[{"id":"a","url":"https://clips.twitch.tv/a"}]})") == "https://clips.twitch.tv/a");
  CHECK(*parse_marker_position(R"({"data":[{"id":"1","position_seconds":244}]})") == 244);
  CHECK(*parse_user_id(R"({"data":[{"id":"141981764","login":"twitchdev"}]})") == "141981764");
  CHECK_FALSE(parse_user_id("{}"));
}

TEST_CASE("a marker's description names the highlight within Twitch's 140 characters") {
  Highlight h;
  h.id = 3;
  h.score = 4.14f;
  h.reasons = {"audio", "chat"};
  CHECK(marker_description(h) == "hyped #3: score 4.1 (audio+chat)");
  h.reasons.assign(40, "keyword");
  CHECK(marker_description(h).size() == 140);
}

TEST_CASE("an action message carries only the fields its kind knows") {
  ActionResult r;
  r.channel = "chan";
  r.highlight_id = 7;
  r.kind = ActionKind::TwitchMarker;
  r.ok = true;
  r.position_s = 244;
  CHECK(action_message(r) ==
        R"({"type":"action","channel":"chan","highlight_id":7,"kind":"twitch_marker","ok":true,"position_s":244.0})");
  r.kind = ActionKind::TwitchClip;
  r.ok = false;
  r.position_s.reset();
  r.error = "not live";
  CHECK(action_message(r) ==
        R"({"type":"action","channel":"chan","highlight_id":7,"kind":"twitch_clip","ok":false,"error":"not live"})");
}
