#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "discovery/helix_listing.hpp"

using namespace hyped;

namespace {

std::string stream_json(const std::string& login, long long viewers, const std::string& type = "live") {
  return R"({"id":"1","user_id":"9","user_login":")" + login + R"(","user_name":"X","game_id":"509658","type":")" + type +
         R"(","viewer_count":)" + std::to_string(viewers) + R"(,"language":"en"})";
}

StreamsPage page(std::vector<std::pair<std::string, long long>> s, std::string cursor) {
  StreamsPage p;
  for (auto& [login, viewers] : s) p.streams.push_back({login, viewers, "", ""});
  p.cursor = std::move(cursor);
  return p;
}

std::vector<std::string> logins(const std::vector<LiveChannel>& c) {
  std::vector<std::string> out;
  for (const auto& x : c) out.push_back(x.login);
  return out;
}

}  // namespace

TEST_CASE("a Get Streams page gives its live channels in order, lower-cased, and the next cursor") {
  const std::string body = R"({"data":[)" + stream_json("BigOne", 5000) + "," + stream_json("second", 800) + "," +
                           stream_json("rerun", 700, "") + R"(,{"user_login":""}],"pagination":{"cursor":"eyJi"}})";
  const StreamsPageResult r = parse_streams_page(body);
  REQUIRE(r.page);
  CHECK(logins(r.page->streams) == std::vector<std::string>{"bigone", "second"});
  CHECK(r.page->streams[0].viewers == 5000);
  CHECK(r.page->streams[0].game_id == "509658");
  CHECK(r.page->streams[0].language == "en");
  CHECK(r.page->cursor == "eyJi");
  const StreamsPageResult last = parse_streams_page(R"({"data":[],"pagination":{}})");
  REQUIRE(last.page);
  CHECK(last.page->cursor.empty());
  CHECK_FALSE(parse_streams_page("<html>").page);
  CHECK(parse_streams_page(R"({"error":"x"})").error.find("no data") != std::string::npos);
}

TEST_CASE("a game is found by name, or its absence named") {
  CHECK(parse_game_lookup(R"({"data":[{"id":"33214","name":"Fortnite"}]})", "Fortnite").id == "33214");
  const GameLookup none = parse_game_lookup(R"({"data":[]})", "Nonexistent Game");
  CHECK_FALSE(none.id);
  CHECK(none.error == "no game named 'Nonexistent Game' on Twitch");
}

TEST_CASE("the client-credentials answer gives the token and its life; refused credentials say why") {
  const AppTokenResult ok = parse_app_token(200, R"({"access_token":"abc","expires_in":5011271,"token_type":"bearer"})");
  CHECK(ok.error.empty());
  CHECK(ok.token == "abc");
  CHECK(ok.expires_in_s == 5011271);
  const AppTokenResult bad = parse_app_token(403, R"({"status":403,"message":"invalid client secret"})");
  CHECK(bad.refused);
  CHECK(bad.error == "Twitch refused the app credentials: invalid client secret");
  const AppTokenResult down = parse_app_token(503, "");
  CHECK_FALSE(down.refused);
  CHECK_FALSE(down.error.empty());
  CHECK(app_token_request_body("my id", "s&cret") == "client_id=my%20id&client_secret=s%26cret&grant_type=client_credentials");
}

TEST_CASE("the streams URL asks for 100 a page, filtered, after the cursor") {
  TopQuery q;
  CHECK(streams_url("http://h:1/", q, "") == "http://h:1/helix/streams?first=100");
  q.game_id = "509658";
  q.language = "en";
  CHECK(streams_url("https://api.twitch.tv", q, "a=b") ==
        "https://api.twitch.tv/helix/streams?first=100&game_id=509658&language=en&after=a%3Db");
}

TEST_CASE("a top listing pages until it has N channels, counting a channel listed twice once") {
  TopQuery q;
  q.count = 4;
  TopListing l(q, 10);
  CHECK(l.add_page(page({{"a", 900}, {"b", 800}, {"c", 700}}, "p2")) == "p2");
  // Viewers shifted between pages: c appears again.
  CHECK_FALSE(l.add_page(page({{"c", 650}, {"d", 600}, {"e", 500}}, "p3")));
  CHECK(logins(l.channels()) == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(l.pages() == 2);
}

TEST_CASE("a top listing stops at the first channel below min_viewers, at the last page, or at max_pages") {
  TopQuery q;
  q.count = 100;
  q.min_viewers = 600;
  TopListing by_viewers(q, 10);
  CHECK_FALSE(by_viewers.add_page(page({{"a", 900}, {"b", 599}, {"c", 598}}, "p2")));
  CHECK(logins(by_viewers.channels()) == std::vector<std::string>{"a"});

  q.min_viewers = 0;
  TopListing last_page(q, 10);
  CHECK_FALSE(last_page.add_page(page({{"a", 9}}, "")));
  CHECK(last_page.channels().size() == 1);

  TopListing capped(q, 2);
  CHECK(capped.add_page(page({{"a", 9}}, "x")) == "x");
  CHECK_FALSE(capped.add_page(page({{"b", 8}}, "y")));
  CHECK(capped.channels().size() == 2);

  TopListing empty(q, 10);
  CHECK_FALSE(empty.add_page(page({}, "z")));  // an empty page with a cursor ends it too
}

TEST_CASE("the followed set's change: who leaves, in followed order, and who joins, in listing order") {
  const SetChange c = diff_followed({"a", "b", "c"}, {"d", "b", "e", "d"});
  CHECK(c.leave == std::vector<std::string>{"a", "c"});
  CHECK(c.join == std::vector<std::string>{"d", "e"});
  const SetChange same = diff_followed({"a", "b"}, {"b", "a"});
  CHECK(same.leave.empty());
  CHECK(same.join.empty());
}
