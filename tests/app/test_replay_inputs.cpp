#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "app/replay_inputs.hpp"

using namespace hyped;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path;
  TempDir() : path(fs::temp_directory_path() / ("hyped-inputs-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  void touch(const std::string& name) const { std::ofstream(path / name) << "x"; }
};
}  // namespace

TEST_CASE("a directory is its media files in order, each with the chat log beside it") {
  TempDir d;
  for (const char* f : {"b.mkv", "a.wav", "a.chat.json", "b.jsonl", "notes.txt", "a.json", "c.MP4"}) d.touch(f);
  const auto in = expand_replay_inputs({d.path.string()}, true);
  REQUIRE(in.size() == 3);
  CHECK(in[0].name == "a");
  CHECK(in[0].chat_beside == (d.path / "a.chat.json").string());  // not a.json: exports go there
  CHECK(in[1].name == "b");
  CHECK(in[1].chat_beside == (d.path / "b.jsonl").string());
  CHECK(in[2].name == "c");
  CHECK(in[2].chat_beside.empty());
  CHECK(expand_replay_inputs({d.path.string()}, false)[0].chat_beside.empty());
  TempDir empty;
  fs::remove_all(empty.path);
  fs::create_directories(empty.path / "sub");
  CHECK_THROWS_WITH(expand_replay_inputs({empty.path.string()}, true), doctest::Contains("holds no media files"));
}

TEST_CASE("links and URLs are told from files; a file named like a link is still a file") {
  TempDir d;
  d.touch("v123");
  const auto in = expand_replay_inputs({"https://www.twitch.tv/videos/42", "v7", "http://cdn.example/vod/index.m3u8?x=1",
                                        (d.path / "v123").string(), "missing.mp4"},
                                       false);
  REQUIRE(in.size() == 5);
  CHECK(in[0].kind == ReplayInput::Kind::TwitchVod);
  CHECK(in[0].name == "v42");
  CHECK(in[1].vod.id == "7");
  CHECK(in[2].kind == ReplayInput::Kind::HlsUrl);
  CHECK(in[2].name == "index");
  CHECK(in[3].kind == ReplayInput::Kind::File);
  CHECK(in[4].kind == ReplayInput::Kind::File);  // opening it says it does not exist
}

TEST_CASE("export names are unique per run") {
  std::vector<std::string> taken;
  CHECK(export_name_for("a", ".json", taken) == "a.json");
  CHECK(export_name_for("a", ".json", taken) == "a-2.json");
  CHECK(export_name_for("a", ".json", taken) == "a-3.json");
  CHECK(export_name_for("a", ".csv", taken) == "a.csv");
}
