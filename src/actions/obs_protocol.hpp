// obs-websocket protocol v5 messages as text: the authentication string, Identify and requests built,
// and what OBS sends parsed into a result that never throws (a bad message carries its reason).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hyped {

// base64(sha256(base64(sha256(password + salt)) + challenge)), as Identify's `authentication`.
std::string obs_auth_string(const std::string& password, const std::string& salt, const std::string& challenge);

// Event subscription bit of the Outputs category (replay buffer, recording): 1 << 6.
inline constexpr unsigned kObsOutputEvents = 1u << 6;
inline constexpr int kObsRpcVersion = 1;
inline constexpr unsigned short kObsAuthFailedClose = 4009;

// {"op":1,"d":{"rpcVersion":1,"authentication":..,"eventSubscriptions":..}}; no authentication when empty.
std::string obs_identify_message(const std::string& authentication, unsigned event_subscriptions);
// {"op":6,"d":{"requestType":..,"requestId":..,"requestData":{..}}}; `data_json` is an object's text or empty.
std::string obs_request_message(std::string_view type, std::string_view id, std::string_view data_json = {});

struct ObsMessage {
  enum class Op { Hello = 0, Identified = 2, Event = 5, RequestResponse = 7, Other = -1 };
  Op op = Op::Other;
  std::string error;  // non-empty: not a message of the protocol

  // Hello
  int rpc_version = 0;
  bool auth_required = false;
  std::string challenge, salt;
  std::string websocket_version;

  // Event
  std::string event_type;
  std::string saved_replay_path;      // ReplayBufferSaved
  std::optional<bool> output_active;  // ReplayBufferStateChanged, and GetReplayBufferStatus's answer

  // RequestResponse
  std::string request_type, request_id;
  bool request_ok = false;
  int request_code = 0;
  std::string request_comment;
  std::vector<std::string> available_requests;  // GetVersion
  std::string obs_version;                      // GetVersion
};

ObsMessage parse_obs_message(std::string_view text);

// "ReplayBufferSaved failed: 604 (OutputRunning): the replay buffer is not active" style text of a refusal.
std::string describe_obs_refusal(const ObsMessage& response);

}  // namespace hyped
