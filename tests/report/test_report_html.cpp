#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "report/report_html.hpp"
#include "synth_series.hpp"

using namespace hyped;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
  return n;
}

// The JSON the page's readout reads.
nlohmann::json timeline_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"timeline-data\">";
  const auto from = html.find(open);
  REQUIRE(from != std::string::npos);
  const auto body = from + open.size();
  return nlohmann::json::parse(html.substr(body, html.find("</script>", body) - body));
}

ReportInput input_of(const test::SynthBroadcast& b) {
  ReportInput in;
  in.title = "demo";
  in.source = "demo.mp4";
  in.duration_s = b.duration_s;
  in.frames_per_bucket = b.timeline.frames_per_bucket();
  in.timeline = b.timeline.buckets();
  in.highlights = b.highlights;
  return in;
}

}  // namespace

TEST_CASE("times read H:MM:SS, hours always shown, seconds rounded down") {
  CHECK(hms(0) == "0:00:00");
  CHECK(hms(59.9) == "0:00:59");
  CHECK(hms(812.5) == "0:13:32");
  CHECK(hms(3725) == "1:02:05");
  CHECK(hms(36000) == "10:00:00");
  CHECK(hms(-3) == "0:00:00");
}

TEST_CASE("HTML escaping covers text and quoted attributes") {
  CHECK(escape_html("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;");
  CHECK(escape_html("plain") == "plain");
}

TEST_CASE("one band and one table row per highlight, each with its clip and H:MM:SS time") {
  test::SynthBroadcast b;
  test::synth_broadcast(b, 2.0);
  REQUIRE(b.highlights.size() == 7);  // a burst every 15 min from the second on
  const std::string html = render_report_html(input_of(b));
  CHECK(count(html, "<div class=\"band\"") == b.highlights.size());
  CHECK(count(html, "<tr data-id=") == b.highlights.size());
  CHECK(count(html, "<button class=\"copy\"") == b.highlights.size());
  const Highlight& h = b.highlights[2];
  CHECK(html.find("data-id=\"3\" data-start=\"" + std::to_string(static_cast<int>(h.start_s))) != std::string::npos);
  CHECK(html.find("data-copy=\"" + hms(h.time_s) + "\"") != std::string::npos);
  CHECK(html.find("<span class=\"hms\">" + hms(h.time_s) + "</span>") != std::string::npos);
}

TEST_CASE("reasons, titles and sources are escaped wherever they appear") {
  test::SynthBroadcast b;
  test::synth_broadcast(b, 1.0);
  REQUIRE(!b.highlights.empty());
  b.highlights[0].reasons = {"<script>alert(1)</script>", "a\"b"};
  ReportInput in = input_of(b);
  in.title = "chan<nel> & \"co\"";
  in.source = "/vods/<x>.mp4";
  in.facts = {{"backend", "c<p>u"}};
  in.media_src = "a\"b.mp4";
  const std::string html = render_report_html(in);
  CHECK(html.find("<script>alert") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;+a&quot;b") != std::string::npos);
  CHECK(html.find("chan<nel>") == std::string::npos);
  CHECK(html.find("<title>hyped: chan&lt;nel&gt; &amp; &quot;co&quot;</title>") != std::string::npos);
  CHECK(html.find("/vods/&lt;x&gt;.mp4") != std::string::npos);
  CHECK(html.find("c&lt;p&gt;u") != std::string::npos);
  CHECK(html.find("src=\"a&quot;b.mp4\"") != std::string::npos);
}

TEST_CASE("the readout's data is each bucket's peak frame, and nothing is fetched from the network") {
  test::SynthBroadcast b;
  test::synth_broadcast(b, 0.5);  // 3600 frames: decimated to 2 per bucket
  const auto& buckets = b.timeline.buckets();
  const std::string html = render_report_html(input_of(b));
  const nlohmann::json d = timeline_data(html);
  CHECK(d["fpb"] == b.timeline.frames_per_bucket());
  REQUIRE(d["pt"].size() == buckets.size());
  for (const char* k : {"score", "z_audio", "z_chat", "chat_rate", "threshold"})
    REQUIRE(d["v"][k].size() == buckets.size());
  for (std::size_t i = 0; i < buckets.size(); i += 97) {
    CHECK(d["pt"][i].get<double>() == doctest::Approx(buckets[i].peak_s));
    CHECK(d["v"]["score"][i].get<double>() ==
          doctest::Approx(value_of(buckets[i].at_peak, Signal::Score)).epsilon(0.005));
    CHECK(d["v"]["chat_rate"][i].get<double>() ==
          doctest::Approx(value_of(buckets[i].at_peak, Signal::ChatRate)).epsilon(0.005));
  }
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("<audio") == std::string::npos);  // no media: no player
  CHECK(html.find("default-src 'none'") != std::string::npos);
}

TEST_CASE("a 10 h report stays small") {
  test::SynthBroadcast b;
  test::synth_broadcast(b, 10.0);
  const std::string html = render_report_html(input_of(b));
  CHECK(b.timeline.buckets().size() <= 2048);
  CHECK(html.size() < 1'500'000);
  CHECK(count(html, "<div class=\"band\"") == b.highlights.size());
}

TEST_CASE("the player reaches local media by a relative URL, and nothing for a URL") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "hyped_report_test";
  fs::create_directories(dir / "media" / "a b");
  { std::ofstream(dir / "media" / "a b" / "vod #1.mp4") << "x"; }
  fs::create_directories(dir / "out");
  const std::string media = (dir / "media" / "a b" / "vod #1.mp4").string();
  CHECK(media_src_for(media, (dir / "out" / "r.html").string()) == "../media/a%20b/vod%20%231.mp4");
  CHECK(media_src_for(media, (dir / "media" / "a b" / "r.html").string()) == "vod%20%231.mp4");
  CHECK(media_src_for("https://www.twitch.tv/videos/1", (dir / "r.html").string()).empty());
  CHECK(media_src_for((dir / "missing.mp4").string(), (dir / "r.html").string()).empty());
  fs::remove_all(dir);
}

TEST_CASE("a report bound for a missing directory is refused up front, with the path") {
  CHECK_THROWS_WITH(check_report_path("/nonexistent-hyped-dir/r.html"),
                    doctest::Contains("cannot write report '/nonexistent-hyped-dir/r.html'"));
  CHECK_NOTHROW(check_report_path("r.html"));  // the working directory
}

TEST_CASE("a broadcast with no frames and no highlights still makes a page") {
  ReportInput in;
  in.title = "empty";
  const std::string html = render_report_html(in);
  CHECK(html.find("0 highlights") != std::string::npos);
  CHECK(count(html, "<div class=\"band\"") == 0);
  CHECK(timeline_data(html)["pt"].empty());
  CHECK(html.find("d=\"Z\"") == std::string::npos);
}
