#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "server/webhook_format.hpp"

using namespace hyped;
using std::chrono::milliseconds;

namespace {
Highlight sample() {
  Highlight h;
  h.id = 3;
  h.time_s = 812.5;
  h.start_s = 792.5;
  h.end_s = 822.5;
  h.score = 4.14f;
  h.reasons = {"audio", "chat"};
  return h;
}
}  // namespace

TEST_CASE("each webhook format names the highlight, its clip window and reasons") {
  const Highlight h = sample();
  CHECK(webhook_highlight_body(WebhookFormat::Hyped, "chan", h, "{\"type\":\"highlight\"}") ==
        "{\"type\":\"highlight\"}");
  const auto discord = nlohmann::json::parse(webhook_highlight_body(WebhookFormat::Discord, "chan", h, ""));
  CHECK(discord["content"] == "Highlight #3 on chan at 13:33 (score 4.1, audio + chat)");
  REQUIRE(discord["embeds"].size() == 1);
  CHECK(discord["embeds"][0]["fields"][0]["value"] == "13:13 – 13:43");
  CHECK(discord["embeds"][0]["fields"][2]["value"] == "audio + chat");
  const auto slack = nlohmann::json::parse(webhook_highlight_body(WebhookFormat::Slack, "chan", h, ""));
  CHECK(slack["text"] == "Highlight #3 on chan at 13:33 (score 4.1, audio + chat)");
  CHECK(slack["blocks"][0]["type"] == "section");
  CHECK(slack["blocks"][1]["elements"][0]["text"].get<std::string>().find("13:13 – 13:43") != std::string::npos);
}

TEST_CASE("action results reach Discord and Slack once they succeed, with the clip URL or replay path") {
  ActionResult r;
  r.channel = "chan";
  r.highlight_id = 3;
  r.kind = ActionKind::TwitchClip;
  r.ok = true;
  r.clip_url = "https://clips.twitch.tv/Abc";
  const auto discord = nlohmann::json::parse(webhook_action_body(WebhookFormat::Discord, r, ""));
  CHECK(discord["embeds"][0]["url"] == "https://clips.twitch.tv/Abc");
  CHECK(discord["content"].get<std::string>().find("https://clips.twitch.tv/Abc") != std::string::npos);
  r.kind = ActionKind::ObsReplay;
  r.path = "/rec/Replay.mkv";
  CHECK(nlohmann::json::parse(webhook_action_body(WebhookFormat::Slack, r, ""))["text"].get<std::string>().find(
            "/rec/Replay.mkv") != std::string::npos);
  r.ok = false;
  CHECK(webhook_action_body(WebhookFormat::Discord, r, "{}").empty());
  CHECK(webhook_action_body(WebhookFormat::Hyped, r, "{}") == "{}");  // hyped receivers hear failures too
}

TEST_CASE("a 429 waits for Discord's retry_after, else Retry-After") {
  CHECK(retry_after(R"({"message":"You are being rate limited.","retry_after":1.5,"global":false})", "") ==
        milliseconds(1500));
  CHECK(retry_after("", "2") == milliseconds(2000));
  CHECK_FALSE(retry_after("", ""));
  CHECK_FALSE(retry_after("nope", "soon"));
}

TEST_CASE("formats by name") {
  CHECK(parse_webhook_format("discord") == WebhookFormat::Discord);
  CHECK(parse_webhook_format("slack") == WebhookFormat::Slack);
  CHECK(parse_webhook_format("hyped") == WebhookFormat::Hyped);
  CHECK_FALSE(parse_webhook_format("teams"));
}
