#include <doctest/doctest.h>

#include "live/url.hpp"

using namespace hyped;

TEST_CASE("URLs split into origin and target, with default ports") {
  const auto u = parse_url("https://Usher.TTVNW.net/api/channel/hls/x.m3u8?sig=a&token=b#frag");
  REQUIRE(u);
  CHECK(u->scheme == "https");
  CHECK(u->host == "usher.ttvnw.net");
  CHECK(u->port == "443");
  CHECK(u->target == "/api/channel/hls/x.m3u8?sig=a&token=b");
  CHECK(u->origin() == "https://usher.ttvnw.net:443");
  const auto v = parse_url("http://127.0.0.1:8080");
  REQUIRE(v);
  CHECK(v->port == "8080");
  CHECK(v->target == "/");
  const auto w = parse_url("http://[::1]:9/x");
  REQUIRE(w);
  CHECK(w->host == "::1");
  CHECK_FALSE(parse_url("ftp://x/y"));
  CHECK_FALSE(parse_url("index.m3u8"));
  CHECK_FALSE(parse_url("http://:80/"));
  CHECK_FALSE(parse_url("http://h:99999999/"));
}

TEST_CASE("playlist references resolve against the playlist URL (RFC 3986)") {
  const char* base = "http://h:8/live/a/index.m3u8?token=t";
  CHECK(resolve_url(base, "seg1.ts") == "http://h:8/live/a/seg1.ts");
  CHECK(resolve_url(base, "../b/seg1.ts?x=1") == "http://h:8/live/b/seg1.ts?x=1");
  CHECK(resolve_url(base, "/root.ts") == "http://h:8/root.ts");
  CHECK(resolve_url(base, "//cdn.example/x.ts") == "http://cdn.example/x.ts");
  CHECK(resolve_url(base, "https://other/x.ts") == "https://other/x.ts");
  CHECK(resolve_url(base, "?token=u") == "http://h:8/live/a/index.m3u8?token=u");
  CHECK(resolve_url(base, "./sub/./x.ts") == "http://h:8/live/a/sub/x.ts");
}

TEST_CASE("query components are percent-encoded") {
  CHECK(url_encode("{\"a\":1} ~x") == "%7B%22a%22%3A1%7D%20~x");
}
