// Webhook bodies in the format each receiver understands: `hyped` (the websocket's JSON), `discord`
// (content + an embed) and `slack` (text + blocks); and how long a 429 asks a sender to wait.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/action_result.hpp"
#include "core/highlight.hpp"

namespace hyped {

enum class WebhookFormat { Hyped, Discord, Slack };

// "hyped" | "discord" | "slack"; nullopt for anything else.
std::optional<WebhookFormat> parse_webhook_format(std::string_view s);
const char* to_string(WebhookFormat f);

// A highlight as it fires. `hyped_message`: the websocket message, which the hyped format sends as it is.
std::string webhook_highlight_body(WebhookFormat f, const std::string& channel, const Highlight& h,
                                   const std::string& hyped_message);
// An action's result: the clip URL or saved replay once known. Empty when the format posts nothing for it
// (Discord and Slack channels hear of successes only).
std::string webhook_action_body(WebhookFormat f, const ActionResult& r, const std::string& hyped_message);

// How long a 429 asks to wait: Discord's JSON `retry_after` (seconds), else the Retry-After header
// (seconds); nullopt when neither says.
std::optional<std::chrono::milliseconds> retry_after(const std::string& body, const std::string& retry_after_header);

}  // namespace hyped
