#include "server/webhook_format.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace hyped {
namespace {

using nlohmann::ordered_json;

// "1:02:03" or "2:03": a media time as people read it.
std::string clock(double s) {
  const long long t = std::llround(std::max(0.0, s));
  return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
                   : fmt::format("{}:{:02}", t / 60, t % 60);
}

std::string reasons_text(const Highlight& h) { return h.reasons.empty() ? "score" : join_reasons(h.reasons, " + "); }

std::string headline(const std::string& channel, const Highlight& h) {
  return fmt::format("Highlight #{} on {} at {} (score {:.1f}, {})", h.id, channel, clock(h.time_s), h.score,
                     reasons_text(h));
}

std::string action_line(const ActionResult& r) {
  switch (r.kind) {
    case ActionKind::ObsReplay:
      return fmt::format("Replay saved for highlight #{} on {}: {}", r.highlight_id, r.channel, r.path);
    case ActionKind::TwitchClip:
      return fmt::format("Clip of highlight #{} on {}: {}", r.highlight_id, r.channel, r.clip_url);
    case ActionKind::TwitchMarker:
      return fmt::format("Stream marker for highlight #{} on {} at {}", r.highlight_id, r.channel,
                         clock(r.position_s.value_or(0)));
  }
  return {};
}

}  // namespace

std::optional<WebhookFormat> parse_webhook_format(std::string_view s) {
  if (s == "hyped") return WebhookFormat::Hyped;
  if (s == "discord") return WebhookFormat::Discord;
  if (s == "slack") return WebhookFormat::Slack;
  return std::nullopt;
}

const char* to_string(WebhookFormat f) {
  switch (f) {
    case WebhookFormat::Hyped:
      return "hyped";
    case WebhookFormat::Discord:
      return "discord";
    case WebhookFormat::Slack:
      return "slack";
  }
  return "hyped";
}

std::string webhook_highlight_body(WebhookFormat f, const std::string& channel, const Highlight& h,
                                   const std::string& hyped_message) {
  const std::string window = clock(h.start_s) + " – " + clock(h.end_s);
  switch (f) {
    case WebhookFormat::Hyped:
      return hyped_message;
    case WebhookFormat::Discord: {
      ordered_json embed = {{"title", fmt::format("Highlight #{} · {}", h.id, channel)},
                            {"color", 0xef4444},
                            {"fields",
                             {{{"name", "Clip window"}, {"value", window}, {"inline", true}},
                              {{"name", "Score"}, {"value", fmt::format("{:.1f}", h.score)}, {"inline", true}},
                              {{"name", "Reasons"}, {"value", reasons_text(h)}, {"inline", true}}}}};
      return ordered_json{{"content", headline(channel, h)}, {"embeds", {embed}}}.dump();
    }
    case WebhookFormat::Slack: {
      const std::string text = headline(channel, h);
      ordered_json blocks = {
          {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", "*" + text + "*"}}}},
          {{"type", "context"},
           {"elements", {{{"type", "mrkdwn"}, {"text", "clip window " + window + " · " + reasons_text(h)}}}}}};
      return ordered_json{{"text", text}, {"blocks", blocks}}.dump();
    }
  }
  return hyped_message;
}

std::string webhook_action_body(WebhookFormat f, const ActionResult& r, const std::string& hyped_message) {
  if (f == WebhookFormat::Hyped) return hyped_message;
  if (!r.ok || r.dry_run) return {};
  const std::string text = action_line(r);
  if (f == WebhookFormat::Discord) {
    const char* title = r.kind == ActionKind::TwitchClip  ? "Clip saved"
                        : r.kind == ActionKind::ObsReplay ? "Replay saved"
                                                          : "Marker set";
    ordered_json embed = {{"title", title}, {"description", text}, {"color", 0x22c55e}};
    if (!r.clip_url.empty()) embed["url"] = r.clip_url;
    return ordered_json{{"content", text}, {"embeds", {embed}}}.dump();
  }
  return ordered_json{{"text", text},
                      {"blocks", {{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", text}}}}}}}
      .dump();
}

std::optional<std::chrono::milliseconds> retry_after(const std::string& body, const std::string& header) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object())
    if (const auto r = j.find("retry_after"); r != j.end() && r->is_number() && r->get<double>() >= 0)
      return std::chrono::milliseconds(std::llround(r->get<double>() * 1000));
  if (!header.empty()) {
    try {
      const double s = std::stod(header);
      if (s >= 0) return std::chrono::milliseconds(std::llround(s * 1000));
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}

}  // namespace hyped
