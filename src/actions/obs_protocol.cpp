#include "actions/obs_protocol.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <nlohmann/json.hpp>

namespace hyped {
namespace {

std::string base64(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string sha256_base64(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return base64(digest, sizeof digest);
}

std::string str(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string obs_auth_string(const std::string& password, const std::string& salt, const std::string& challenge) {
  return sha256_base64(sha256_base64(password + salt) + challenge);
}

std::string obs_identify_message(const std::string& authentication, unsigned event_subscriptions) {
  nlohmann::json d = {{"rpcVersion", kObsRpcVersion}, {"eventSubscriptions", event_subscriptions}};
  if (!authentication.empty()) d["authentication"] = authentication;
  return nlohmann::json{{"op", 1}, {"d", d}}.dump();
}

std::string obs_request_message(std::string_view type, std::string_view id, std::string_view data_json) {
  nlohmann::json d = {{"requestType", type}, {"requestId", id}};
  if (!data_json.empty()) d["requestData"] = nlohmann::json::parse(data_json);
  return nlohmann::json{{"op", 6}, {"d", d}}.dump();
}

ObsMessage parse_obs_message(std::string_view text) {
  ObsMessage m;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    m.error = "not a JSON object";
    return m;
  }
  const auto op = j.find("op");
  const auto d = j.find("d");
  if (op == j.end() || !op->is_number_integer() || d == j.end() || !d->is_object()) {
    m.error = "no \"op\" and \"d\"";
    return m;
  }
  switch (op->get<int>()) {
    case 0: {
      m.op = ObsMessage::Op::Hello;
      m.rpc_version = d->value("rpcVersion", 0);
      m.websocket_version = str(*d, "obsWebSocketVersion");
      if (const auto a = d->find("authentication"); a != d->end() && a->is_object()) {
        m.auth_required = true;
        m.challenge = str(*a, "challenge");
        m.salt = str(*a, "salt");
        if (m.challenge.empty() || m.salt.empty()) m.error = "Hello asks for authentication without challenge and salt";
      }
      break;
    }
    case 2:
      m.op = ObsMessage::Op::Identified;
      break;
    case 5: {
      m.op = ObsMessage::Op::Event;
      m.event_type = str(*d, "eventType");
      if (const auto e = d->find("eventData"); e != d->end() && e->is_object()) {
        m.saved_replay_path = str(*e, "savedReplayPath");
        if (const auto a = e->find("outputActive"); a != e->end() && a->is_boolean()) m.output_active = a->get<bool>();
      }
      break;
    }
    case 7: {
      m.op = ObsMessage::Op::RequestResponse;
      m.request_type = str(*d, "requestType");
      m.request_id = str(*d, "requestId");
      if (const auto s = d->find("requestStatus"); s != d->end() && s->is_object()) {
        m.request_ok = s->value("result", false);
        m.request_code = s->value("code", 0);
        m.request_comment = str(*s, "comment");
      } else {
        m.error = "RequestResponse without requestStatus";
      }
      if (const auto r = d->find("responseData"); r != d->end() && r->is_object()) {
        if (const auto a = r->find("outputActive"); a != r->end() && a->is_boolean()) m.output_active = a->get<bool>();
        m.obs_version = str(*r, "obsVersion");
        if (const auto a = r->find("availableRequests"); a != r->end() && a->is_array())
          for (const auto& x : *a)
            if (x.is_string()) m.available_requests.push_back(x.get<std::string>());
      }
      break;
    }
    default:
      break;
  }
  return m;
}

std::string describe_obs_refusal(const ObsMessage& r) {
  std::string s = r.request_type + " failed: code " + std::to_string(r.request_code);
  if (!r.request_comment.empty()) s += ": " + r.request_comment;
  return s;
}

}  // namespace hyped
