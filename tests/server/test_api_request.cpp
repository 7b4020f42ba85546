#include <doctest/doctest.h>

#include <string>

#include "server/api_request.hpp"
#include "server/messages.hpp"

using namespace hyped;

TEST_CASE("request targets route, with their parameters percent-decoded") {
  ApiRequest r = parse_api_request("/api/highlights?channel=a%20b+c&since=41&x", "");
  CHECK(r.route == ApiRoute::Highlights);
  CHECK(r.channel == "a b c");
  CHECK(r.since_id == 41);
  CHECK(r.error.empty());
  CHECK(parse_api_request("/overlay/?channel=a", "").route == ApiRoute::Overlay);
  CHECK(parse_api_request("/healthz", "").route == ApiRoute::Healthz);
  CHECK(parse_api_request("/api/status?token=x", "").route == ApiRoute::Status);
  CHECK(parse_api_request("/metrics", "").route == ApiRoute::Metrics);
  CHECK(parse_api_request("/api/highlights/", "").route == ApiRoute::NotFound);
  CHECK(query_param("/x?a=%4", "a") == "%4");  // a cut escape stays as it is
  CHECK(query_param("/x?a=%zz%41", "a") == "%zzA");
}

TEST_CASE("the token comes from the query or a bearer header, and compares exactly") {
  CHECK(parse_api_request("/api/status?token=s%33cret", "Bearer other").token == "s3cret");
  CHECK(parse_api_request("/api/status", "Bearer s3cret").token == "s3cret");
  CHECK(parse_api_request("/api/status", "Basic czNjcmV0").token.empty());
  CHECK(parse_api_request("/api/status", "Bearer ").token.empty());
  CHECK(token_matches("s3cret", "s3cret"));
  CHECK_FALSE(token_matches("s3cret", "s3cre"));
  CHECK_FALSE(token_matches("s3cret", "s3creT"));
}

TEST_CASE("since must be a whole highlight id; a malformed one is a reason, not an exception") {
  for (const char* bad : {"abc", "12abc", " 12", "99999999999999999999", "1.5"}) {
    INFO(bad);
    const ApiRequest r = parse_api_request(std::string("/api/highlights?since=") + bad, "");
    CHECK(r.error == "since must be a highlight id");
    CHECK(r.since_id == -1);
  }
  const ApiRequest ws = parse_api_request("/ws?since=a:1,b%3A2", "");
  CHECK(ws.route == ApiRoute::WebSocket);
  CHECK(ws.resume == std::map<std::string, long long>{{"a", 1}, {"b", 2}});
  CHECK(parse_api_request("/ws?since=a:x", "").error.find("not a highlight id") != std::string::npos);
}

TEST_CASE("a close reason fits a close frame, cut at a character boundary") {
  CHECK(close_reason_text("short") == "short");
  const std::string exact(kMaxCloseReasonBytes, 'x');
  CHECK(close_reason_text(exact) == exact);
  const std::string cut = close_reason_text(std::string(200, 'y'));
  CHECK(cut.size() == kMaxCloseReasonBytes);
  CHECK(cut.ends_with("..."));
  std::string wide = "x";
  for (int i = 0; i < 70; ++i) wide += "\xC3\xA9";  // é: two bytes each, the 120th byte inside one
  const std::string w = close_reason_text(wide);
  CHECK(w.size() == 119 + 3);
  CHECK(w.ends_with("\xC3\xA9..."));  // no half character before the "..."
}
