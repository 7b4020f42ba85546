#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "vod/twitch_vod_api.hpp"

using namespace hyped;

TEST_CASE("VOD links in the forms people paste them, and nothing else") {
  for (const char* s : {"https://www.twitch.tv/videos/2001234567", "http://twitch.tv/videos/2001234567",
                        "twitch.tv/videos/2001234567", "www.twitch.tv/videos/2001234567/", "m.twitch.tv/videos/2001234567",
                        "HTTPS://WWW.TWITCH.TV/videos/2001234567#chat", "v2001234567"}) {
    const auto r = parse_twitch_vod_ref(s);
    REQUIRE_MESSAGE(r, s);
    CHECK(r->id == "2001234567");
    CHECK(r->start_s < 0);
  }
  const auto t = parse_twitch_vod_ref("https://www.twitch.tv/videos/42?filter=all&t=1h2m3s&sort=time");
  REQUIRE(t);
  CHECK(t->id == "42");
  CHECK(t->start_s == doctest::Approx(3723));
  for (const char* s : {"", "v", "vx12", "v12x", "recording.mp4", "https://www.twitch.tv/somechannel",
                        "https://www.twitch.tv/videos/", "https://www.twitch.tv/videos/12ab", "https://example.com/videos/1",
                        "https://www.twitch.tv.evil.example/videos/1", "/tmp/v123"})
    CHECK_MESSAGE(!parse_twitch_vod_ref(s), s);
}

TEST_CASE("Twitch offsets: h, m, s in that order, or plain seconds") {
  CHECK(*parse_twitch_offset("90") == 90);
  CHECK(*parse_twitch_offset("90s") == 90);
  CHECK(*parse_twitch_offset("2m") == 120);
  CHECK(*parse_twitch_offset("1h0m5s") == 3605);
  for (const char* bad : {"", "h", "1x", "5s1m", "1h1h", "1m2", "99999999999s"}) CHECK_MESSAGE(!parse_twitch_offset(bad), bad);
}

TEST_CASE("the playback token request asks for a VOD, and its answer is read or explained") {
  const auto req = nlohmann::json::parse(vod_token_request("77"));
  CHECK(req["operationName"] == "PlaybackAccessToken");
  CHECK(req["variables"]["isVod"] == true);
  CHECK(req["variables"]["isLive"] == false);
  CHECK(req["variables"]["vodID"] == "77");
  CHECK(req["extensions"]["persistedQuery"]["sha256Hash"].get<std::string>().size() == 64);

  const auto ok = parse_vod_token_answer(R"({"data":{"videoPlaybackAccessToken":{"value":"{\"a\":1}","signature":"s1"}}})");
  REQUIRE(ok.token);
  CHECK(ok.token->value == "{\"a\":1}");
  CHECK(ok.token->signature == "s1");
  CHECK(parse_vod_token_answer(R"([{"data":{"videoPlaybackAccessToken":{"value":"v","signature":"s"}}}])").token);
  CHECK(parse_vod_token_answer(R"({"data":{"videoPlaybackAccessToken":null}})").error.kind == VodApiError::NotFound);
  const auto integrity = parse_vod_token_answer(R"({"errors":[{"message":"failed integrity check"}]})");
  CHECK(integrity.error.kind == VodApiError::Integrity);
  CHECK(integrity.error.what == "failed integrity check");
  CHECK(parse_vod_token_answer(R"({"errors":[{"message":"service timeout"}]})").error.kind == VodApiError::Refused);
  CHECK(parse_vod_token_answer("<html>").error.kind == VodApiError::Malformed);
  CHECK(parse_vod_token_answer(R"({"data":{"videoPlaybackAccessToken":{"value":"v"}}})").error.kind ==
        VodApiError::Malformed);
}

TEST_CASE("usher's VOD URL carries the token, encoded") {
  const std::string u = usher_vod_url("https://usher.example/", "9", VodToken{"{\"x\":\"y z\"}", "ab+c"}, 1234567);
  CHECK(u.rfind("https://usher.example/vod/9.m3u8?", 0) == 0);
  CHECK(u.find("allow_audio_only=true") != std::string::npos);
  CHECK(u.find("sig=ab%2Bc") != std::string::npos);
  CHECK(u.find("token=%7B%22x%22%3A%22y%20z%22%7D") != std::string::npos);
  CHECK(u.find("p=234567") != std::string::npos);
}

TEST_CASE("comment pages: first by offset, then by cursor; emotes counted; the last page has no cursor") {
  const auto first = nlohmann::json::parse(comment_page_request("5", ""));
  CHECK(first["operationName"] == "VideoCommentsByOffsetOrCursor");
  CHECK(first["variables"] == nlohmann::json({{"videoID", "5"}, {"contentOffsetSeconds", 0}}));
  const auto next = nlohmann::json::parse(comment_page_request("5", "abc"));
  CHECK(next["variables"] == nlohmann::json({{"videoID", "5"}, {"cursor", "abc"}}));

  const char* page = R"({"data":{"video":{"id":"5","comments":{"edges":[
    {"cursor":"c1","node":{"commenter":{"login":"ann"},"contentOffsetSeconds":3,
      "message":{"fragments":[{"emote":null,"text":"so good "},{"emote":{"emoteID":"25"},"text":"Kappa"}]}}},
    {"cursor":"c2","node":{"commenter":null,"contentOffsetSeconds":4.5,"message":{"fragments":[{"text":"gg"}]}}},
    {"cursor":"c3","node":{"commenter":{"login":"bob"},"contentOffsetSeconds":"x","message":{}}}
  ],"pageInfo":{"hasNextPage":true}}}}})";
  const auto r = parse_comment_page(page);
  REQUIRE(r.page);
  REQUIRE(r.page->entries.size() == 2);
  CHECK(r.page->entries[0].t_s == 3);
  CHECK(r.page->entries[0].user == "ann");
  CHECK(r.page->entries[0].text == "so good Kappa");
  CHECK(r.page->entries[0].emotes == 1);
  CHECK(r.page->entries[1].user.empty());
  CHECK(r.page->entries[1].t_s == 4.5);
  CHECK(r.page->malformed == 1);
  CHECK(r.page->next_cursor == "c3");

  const auto last = parse_comment_page(R"({"data":{"video":{"comments":{"edges":[],"pageInfo":{"hasNextPage":false}}}}})");
  REQUIRE(last.page);
  CHECK(last.page->next_cursor.empty());
  const auto no_chat = parse_comment_page(R"({"data":{"video":{"comments":null}}})");
  REQUIRE(no_chat.page);
  CHECK(no_chat.page->entries.empty());
}

TEST_CASE("comment page refusals are told apart") {
  CHECK(parse_comment_page(R"({"errors":[{"message":"failed integrity check"}],"data":{"video":null}})").error.kind ==
        VodApiError::Integrity);
  CHECK(parse_comment_page(R"({"data":{"video":null}})").error.kind == VodApiError::NotFound);
  CHECK(parse_comment_page(R"({"data":{}})").error.kind == VodApiError::Malformed);
  CHECK(parse_comment_page("[]").error.kind == VodApiError::Malformed);
  // More pages promised without a cursor to ask for them: an endless loop unless refused.
  CHECK(parse_comment_page(R"({"data":{"video":{"comments":{"edges":[{"node":{"contentOffsetSeconds":1}}],
        "pageInfo":{"hasNextPage":true}}}}})").error.kind == VodApiError::Malformed);
}
