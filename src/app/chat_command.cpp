#include "app/chat_command.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

// moodycamel's SPSC queue hands items over through standalone fences, which ThreadSanitizer cannot see;
// the library annotates them for TSan only where __has_feature(thread_sanitizer) exists (clang). GCC
// (before 14) says __SANITIZE_THREAD__ instead: give it the same annotations, or every hand-off is a race.
#if defined(__SANITIZE_THREAD__) && !defined(AE_TSAN_ANNOTATE_RELEASE)
namespace moodycamel {
inline int ae_tsan_global;
}
extern "C" void AnnotateHappensBefore(const char*, int, void*);
extern "C" void AnnotateHappensAfter(const char*, int, void*);
#define AE_TSAN_ANNOTATE_RELEASE() AnnotateHappensBefore(__FILE__, __LINE__, &::moodycamel::ae_tsan_global)
#define AE_TSAN_ANNOTATE_ACQUIRE() AnnotateHappensAfter(__FILE__, __LINE__, &::moodycamel::ae_tsan_global)
#endif
#include <readerwriterqueue/readerwriterqueue.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "app/config.hpp"
#include "core/peak_picker.hpp"
#include "gpu/backend.hpp"
#include "irc/chat_counter.hpp"
#include "irc/twitch_client.hpp"

namespace hyped {
namespace {

using json = nlohmann::ordered_json;
using SysClock = std::chrono::system_clock;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kQueueItems = 1 << 16;  // ~ a minute of the busiest chats; beyond it, drops are counted

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SysClock::now().time_since_epoch()).count();
}

// What the client thread hands to the main thread.
struct Item {
  enum class Kind { Entry, Clear, Status, Malformed } kind = Kind::Entry;
  int channel = -1;
  ChatLogEntry entry;  // Entry; Clear uses entry.t_s
  std::string what;    // Status: event name; Malformed: reason
  std::string detail;  // Status detail; Malformed: the line (shortened)
  double t_s = 0;
};

void print(const json& j) { std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << '\n' << std::flush; }

// One followed channel: its counter, its detector state and its recording.
struct Channel {
  std::string name;
  ChatCounter counter;
  PeakPicker picker;
  std::ofstream record;
  long long messages = 0, events = 0, late = 0;
};

}  // namespace

namespace {

IrcClientOptions irc_options(const AppConfig& cfg) {
  IrcClientOptions irc = cfg.irc;
  if (irc.token.empty())
    if (const char* t = std::getenv("HYPED_TWITCH_TOKEN"); t && *t) irc.token = t;
  return irc;
}

}  // namespace

// Which stream each joined chat feeds, and each stream's weigher: written by follow()/unfollow() on any
// thread, read by the client's thread for every message.
struct LiveChat::Routes {
  std::mutex mu;
  std::unordered_map<std::string, std::string> stream_of;  // chat channel → stream
  std::unordered_map<std::string, ChatEntryWeigher> weighers;  // by stream
};

LiveChat::LiveChat(const AppConfig& cfg, LiveChatSink add) : routes_(std::make_shared<Routes>()) {
  try {
    client_ = std::make_unique<TwitchChatClient>(irc_options(cfg), std::vector<std::string>{});
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());
  }
  client_->on_chat = [routes = routes_, add = std::move(add), p = cfg.detector, w = chat_weights(cfg)](
                         const TwitchChatLine& line, const IrcMessage&) {
    if (line.kind == ChatLineKind::ClearChat || line.kind == ChatLineKind::ClearMsg) return;
    const auto now = SysClock::now();
    const auto when = line.sent_ms ? SysClock::time_point(std::chrono::milliseconds(*line.sent_ms)) : now;
    // The weigher's clock: a timestamp a minute or more off the local one is wrong, not late.
    const bool sane = when - now < std::chrono::minutes(1) && now - when < std::chrono::minutes(1);
    const double t_s = std::chrono::duration<double>((sane ? when : now).time_since_epoch()).count();
    std::string stream;
    float weight = 0;
    {
      std::lock_guard lock(routes->mu);
      const auto it = routes->stream_of.find(std::string(line.channel));
      if (it == routes->stream_of.end()) return;
      stream = it->second;
      // One weigher per stream, in arrival order (time order up to Twitch's own jitter).
      ChatEntryWeigher& weigher = routes->weighers.try_emplace(stream, p, w).first->second;
      weight = weigher.weigh(t_s, line.user, line.text, line.emotes, line.kind == ChatLineKind::Event);
    }
    add(stream, when, weight);
  };
  client_->on_status = [](const IrcStatus& s) {
    if (s.kind == IrcStatus::Kind::Joined) spdlog::info("chat: joined #{}", s.detail);
    if (s.kind == IrcStatus::Kind::Failed) spdlog::error("chat: {}; going on without chat", s.detail);
  };
}

LiveChat::~LiveChat() { stop(); }

