#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "actions/obs_protocol.hpp"

using namespace hyped;

TEST_CASE("the authentication string is base64(sha256(base64(sha256(password + salt)) + challenge))") {
  // Expected value computed independently with Python's hashlib and base64.
  CHECK(obs_auth_string("hunter2", "c2FsdA==", "Y2hhbGxlbmdl") == "HbemcTRAK8GnBZpkRzKZdmk94xa5VYtjm6/uKbA1epI=");
  CHECK(obs_auth_string("hunter2", "c2FsdA==", "other") != obs_auth_string("hunter2", "c2FsdA==", "Y2hhbGxlbmdl"));
}

TEST_CASE("Identify carries the rpc version, the event subscriptions and authentication only when asked") {
  const auto with = nlohmann::json::parse(obs_identify_message("abc", kObsOutputEvents));
  CHECK(with["op"] == 1);
  CHECK(with["d"]["rpcVersion"] == 1);
  CHECK(with["d"]["authentication"] == "abc");
  CHECK(with["d"]["eventSubscriptions"] == 64);
  const auto without = nlohmann::json::parse(obs_identify_message("", kObsOutputEvents));
  CHECK_FALSE(without["d"].contains("authentication"));
}

TEST_CASE("requests carry their type, id and data") {
  const auto r = nlohmann::json::parse(obs_request_message("CreateRecordChapter", "hyped-3", R"({"chapterName":"x"})"));
  CHECK(r["op"] == 6);
  CHECK(r["d"]["requestType"] == "CreateRecordChapter");
  CHECK(r["d"]["requestId"] == "hyped-3");
  CHECK(r["d"]["requestData"]["chapterName"] == "x");
  CHECK_FALSE(nlohmann::json::parse(obs_request_message("SaveReplayBuffer", "1"))["d"].contains("requestData"));
}

TEST_CASE("Hello with and without authentication") {
  const ObsMessage auth = parse_obs_message(
      R"({"op":0,"d":{"obsWebSocketVersion":"5.1.0","rpcVersion":1,"authentication":{"challenge":"c","salt":"s"}}})");
  CHECK(auth.error.empty());
  CHECK(auth.op == ObsMessage::Op::Hello);
  CHECK(auth.auth_required);
  CHECK(auth.challenge == "c");
  CHECK(auth.salt == "s");
  CHECK(auth.websocket_version == "5.1.0");
  const ObsMessage open = parse_obs_message(R"({"op":0,"d":{"rpcVersion":1}})");
  CHECK_FALSE(open.auth_required);
  CHECK_FALSE(parse_obs_message(R"({"op":0,"d":{"authentication":{}}})").error.empty());
}

TEST_CASE("ReplayBufferSaved gives the saved path; responses their status and data") {
  const ObsMessage ev = parse_obs_message(
      R"({"op":5,"d":{"eventType":"ReplayBufferSaved","eventIntent":64,"eventData":{"savedReplayPath":"/r/Replay 1.mkv"}}})");
  CHECK(ev.op == ObsMessage::Op::Event);
  CHECK(ev.event_type == "ReplayBufferSaved");
  CHECK(ev.saved_replay_path == "/r/Replay 1.mkv");
  const ObsMessage st = parse_obs_message(
      R"({"op":7,"d":{"requestType":"GetReplayBufferStatus","requestId":"hyped-1","requestStatus":{"result":true,"code":100},"responseData":{"outputActive":false}}})");
  CHECK(st.op == ObsMessage::Op::RequestResponse);
  CHECK(st.request_id == "hyped-1");
  CHECK(st.request_ok);
  REQUIRE(st.output_active);
  CHECK_FALSE(*st.output_active);
  const ObsMessage refused = parse_obs_message(
      R"({"op":7,"d":{"requestType":"SaveReplayBuffer","requestId":"2","requestStatus":{"result":false,"code":501,"comment":"Replay buffer is not active."}}})");
  CHECK_FALSE(refused.request_ok);
  CHECK(describe_obs_refusal(refused) == "SaveReplayBuffer failed: code 501: Replay buffer is not active.");
  const ObsMessage version = parse_obs_message(
      R"({"op":7,"d":{"requestType":"GetVersion","requestId":"3","requestStatus":{"result":true,"code":100},"responseData":{"obsVersion":"29.0.2","availableRequests":["SaveReplayBuffer","GetVersion"]}}})");
  CHECK(version.obs_version == "29.0.2");
  CHECK(version.available_requests.size() == 2);
}

TEST_CASE("malformed messages carry a reason and never throw") {
  for (const char* bad : {"", "[]", "{", R"({"op":"x"})", R"({"op":7})", R"({"op":7,"d":{}})", "null"})
    CHECK_FALSE(parse_obs_message(bad).error.empty());
}
