// IRC parse throughput on one core: realistic Twitch lines (tagged PRIVMSGs with and without emotes,
// USERNOTICEs, PINGs), parsed and interpreted exactly as the chat client does per line
// (parse_irc_line + interpret_chat_line: channel, user, time, emotes, ids).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "irc/irc_message.hpp"
#include "irc/twitch_chat.hpp"

using namespace hyped;

namespace {

std::vector<std::string> make_lines(std::size_t n) {
  const char* users[] = {"ronni", "xqc_fan_2024", "justsomeviewer", "pog_champion", "nightbot", "a", "lurker123"};
  const char* texts[] = {"LUL", "KEKW that was insane", "Pog Pog Pog", "W", "clip it", "Kappa Keepo Kappa",
                         "what did he just do omegalul", "!uptime", "gg", "the aim is actually cracked wtf"};
  std::mt19937 rng(42);
  std::vector<std::string> lines;
  lines.reserve(n);
  long long ts = 1795593662000;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string user = users[rng() % 7];
    const std::string chan = "channel" + std::to_string(rng() % 500);
    ts += rng() % 20;
    const unsigned kind = rng() % 100;
    std::string l;
    if (kind < 90) {
      const bool emotes = kind % 3 == 0;
      l = "@badge-info=subscriber/14;badges=subscriber/12,bits/1000;client-nonce=4f2b2c6b0a0d4e0c9e3f1a2b3c4d5e6f;"
          "color=#1E90FF;display-name=" + user + ";emotes=" + (emotes ? "25:0-4,6-10/1902:12-16" : "") +
          ";first-msg=0;flags=;id=b34ccfc7-4977-403a-8a94-" + std::to_string(100000000000 + i) +
          ";mod=0;returning-chatter=0;room-id=71092938;subscriber=1;tmi-sent-ts=" + std::to_string(ts) +
          ";turbo=0;user-id=" + std::to_string(1000 + rng() % 100000) + ";user-type= :" + user + "!" + user + "@" + user +
          ".tmi.twitch.tv PRIVMSG #" + chan + " :" + texts[rng() % 10];
    } else if (kind < 97) {
      l = "@badge-info=subscriber/6;badges=subscriber/6;color=#008000;display-name=" + user +
          ";emotes=;flags=;id=db25007f-7a18-43eb-9379-80131e44d633;login=" + user +
          ";mod=0;msg-id=resub;msg-param-cumulative-months=6;msg-param-months=0;msg-param-multimonth-duration=0;"
          "msg-param-should-share-streak=1;msg-param-streak-months=2;msg-param-sub-plan-name=Channel\\sSubscription;"
          "msg-param-sub-plan=1000;msg-param-was-gifted=false;room-id=71092938;subscriber=1;system-msg=" + user +
          "\\ssubscribed\\sat\\sTier\\s1.\\sThey've\\ssubscribed\\sfor\\s6\\smonths!;tmi-sent-ts=" + std::to_string(ts) +
          ";user-id=87654321;user-type= :tmi.twitch.tv USERNOTICE #" + chan + " :Great stream -- keep it up!";
    } else {
      l = "PING :tmi.twitch.tv";
    }
    lines.push_back(std::move(l));
  }
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::vector<std::string> lines = make_lines(n);
  std::size_t bytes = 0;
  for (const auto& l : lines) bytes += l.size() + 2;
  std::vector<double> rates;
  long long sink = 0;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (const std::string& l : lines) {
      const IrcParseResult p = parse_irc_line(l);
      if (!p.ok()) continue;
      if (const auto c = interpret_chat_line(p.message)) sink += c->emotes + static_cast<long long>(c->channel.size()) + (c->sent_ms ? 1 : 0);
      else sink += p.message.param_count;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rates.push_back(static_cast<double>(n) / s);
  }
  std::sort(rates.begin(), rates.end());
  const double median = rates[rates.size() / 2];
  std::printf("lines: %zu (%.0f bytes avg), %d runs\n", n, static_cast<double>(bytes) / static_cast<double>(n), reps);
  std::printf("parse + interpret: median %.2f M lines/s (%.0f MB/s), best %.2f, worst %.2f  [checksum %lld]\n",
              median / 1e6, median * static_cast<double>(bytes) / static_cast<double>(n) / 1e6, rates.back() / 1e6,
              rates.front() / 1e6, sink);
  return 0;
}
