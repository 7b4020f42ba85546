#include <doctest/doctest.h>

#include <stdexcept>

#include "irc/chat_log.hpp"

using namespace hyped;

TEST_CASE("TwitchDownloader JSON: offsets, bodies, users and emotes") {
  const auto log = parse_chat_log(R"({"streamer":{"name":"x"},"comments":[
    {"content_offset_seconds":12.5,"commenter":{"name":"bob"},"message":{"body":"Kappa hi","emoticons":[{"_id":"25"}]}},
    {"content_offset_seconds":3,"commenter":{"display_name":"Amy"},"message":{"body":"first",
      "fragments":[{"text":"first","emoticon":null},{"text":"LUL","emoticon":{"emoticon_id":"425618"}}]}},
    {"commenter":{"name":"broken"},"message":{"body":"no offset"}}]})",
                                  "td.json");
  CHECK(log.format == ChatLogFormat::TwitchDownloader);
  REQUIRE(log.entries.size() == 2);
  CHECK(log.malformed == 1);
  CHECK(log.entries[0].t_s == 3.0);  // sorted by time
  CHECK(log.entries[0].user == "Amy");
  CHECK(log.entries[0].emotes == 1);
  CHECK(log.entries[1].text == "Kappa hi");
  CHECK(log.entries[1].emotes == 1);
}

TEST_CASE("chat-downloader JSON") {
  const auto log = parse_chat_log(R"([{"time_in_seconds":1.25,"message":"yo","author":{"name":"z"},"emotes":[{},{}]},
                                      {"message":"no time"}, 7])",
                                  "cd.json");
  CHECK(log.format == ChatLogFormat::ChatDownloader);
  REQUIRE(log.entries.size() == 1);
  CHECK(log.malformed == 2);
  CHECK(log.entries[0].t_s == 1.25);
  CHECK(log.entries[0].emotes == 2);
  CHECK(log.entries[0].user == "z");
}

TEST_CASE("plain text lines in both common shapes") {
  const auto log = parse_chat_log("[0:00:05] <alice> hello there\r\n[01:02:03] bob: gg wp\nnot a chat line\n\n",
                                  "chat.txt");
  CHECK(log.format == ChatLogFormat::PlainText);
  REQUIRE(log.entries.size() == 2);
  CHECK(log.malformed == 1);
  CHECK(log.entries[0].t_s == 5);
  CHECK(log.entries[0].user == "alice");
  CHECK(log.entries[0].text == "hello there");
  CHECK(log.entries[1].t_s == 3723);
  CHECK(log.entries[1].user == "bob");
  CHECK(log.entries[1].text == "gg wp");
}

TEST_CASE("JSONL round-trips through the writer") {
  ChatLogEntry e{12.5, "a\"b", "hi \xF0\x9F\x98\x80 there", 2, "", std::nullopt};
  const std::string line = to_jsonl(e);
  CHECK(line == R"({"t":12.5,"user":"a\"b","text":"hi 😀 there","emotes":2})");
  const auto log = parse_chat_log(line + "\n{\"t\":1}\n{oops\n", "rec.jsonl");
  CHECK(log.format == ChatLogFormat::Jsonl);
  REQUIRE(log.entries.size() == 2);
  CHECK(log.malformed == 1);
  CHECK(log.entries[1].user == "a\"b");
  CHECK(log.entries[1].emotes == 2);
}

TEST_CASE("unknown formats and broken JSON are one clear error") {
  CHECK_THROWS_WITH_AS(parse_chat_log("hello world\n", "x.log"), doctest::Contains("not a known chat log format"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(parse_chat_log(R"({"comments":[{"content_offset_seconds":1,)", "c.json"),
                       doctest::Contains("chat log 'c.json': invalid JSON"), std::runtime_error);
  CHECK_THROWS_WITH_AS(parse_chat_log("  \n", "e.json"), doctest::Contains("empty"), std::runtime_error);
  CHECK_THROWS_WITH_AS(parse_chat_log(R"({"foo":1})", "f.json"), doctest::Contains("neither"), std::runtime_error);
  CHECK_THROWS_WITH_AS(read_chat_log("/nonexistent/chat.json"), doctest::Contains("No such file"), std::runtime_error);
}

TEST_CASE("emote weight turns emotes into extra message weight") {
  ChatLog log;
  log.entries = {{1.0, "a", "x", 0, "", std::nullopt}, {2.0, "b", "LUL LUL", 2, "", std::nullopt}};
  DetectorParams p;
  p.emote_weight = 0.5;
  const auto m = to_chat_messages(log, p);
  CHECK(m[0].weight == 1.0f);
  CHECK(m[1].weight == 2.0f);
}

TEST_CASE("a recorded weight round-trips and is used as is") {
  ChatLogEntry e;
  e.t_s = 20.75;
  e.weight = 3.5f;
  const std::string line = to_jsonl(e);
  CHECK(line == R"({"t":20.75,"user":"","text":"","emotes":0,"weight":3.5})");
  const auto log = parse_chat_log(line + "\n" + R"({"t":21,"user":"u","text":"x","emotes":2})" + "\n", "rec.jsonl");
  DetectorParams p;
  p.emote_weight = 0.5;
  const auto m = to_chat_messages(log, p);
  REQUIRE(m.size() == 2);
  CHECK(m[0].weight == 3.5f);
  CHECK(m[1].weight == 2.0f);
}

TEST_CASE("a plain text line of any length is read without exhausting the stack") {
  const std::string text(200000, 'x');  // std::regex recursed once per character here
  const auto log = parse_chat_log("[0:00:01] <a> " + text + "\n[0:00:02] b: " + text + "\n", "long.txt");
  REQUIRE(log.entries.size() == 2);
  CHECK(log.entries[0].text.size() == text.size());
  CHECK(log.entries[1].user == "b");
}

TEST_CASE("plain text times: fractions, many-digit hours and out-of-range fields") {
  const auto log = parse_chat_log(
      "[10:00:00.25] <a> x\n[123456:00:00] <b> y\n[1234567:00:00] <c> z\n"
      "[0:60:00] <d> w\n[0:00:01.] <e> v\n[0:00:01]<f> no space\n",
      "t.txt");
  REQUIRE(log.entries.size() == 2);
  CHECK(log.malformed == 4);
  CHECK(log.entries[0].t_s == doctest::Approx(36000.25));
  CHECK(log.entries[1].t_s == 123456.0 * 3600);
}

TEST_CASE("a number beyond double in chat JSON is the log's error, not a JSON library exception") {
  CHECK_THROWS_WITH_AS(parse_chat_log(R"({"comments":[{"content_offset_seconds":1e999}]})", "big.json"),
                       doctest::Contains("chat log 'big.json': invalid JSON"), std::runtime_error);
  CHECK_THROWS_WITH_AS(parse_chat_log(R"([{"time_in_seconds":-1e400}])", "big.json"),
                       doctest::Contains("chat log 'big.json'"), std::runtime_error);
}
