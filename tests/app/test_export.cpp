#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "app/export.hpp"

using namespace hyped;

namespace {
struct Fixture {
  AppConfig cfg;
  std::vector<Highlight> hl;
  ExportInput in;
  Fixture() {
    Highlight a;
    a.id = 1;
    a.time_s = 812.5;
    a.start_s = 792.5;
    a.end_s = 822.5;
    a.score = 4.1f;
    a.audio_z = 3.2f;
    a.chat_z = 2.7f;
    a.chat_rate = 11.5f;
    a.reasons = {"audio", "chat"};
    Highlight b = a;
    b.id = 2;
    b.time_s = 3725;
    b.start_s = 3705;
    b.end_s = 3735;
    b.reasons = {"chat"};
    hl = {a, b};
    in.source = "/videos/vod.mp4";
    in.duration_s = 3800;
    in.backend = "cpu";
    in.config = &cfg;
    in.highlights = &hl;
  }
};
}  // namespace

TEST_CASE("JSON export follows the contract") {
  Fixture f;
  const auto doc = nlohmann::json::parse(export_highlights(ExportFormat::Json, f.in));
  CHECK(doc["source"] == "/videos/vod.mp4");
  CHECK(doc["duration_s"] == 3800.0);
  CHECK(doc["backend"] == "cpu");
  CHECK(doc["params"]["threshold"] == 2.0);
  REQUIRE(doc["highlights"].size() == 2);
  const auto& h = doc["highlights"][0];
  CHECK(h["id"] == 1);
  CHECK(h["time_s"] == 812.5);
  CHECK(h["start_s"] == 792.5);
  CHECK(h["end_s"] == 822.5);
  CHECK(h["score"].get<double>() == doctest::Approx(4.1));
  CHECK(h["audio_z"].get<double>() == doctest::Approx(3.2));
  CHECK(h["chat_z"].get<double>() == doctest::Approx(2.7));
  CHECK(h["chat_rate"].get<double>() == doctest::Approx(11.5));
  CHECK(h["reasons"] == nlohmann::json::array({"audio", "chat"}));
}

TEST_CASE("CSV export has a header and one row per highlight") {
  Fixture f;
  const std::string csv = export_highlights(ExportFormat::Csv, f.in);
  CHECK(csv.rfind("id,time_s,start_s,end_s,score,audio_z,chat_z,chat_rate,reasons\n", 0) == 0);
  CHECK(csv.find("1,812.500,792.500,822.500,4.1000,3.2000,2.7000,11.500,audio+chat\n") != std::string::npos);
}

TEST_CASE("chapters start at 0:00 and use hours once the media is an hour long") {
  Fixture f;
  CHECK(export_highlights(ExportFormat::Chapters, f.in) ==
        "0:00:00 Start\n0:13:12 Highlight 1 (audio+chat)\n1:01:45 Highlight 2 (chat)\n");
  f.in.duration_s = 1000;
  f.hl.pop_back();
  CHECK(export_highlights(ExportFormat::Chapters, f.in) == "00:00 Start\n13:12 Highlight 1 (audio+chat)\n");
}

TEST_CASE("a highlight in the first seconds still leaves YouTube's 10 s between chapters") {
  Fixture f;
  f.hl.resize(1);
  f.hl[0].start_s = 3;
  CHECK(export_highlights(ExportFormat::Chapters, f.in) == "0:00:00 Start\n0:00:10 Highlight 1 (audio+chat)\n");
}

TEST_CASE("EDL events carry source and record timecodes") {
  Fixture f;
  const std::string edl = export_highlights(ExportFormat::Edl, f.in);
  CHECK(edl.rfind("TITLE: hyped highlights vod.mp4\nFCM: NON-DROP FRAME\n", 0) == 0);
  CHECK(edl.find("001  AX       AA/V  C        00:13:12:15 00:13:42:15 00:00:00:00 00:00:30:00\n") != std::string::npos);
  CHECK(edl.find("002  AX       AA/V  C        01:01:45:00 01:02:15:00 00:00:30:00 00:01:00:00\n") != std::string::npos);
  CHECK(edl_timecode(1.6, 25) == "00:00:01:15");
}

TEST_CASE("format names and file extensions map to formats") {
  CHECK(parse_export_format("edl") == ExportFormat::Edl);
  CHECK_THROWS(parse_export_format("xml"));
  CHECK(export_format_for_path("a/b.csv") == ExportFormat::Csv);
  CHECK(export_format_for_path("x.txt") == ExportFormat::Chapters);
  CHECK(export_format_for_path("x") == ExportFormat::Json);
}