void LiveChat::follow(const std::string& chat, const std::string& stream) {
  std::string name;
  try {
    name = normalize_channel(chat);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());
  }
  {
    std::lock_guard lock(routes_->mu);
    if (!routes_->stream_of.emplace(name, stream).second) return;
  }
  client_->join(name);
}

void LiveChat::unfollow(const std::string& stream) {
  std::vector<std::string> chats;
  {
    std::lock_guard lock(routes_->mu);
    for (auto it = routes_->stream_of.begin(); it != routes_->stream_of.end();)
      if (it->second == stream) {
        chats.push_back(it->first);
        it = routes_->stream_of.erase(it);
      } else {
        ++it;
      }
    routes_->weighers.erase(stream);
  }
  for (const std::string& c : chats) client_->part(c);
}

void LiveChat::start() { client_->start(); }
void LiveChat::stop() { client_->stop(); }
IrcClientStats LiveChat::stats() const { return client_->stats(); }

int run_chat(const ChatCommandOptions& opt) {
  AppConfig cfg = opt.config.empty() ? default_config() : load_config(opt.config);
  cfg.detector.chat_centred = false;  // live: the trailing box
  cfg.detector.z_mode = ZMode::Running;
  IrcClientOptions irc = irc_options(cfg);
  if (opt.host) irc.host = *opt.host;
  if (opt.port) irc.port = *opt.port;
  if (opt.plain) irc.tls = false;
  if (!opt.ca_file.empty()) irc.ca_file = opt.ca_file;
  if (opt.channels.empty()) throw ConfigError("name at least one channel");

  std::vector<std::string> names;
  std::unordered_map<std::string, int> index;
  for (const std::string& c : opt.channels) {
    std::string n;
    try {
      n = normalize_channel(c);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(e.what());
    }
    if (index.emplace(n, static_cast<int>(names.size())).second) names.push_back(n);
  }
  const int n_channels = static_cast<int>(names.size());
  const ChatWeights weights = chat_weights(cfg);
  std::vector<std::unique_ptr<Channel>> channels;
  if (!opt.record.empty()) std::filesystem::create_directories(opt.record);
  for (const std::string& n : names) {
    auto ch = std::make_unique<Channel>(Channel{n, ChatCounter(cfg.detector, weights), PeakPicker(cfg.detector), {}});
    if (!opt.record.empty()) {
      const auto path = std::filesystem::path(opt.record) / (n + ".jsonl");
      ch->record.open(path, std::ios::binary | std::ios::trunc);
      if (!ch->record) throw std::runtime_error("cannot write '" + path.string() + "'");
    }
    channels.push_back(std::move(ch));
  }

  // Chat alone drives the detector: its audio input is silence, so z_audio stays 0.
  auto backend = make_cpu_backend(cfg.detector, n_channels);
  const auto hop_len = static_cast<std::size_t>(cfg.detector.hop_len());
  const std::vector<float> silence(hop_len * static_cast<std::size_t>(n_channels), 0.0f);
  std::vector<float> chat_in(static_cast<std::size_t>(n_channels), 0.0f);
  std::vector<HopFeatures> out(static_cast<std::size_t>(n_channels));
  backend->tick(silence, chat_in, 1, out);  // block 0 ends no frame (frame f ends with block f + 1)

  moodycamel::ReaderWriterQueue<Item> queue(kQueueItems);
  std::atomic<long long> dropped{0};
  const std::int64_t start_ms = unix_ms_now();
  const auto start = Clock::now();
  auto session_s = [start] { return std::chrono::duration<double>(Clock::now() - start).count(); };

  std::optional<TwitchChatClient> client_holder;
  try {
    client_holder.emplace(irc, names);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());
  }
  TwitchChatClient& client = *client_holder;
  auto push = [&](Item&& it) {
    if (!queue.try_enqueue(std::move(it))) ++dropped;
  };
  client.on_chat = [&](const TwitchChatLine& line, const IrcMessage&) {
    const auto it = index.find(std::string(line.channel));
    if (it == index.end()) return;
    Item item;
    item.channel = it->second;
    const double t = chat_time_s(line, start_ms, unix_ms_now());
    if (line.kind == ChatLineKind::ClearChat || line.kind == ChatLineKind::ClearMsg) {
      item.kind = Item::Kind::Clear;
      item.entry.t_s = t;
    } else {
      item.entry = to_chat_log_entry(line, t);
    }
    push(std::move(item));
  };
  client.on_malformed = [&](std::string_view line, IrcParseError why) {
    Item item;
    item.kind = Item::Kind::Malformed;
    item.what = to_string(why);
    item.detail = std::string(line.substr(0, 120));
    push(std::move(item));
  };
  client.on_status = [&](const IrcStatus& s) {
    Item item;
    item.kind = Item::Kind::Status;
    item.what = to_string(s.kind);
    item.detail = s.detail;
    item.t_s = session_s();
    push(std::move(item));
  };

  g_stop = false;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  print(json{{"type", "start"}, {"channels", names}, {"nick", client.nick()}, {"epoch_ms", start_ms},
             {"hop_s", cfg.detector.hop_s}, {"host", irc.host}, {"port", irc.port}, {"tls", irc.tls}});
  client.start();

  long long malformed_seen = 0;
  std::string failure;  // the client gave up (IrcStatus::Kind::Failed): its reason
  auto drain = [&] {
    Item item;
    while (queue.try_dequeue(item)) {
      switch (item.kind) {
        case Item::Kind::Entry: {
          Channel& ch = *channels[static_cast<std::size_t>(item.channel)];
          const bool is_event = !item.entry.event.empty();
          if (opt.messages) {
            json j{{"type", is_event ? "event" : "message"}, {"channel", ch.name}, {"t", item.entry.t_s},
                   {"user", item.entry.user}, {"text", item.entry.text}, {"emotes", item.entry.emotes}};
            if (is_event) j["event"] = item.entry.event;
            print(j);
          }
          (is_event ? ch.events : ch.messages) += 1;
          if (ch.counter.add(std::move(item.entry))) ++ch.late;
          break;
        }
        case Item::Kind::Clear:
          channels[static_cast<std::size_t>(item.channel)]->counter.add_clear(item.entry.t_s);
          break;
        case Item::Kind::Status:
          print(json{{"type", "irc"}, {"event", item.what}, {"detail", item.detail}, {"t", item.t_s}});
          if (item.what == to_string(IrcStatus::Kind::Failed)) failure = item.detail;
          break;
        case Item::Kind::Malformed:
          ++malformed_seen;
          print(json{{"type", "malformed"}, {"reason", item.what}, {"line", item.detail}});
          break;
      }
    }
  };

  // Every channel shares the session clock, so their bins close together: one backend tick per hop.
  auto close_hops = [&](double until_s) {
    std::vector<std::vector<ChatHop>> closed(static_cast<std::size_t>(n_channels));
    for (int c = 0; c < n_channels; ++c) closed[static_cast<std::size_t>(c)] = channels[static_cast<std::size_t>(c)]->counter.close_until(until_s);
    const std::size_t n_hops = closed.empty() ? 0 : closed[0].size();
    for (std::size_t h = 0; h < n_hops; ++h) {
      for (int c = 0; c < n_channels; ++c) chat_in[static_cast<std::size_t>(c)] = closed[static_cast<std::size_t>(c)][h].weight;
      backend->tick(silence, chat_in, 1, out);
      for (int c = 0; c < n_channels; ++c) {
        Channel& ch = *channels[static_cast<std::size_t>(c)];
        ChatHop& hop = closed[static_cast<std::size_t>(c)][h];
        const HopFeatures& f = out[static_cast<std::size_t>(c)];
        if (ch.record)
          for (const ChatLogEntry& e : hop.entries) ch.record << to_jsonl(e) << '\n';
        if (hop.messages + hop.events + hop.cleared > 0)
          print(json{{"type", "hop"}, {"channel", ch.name}, {"hop", hop.bin}, {"t", hop.t_s}, {"messages", hop.messages},
                     {"chatters", hop.chatters}, {"emotes", hop.emotes}, {"events", hop.events}, {"keywords", hop.keywords},
                     {"cleared", hop.cleared}, {"weight", hop.weight}, {"chat_rate", f.chat_rate}, {"chat_z", f.z_chat},
                     {"score", f.score}});
        if (auto hl = ch.picker.push(hop.bin, f)) {
          json reasons = hl->reasons;
          print(json{{"type", "highlight"}, {"channel", ch.name}, {"id", hl->id}, {"revision", hl->revision}, {"time_s", hl->time_s},
                     {"start_s", hl->start_s}, {"end_s", hl->end_s}, {"score", hl->score}, {"audio_z", hl->audio_z},
                     {"chat_z", hl->chat_z}, {"chat_rate", hl->chat_rate}, {"reasons", reasons}});
        }
      }
    }
    for (auto& ch : channels)
      if (ch->record) ch->record.flush();
  };

  const double delay = cfg.chat.close_delay_s;
  while (!g_stop && failure.empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    drain();
    const double now = session_s();
    close_hops(now - delay);
    if (opt.duration_s > 0 && now >= opt.duration_s) break;
  }
  client.stop();
  drain();
  close_hops(session_s() - delay);

  const IrcClientStats st = client.stats();
  long long messages = 0, events = 0, late = 0;
  for (const auto& ch : channels) {
    messages += ch->messages;
    events += ch->events;
    late += ch->late;
  }
  print(json{{"type", "summary"}, {"seconds", session_s()}, {"hops", channels.empty() ? 0 : channels[0]->counter.next_bin()},
             {"lines", st.lines}, {"malformed", st.malformed}, {"chat_lines", st.chat}, {"messages", messages},
             {"events", events}, {"late", late}, {"dropped", dropped.load()}, {"connects", st.connects},
             {"reconnects", st.reconnects}, {"joined", st.joined}, {"connections", st.connections}});
  if (!failure.empty()) throw std::runtime_error("chat: " + failure);
  return 0;
}

}  // namespace hyped
