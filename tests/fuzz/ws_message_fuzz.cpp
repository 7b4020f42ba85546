// libFuzzer target: what a websocket client sends the alert server. The same bytes as a subscribe message
// (a text frame), as the `since` resume list of /ws?since=, and as the upgrade's whole request target.
// Parsing must answer with a result or a reason and never throw; the server's answers to what it
// accepts must serialize, and a close reason built from a rejection must fit a close frame.
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/api_request.hpp"
#include "server/messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const hyped::ClientRequest req = hyped::parse_client_message(text);
  if (req.subscribe.has_value() == !req.error.empty()) __builtin_trap();  // exactly one of the two
  if (req.subscribe) {
    const hyped::Subscription& s = *req.subscribe;
    if (s.channels.count(hyped::kEveryChannel) && s.channels.size() != 1) __builtin_trap();
    std::vector<std::string> unknown(s.channels.begin(), s.channels.end());
    (void)hyped::subscribed_message(s, unknown);
    (void)s.wants("somechannel");
  } else {  // the close frame the server answers with (Beast throws if the reason does not fit)
    const std::string why = hyped::close_reason_text("malformed message: " + req.error);
    const boost::beast::websocket::close_reason frame(boost::beast::websocket::close_code::policy_error, why);
    if (why.size() > hyped::kMaxCloseReasonBytes || frame.reason.size() != why.size()) __builtin_trap();
  }

  const hyped::ResumePoints points = hyped::parse_resume_points(text);
  if (points.error.empty() == points.last_id.empty()) __builtin_trap();  // ids, or a reason
  for (const auto& [channel, id] : points.last_id)
    if (channel.empty() || id < 0) __builtin_trap();

  const hyped::ApiRequest api = hyped::parse_api_request("/ws?since=" + std::string(text), "");
  if (api.route != hyped::ApiRoute::WebSocket) __builtin_trap();
  if (!api.error.empty() && !api.resume.empty()) __builtin_trap();
  return 0;
}
