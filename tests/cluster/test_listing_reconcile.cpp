#include <doctest/doctest.h>

#include "cluster/listing_reconcile.hpp"

using namespace hyped::cluster;

namespace {

std::map<std::string, WantedChannel> wanted_of(std::initializer_list<WantedChannel> ws) {
  std::map<std::string, WantedChannel> out;
  for (const WantedChannel& w : ws) out[w.name] = w;
  return out;
}

WantedChannel discovered(const std::string& name) {
  WantedChannel w;
  w.name = name;
  w.discovered = true;
  return w;
}

WantedChannel operators(const std::string& name, const std::string& url = "") {
  WantedChannel w;
  w.name = name;
  w.url = url;
  return w;
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("a listing adds the channels not wanted yet, in its order, and takes out discovered ones it no longer lists") {
  const auto c = reconcile_listing({"c", "a", "d"}, wanted_of({discovered("a"), discovered("b")}), {});
  CHECK(c.add == Names{"c", "d"});
  CHECK(c.remove == Names{"b"});
  CHECK(c.unskip.empty());
  CHECK(c.ignored.empty());
}

TEST_CASE("an operator's channels stay, listed or not, and a listed one is not added over them") {
  const auto c = reconcile_listing({"a", "lobby"}, wanted_of({operators("a"), operators("b"), operators("lobby", "https://x/i.m3u8")}), {});
  CHECK(c.add.empty());
  CHECK(c.remove.empty());
  CHECK(c.empty());
}

TEST_CASE("a channel removed by hand is not added back while listed, and its mark goes once it leaves the listing") {
  auto c = reconcile_listing({"a", "b"}, wanted_of({discovered("a")}), {"b"});
  CHECK(c.add.empty());
  CHECK(c.unskip.empty());
  c = reconcile_listing({"a"}, wanted_of({discovered("a")}), {"b"});
  CHECK(c.add.empty());
  CHECK(c.unskip == Names{"b"});
  // Back in the top after the mark went: followed again.
  c = reconcile_listing({"a", "b"}, wanted_of({discovered("a")}), {});
  CHECK(c.add == Names{"b"});
}

TEST_CASE("an empty listing takes out every discovered channel and no operator's") {
  const auto c = reconcile_listing({}, wanted_of({discovered("a"), operators("b"), discovered("c")}), {"d"});
  CHECK(c.add.empty());
  CHECK(c.remove == Names{"a", "c"});
  CHECK(c.unskip == Names{"d"});
}

TEST_CASE("a login that is no cluster channel name is left out, and a login listed twice counts once") {
  const auto c = reconcile_listing({"a", "bad.name", "a", ""}, {}, {});
  CHECK(c.add == Names{"a"});
  CHECK(c.ignored == Names{"bad.name", ""});
}
