#include "app/live_session.hpp"

#include <concurrentqueue/blockingconcurrentqueue.h>
#include <concurrentqueue/concurrentqueue.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <csignal>
#include <ctime>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>

#include "app/multi_stream_detector.hpp"
#include "app/wav_recorder.hpp"
#include "irc/chat_log.hpp"
#include "live/hls_follower.hpp"
#include "live/http_client.hpp"
#include "live/twitch_resolver.hpp"
#include "live/url.hpp"

namespace hyped {

namespace asio = boost::asio;

namespace {

double to_unix_s(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point from_unix_s(double s) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(s)));
}

// A block of decoded audio on its way from the ingest thread to the detector thread: its samples, or
// (sent ahead) how many its ingest thread wrote into the channel's ring.
struct AudioChunk {
  int channel = 0;
  std::vector<float> samples;  // at most one hop; shorter where a segment ends
  std::shared_ptr<StageRing> ring;  // set: the samples are in it, `staged` of them
  long long staged = 0;
  double stream_s = 0;
  double wall_s = 0;
  long long count() const { return ring ? staged : static_cast<long long>(samples.size()); }
};

struct ChatEvent {
  int channel = 0;
  double t = 0;
  bool wall = false;  // t is Unix time rather than stream time
  float weight = 1;
};

// One channel's side of the detector thread: its stream in the session's MultiStreamDetector (hop
// blocks through the shared backend, chat binned on the same hop grid for the trailing box, peaks
// picked), and times mapped from the contiguous audio the detector saw back to stream and wall time
// through anchors set wherever the stream jumped.
class ChannelDetector {
 public:
  ChannelDetector(std::string name, const DetectorParams& p, std::unique_ptr<WavRecorder> recorder,
                  std::string chat_record_path)
      : name_(std::move(name)),
        p_(p),
        recorder_(std::move(recorder)),
        chat_record_path_(std::move(chat_record_path)) {}

  std::function<void(const LiveHighlight&)>* on_highlight = nullptr;
  std::function<void(const std::string&, double, const HopFeatures&)>* on_hop = nullptr;
  long long highlights = 0;
  void set_target_per_hour(double n) { target_per_hour_ = n; }

  // What this channel hands the shared detector, and where its samples go.
  MultiStreamDetector::Stream stream() {
    return {[this](long long frame) { return chat_for_frame(frame); },
            [this](double det_t, const HopFeatures& f) {
              if (on_hop && *on_hop) (*on_hop)(name_, map_time(det_t, &Anchor::stream_s), f);
            },
            [this](const Highlight& hl) { emit(hl); },
            std::nullopt,  // chat as it arrives
            target_per_hour_};
  }
  void attach(MultiStreamDetector& detector, int stream) {
    detector_ = &detector;
    stream_ = stream;
  }
  int stream_index() const { return stream_; }

  void push(const AudioChunk& c) {
    const double rate = p_.sample_rate_hz;
    if (anchors_.empty() || std::abs(c.stream_s - expected_stream_s_) > 0.005) {
      anchors_.push_back({samples_in_, c.stream_s, c.wall_s});
      // Highlights map times a clip's length back at most; older anchors are not needed.
      while (anchors_.size() > 2 && static_cast<double>(samples_in_ - anchors_[1].det_sample) / rate > 600) anchors_.pop_front();
    }
    const long long n = c.count();
    expected_stream_s_ = c.stream_s + static_cast<double>(n) / rate;
    samples_in_ += n;
    if (c.ring) {
      if (!staged_) detector_->use_stage(stream_, c.ring);
      staged_ = true;
      detector_->push_staged(stream_, n);
      return;
    }
    if (recorder_) recorder_->write(c.samples);
    detector_->push(stream_, c.samples);
  }

  void add_chat(double t, bool wall, float weight) {
    const double det_t = wall ? det_time_of(t, &Anchor::wall_s) : det_time_of(t, &Anchor::stream_s);
    const long long bin = p_.frame_at(det_t);
    if (bin > next_frame_ + 7200) return;  // an hour ahead: a wrong clock, not chat
    // A message for a frame already scored counts in the next one: late, but not lost.
    const long long used = std::max(bin, next_frame_);
    chat_bins_[used] += weight;
    if (!chat_record_path_.empty()) record_chat(p_.frame_time_s(used), weight);
  }

 private:
  struct Anchor {
    long long det_sample;
    double stream_s;
    double wall_s;
  };

  const Anchor* anchor_at(double det_t) const {
    const auto sample = static_cast<long long>(det_t * p_.sample_rate_hz);
    const Anchor* a = anchors_.empty() ? nullptr : &anchors_.front();
    for (const Anchor& x : anchors_)
      if (x.det_sample <= sample) a = &x;
    return a;
  }
  double map_time(double det_t, double Anchor::*field) const {
    const Anchor* a = anchor_at(det_t);
    if (!a) return det_t;
    return a->*field + det_t - static_cast<double>(a->det_sample) / p_.sample_rate_hz;
  }
  double det_time_of(double t, double Anchor::*field) const {
    if (anchors_.empty()) return field == &Anchor::stream_s ? t : 0.0;
    const Anchor* a = &anchors_.front();
    for (const Anchor& x : anchors_)
      if (x.*field <= t) a = &x;
    return static_cast<double>(a->det_sample) / p_.sample_rate_hz + (t - a->*field);
  }

  float chat_for_frame(long long frame) {
    float sum = 0;
    while (!chat_bins_.empty() && chat_bins_.begin()->first <= frame) {
      sum += chat_bins_.begin()->second;
      chat_bins_.erase(chat_bins_.begin());
    }
    next_frame_ = frame + 1;
    return sum;
  }

  void emit(Highlight hl) {
    if (hl.revision == 0) ++highlights;  // a revision is the same highlight, better told
    const double det_t = hl.time_s;
    LiveHighlight out;
    out.channel = name_;
    const double t = map_time(det_t, &Anchor::stream_s);
    hl.start_s = std::max(0.0, t - (det_t - hl.start_s));
    hl.end_s = t + (hl.end_s - det_t);
    hl.time_s = t;
    out.wall_time = from_unix_s(map_time(det_t, &Anchor::wall_s));
    out.highlight = std::move(hl);
    if (on_highlight && *on_highlight) (*on_highlight)(out);
  }

  std::string name_;
  std::optional<double> target_per_hour_;  // [channel.NAME] target_per_hour
  DetectorParams p_;
  std::map<long long, float> chat_bins_;  // weight per frame, until the detector takes it
  long long next_frame_ = 0;             // the first frame not yet scored
  std::deque<Anchor> anchors_;
  MultiStreamDetector* detector_ = nullptr;  // the session's, shared by every channel
  int stream_ = 0;
  bool staged_ = false;  // its samples arrive through a send-ahead ring
  // Recorded at the centre of the bin it counted in, with its weight: `hyped replay WAV --chat JSONL
  // --chat-box trailing` then feeds the detector exactly what it saw live. The file appears with the
  // first message, so an audio-only session leaves none.
  void record_chat(double t_s, float weight) {
    if (!chat_recorder_) {
      chat_recorder_ = std::make_unique<std::ofstream>(chat_record_path_);
      if (!*chat_recorder_) {
        spdlog::error("[{}] cannot write '{}': chat is not recorded", name_, chat_record_path_);
        chat_record_path_.clear();
        return;
      }
      spdlog::info("[{}] recording chat to {}", name_, chat_record_path_);
    }
    ChatLogEntry e;
    e.t_s = t_s;
    e.weight = weight;
    *chat_recorder_ << to_jsonl(e) << std::endl;
  }

  std::unique_ptr<WavRecorder> recorder_;
  std::string chat_record_path_;                  // empty: chat is not recorded
  std::unique_ptr<std::ofstream> chat_recorder_;  // JSONL beside the WAV, in its time base
  double expected_stream_s_ = 0;
  long long samples_in_ = 0;
};

std::string safe_file_name(const std::string& s) {
  std::string out;
  for (const char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  if (out.size() > 80) out = out.substr(out.size() - 80);
  return out.empty() ? "stream" : out;
}

std::string utc_stamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace

struct LiveSession::Impl {
  struct Channel {
    int id = 0;  // never reused: audio and chat of a channel that left cannot reach the next one
    std::string name;
    std::string url;  // empty for Twitch channels until resolved
    bool twitch = false;
    std::atomic<bool> leaving{false};  // remove_channel(): its following ends
    std::unique_ptr<HttpClient> api;  // Twitch GQL/usher client (token renewals)
    std::unique_ptr<HlsFollower> follower;
    std::shared_ptr<StageRing> ring;  // sent ahead: where its ingest thread writes its audio
    LiveChannelReport earlier;  // the figures of its broadcasts so far
    std::optional<asio::steady_timer> wait_timer;  // while it is offline
    int thread = 0;  // the ingest thread it is followed on (0: run()'s own)
    asio::io_context* io = nullptr;
  };
  // What the detector thread is told of the followed set, in order.
  struct Command {
    bool add = true;  // else: remove
    int id = 0;
    std::string name;
  };
  struct Record {
    LiveChannelReport report;
    bool ended = false;  // its following finished (a report is in)
  };

  // First: destroyed last, after every socket and timer that belongs to it (coroutines a stop left
  // suspended are destroyed with it; their frames own only their locals).
  asio::io_context ioc{1};  // signals, the stop's grace timer, and the first share of the streams
  std::vector<std::unique_ptr<asio::io_context>> ingest;  // one more per further ingest thread
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;  // until the session ends
  LiveSessionOptions opt;
  std::function<void(const LiveHighlight&)>* on_highlight = nullptr;
  std::function<void(const std::string&, double, const HopFeatures&)>* on_hop = nullptr;
  std::function<void(const std::string&, bool, std::chrono::system_clock::time_point)>* on_broadcast = nullptr;
  std::function<void(const std::string&, bool)>* on_channel = nullptr;

  // The followed set, shared by the adding threads, the ingest threads and the detector thread.
  mutable std::mutex mu;
  std::map<int, std::shared_ptr<Channel>> channels;  // being followed or finishing, by id
  std::map<std::string, int> names;                  // followed now: name → id
  std::map<int, Record> records;                     // every channel ever added, by id (= order added)
  std::vector<Command> commands;                     // for the detector thread
  std::vector<int> load;                             // channels per ingest thread
  int next_id = 0;
  bool started = false;  // run() has started ingest: new channels start at once
  bool ended = false;    // the session is over: nothing more is added

  // The detector thread's own.
  std::unordered_map<int, std::unique_ptr<ChannelDetector>> detectors;  // by channel id
  std::unique_ptr<MultiStreamDetector> detector;  // every channel's stream, one backend
  std::string stamp;  // of recordings
  std::vector<Command> deferred;  // removals whose last audio may still be queued

  moodycamel::BlockingConcurrentQueue<AudioChunk> audio;
  moodycamel::ConcurrentQueue<ChatEvent> chat;
  std::atomic<std::size_t> capacity{64};
  std::atomic<long long> dropped{0};
  bool send_ahead = false;  // set before ingest starts
  std::atomic<bool> ingest_done{false};
  std::atomic<int> active{0};  // channels still being followed, over every ingest thread
  std::atomic<bool> stopping{false};

  std::optional<asio::signal_set> signals;
  std::optional<asio::steady_timer> grace;
  std::shared_ptr<TlsTrust> trust;

  explicit Impl(LiveSessionOptions o) : opt(std::move(o)) {}

  bool done_with(const Channel& ch) const { return stopping || ch.leaving; }

  void enqueue(Channel& ch, const LiveAudio& a) {
    if (send_ahead) {
      enqueue_staged(ch, a);
      return;
    }
    const int channel = ch.id;
    const int hop = opt.detector.hop_len();
    const double rate = opt.detector.sample_rate_hz;
    for (std::size_t off = 0; off < a.samples.size(); off += static_cast<std::size_t>(hop)) {
      const std::size_t n = std::min(a.samples.size() - off, static_cast<std::size_t>(hop));
      AudioChunk c;
      c.channel = channel;
      c.samples.assign(a.samples.begin() + static_cast<std::ptrdiff_t>(off),
                       a.samples.begin() + static_cast<std::ptrdiff_t>(off + n));
      c.stream_s = a.stream_s + static_cast<double>(off) / rate;
      c.wall_s = a.wall_s + static_cast<double>(off) / rate;
      // Bounded: a detector that falls behind loses the oldest audio, not the newest.
      if (audio.size_approx() >= capacity.load()) {
        AudioChunk old;
        if (audio.try_dequeue(old)) {
          if (dropped.fetch_add(1) % 100 == 0)
            spdlog::warn("detector is behind: dropped the oldest audio chunk ({} so far)", dropped.load() + 1);
        }
      }
      audio.enqueue(std::move(c));
    }
  }

  // Sent ahead (a CUDA backend): the audio goes straight into the channel's ring, each hop block on to
  // the device as it completes, and only its length travels to the detector thread. The ring bounds
  // what waits for the detector: audio it has no room for is lost, counted and logged.
  void enqueue_staged(Channel& ch, const LiveAudio& a) {
    if (!ch.ring) ch.ring = detector->open_stage();
    const std::size_t taken = ch.ring->write(a.samples);
    if (taken < a.samples.size()) {
      const long long n = dropped.fetch_add(1) + 1;
      if (n % 100 == 1)
        spdlog::warn("[{}] detector is behind: {:.1f} s of audio lost, its buffer full ({} cut so far)", ch.name,
                     static_cast<double>(a.samples.size() - taken) / opt.detector.sample_rate_hz, n);
    }
    if (taken == 0) return;
    AudioChunk c;
    c.channel = ch.id;
    c.ring = ch.ring;
    c.staged = static_cast<long long>(taken);
    c.stream_s = a.stream_s;
    c.wall_s = a.wall_s;
    audio.enqueue(std::move(c));
  }

  // Sleeps s seconds on the channel's timer, which stopping or removing it cancels; false then.
  asio::awaitable<bool> wait_offline(Channel& ch, double s) {
    ch.wait_timer.emplace(*ch.io);
    ch.wait_timer->expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s)));
    co_await ch.wait_timer->async_wait(asio::as_tuple(asio::use_awaitable));
    co_return !done_with(ch);
  }

  void broadcast(const Channel& ch, bool live) {
    if (on_broadcast && *on_broadcast) (*on_broadcast)(ch.name, live, std::chrono::system_clock::now());
  }

  // A Twitch channel: waits while it is offline, follows each broadcast, and waits again when it ends
  // (unless exit_when_offline). An HLS URL: followed once.
  asio::awaitable<std::string> follow_broadcasts(Channel& ch, std::shared_ptr<TlsTrust> trust) {
    TwitchOptions tw;
    if (!opt.gql_url.empty()) tw.gql_url = opt.gql_url;
    if (!opt.usher_url.empty()) tw.usher_url = opt.usher_url;
    if (!opt.client_id.empty()) tw.client_id = opt.client_id;
    HlsFollowerOptions fo;
    fo.label = ch.name;
    fo.sample_rate_hz = opt.detector.sample_rate_hz;
    if (!ch.twitch) {
      fo.url = ch.url;
      if (done_with(ch)) co_return std::string();
      ch.follower = std::make_unique<HlsFollower>(ch.io->get_executor(), trust, fo);
      ch.follower->on_audio = [this, &ch](const LiveAudio& a) { enqueue(ch, a); };
      co_return co_await ch.follower->run();
    }
    ch.api = std::make_unique<HttpClient>(ch.io->get_executor(), trust);
    auto offline_since = std::chrono::steady_clock::now();
    bool said_waiting = false;
    std::mt19937 rng{std::random_device{}()};
    int unanswered = 0;  // Twitch's failures to answer in a row
    std::chrono::steady_clock::time_point unanswered_since;
    for (int broadcasts = 0; !done_with(ch);) {
      TwitchStream s;
      std::optional<std::string> offline;      // why usher has no playlist (no co_await inside a handler)
      std::optional<std::string> unavailable;  // why Twitch did not answer
      try {
        s = co_await resolve_twitch_stream(*ch.api, tw, ch.name);
      } catch (const TwitchOfflineError& e) {
        offline = e.what();
      } catch (const TwitchUnavailableError& e) {
        unavailable = e.what();
      }
      if (unavailable) {
        // A timeout or a 5xx is no verdict on the channel: ask again, backing off with jitter up to a
        // poll's wait, rather than dropping a channel a bot may follow for weeks. A script
        // (--exit-when-offline) gets the error after a minute of it.
        if (unanswered++ == 0) unanswered_since = std::chrono::steady_clock::now();
        const double failing_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - unanswered_since).count();
        if (opt.exit_when_offline && failing_s > 60.0) co_return *unavailable;
        const double base =
            std::min(std::max(1.0, opt.offline_poll_s), 0.5 * std::pow(2.0, std::min(unanswered - 1, 10)));
        const double wait = std::uniform_real_distribution<double>(base * 0.5, base)(rng);
        spdlog::warn("[{}] {}; asking again in {:.1f} s", ch.name, *unavailable, wait);
        if (!co_await wait_offline(ch, wait)) break;
        continue;
      }
      unanswered = 0;
      if (offline) {
        if (opt.exit_when_offline) co_return broadcasts == 0 ? *offline : std::string();
        const double offline_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - offline_since).count();
        // Every offline_poll_s for ten minutes (a streamer who started hyped first goes live soon), then
        // backing off to 4x that: a bot waiting for days asks Twitch less.
        const double poll_s = opt.offline_poll_s * std::clamp(offline_s / 600.0, 1.0, 4.0);
        if (!said_waiting)
          spdlog::info("[{}] offline; waiting for a broadcast (asking every {:.0f} s)", ch.name, poll_s);
        said_waiting = true;
        if (!co_await wait_offline(ch, poll_s)) break;
        continue;
      }
      ++broadcasts;
      said_waiting = false;
      spdlog::info("[{}] live; rendition {}", ch.name, s.rendition);
      broadcast(ch, true);
      fo.url = s.media_url;
      fo.renew_url = [&ch, tw]() -> asio::awaitable<std::string> {
        std::string url;
        try {
          const TwitchStream fresh = co_await resolve_twitch_stream(*ch.api, tw, ch.name);
          url = fresh.media_url;
        } catch (const TwitchOfflineError&) {
          // The broadcast is over: "" ends following it cleanly.
        }
        co_return url;
      };
      if (ch.follower) accumulate(ch);
      ch.follower = std::make_unique<HlsFollower>(ch.io->get_executor(), trust, fo);
      ch.follower->on_audio = [this, &ch](const LiveAudio& a) { enqueue(ch, a); };
      std::string error;
      error = co_await ch.follower->run();
      if (done_with(ch)) break;
      broadcast(ch, false);
      if (opt.exit_when_offline) co_return error;
      if (!error.empty()) spdlog::warn("[{}] {}; asking Twitch whether it is still live", ch.name, error);
      else spdlog::info("[{}] broadcast ended", ch.name);
      offline_since = std::chrono::steady_clock::now();
      // usher may list an ended broadcast for a while: ask again only after a poll's wait.
      if (!co_await wait_offline(ch, opt.offline_poll_s)) break;
    }
    co_return std::string();
  }

  // Under `mu`: the channel's report from its broadcasts' figures (the detector counts its highlights).
  Record& report_locked(const Channel& ch, const std::string& error) {
    Record& r = records[ch.id];
    const long long highlights = r.report.highlights;
    r.report = ch.earlier;
    r.report.channel = ch.name;
    r.report.error = error;
    r.report.highlights = highlights;
    return r;
  }

  // Figures of a finished broadcast's follower, kept across the channel's broadcasts.
  void accumulate(Channel& ch) {
    const HlsFollowerStats s = ch.follower->stats();
    LiveChannelReport& r = ch.earlier;
    r.requests += s.requests;
    r.connections += s.connections;
    r.audio_s += s.audio_s;
    r.gap_s += s.gap_s;
    r.ad_s += s.ad_s;
    r.segments += s.segments;
    r.gaps += s.gaps;
    r.ad_segments += s.ad_segments;
    r.retries += s.retries;
    r.stalls += s.stalls;
  }

  asio::awaitable<void> follow(std::shared_ptr<Channel> chp) {
    Channel& ch = *chp;
    std::string error;
    try {
      error = co_await follow_broadcasts(ch, trust);
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (ch.follower) accumulate(ch);
    // Its sockets and timers go on the thread they belong to.
    ch.follower.reset();
    ch.ring.reset();  // the detector keeps it until it has scored what is in it
    ch.api.reset();
    ch.wait_timer.reset();
    {
      std::lock_guard lock(mu);
      if (!error.empty() && (opt.wait_for_channels || records.size() > 1)) spdlog::error("[{}] {}", ch.name, error);
      Record& r = report_locked(ch, error);
      r.ended = true;
      if (const auto it = names.find(ch.name); it != names.end() && it->second == ch.id) names.erase(it);
      --load[static_cast<std::size_t>(ch.thread)];
      channels.erase(ch.id);
      // The detector sends its last highlight and frees its state.
      commands.push_back({false, ch.id, ch.name});
      capacity = opt.queue_chunks > 0 ? opt.queue_chunks : 64 * std::max<std::size_t>(1, names.size());
    }
    if (active.fetch_sub(1) == 1 && (!opt.wait_for_channels || stopping)) asio::post(ioc, [this] { end(); });
  }

  // On the main context: nothing is followed any more, or the stop's grace is over.
  void end() {
    {
      std::lock_guard lock(mu);
      ended = true;
    }
    guards.clear();
    if (signals) signals->cancel();
    if (grace) grace->cancel();
  }

  // On the main context. Each channel is stopped on its own ingest thread, where its objects live.
  void stop_all() {
    if (stopping.exchange(true)) return;
    {
      std::lock_guard lock(mu);
      for (const auto& [id, ch] : channels)
        asio::post(*ch->io, [c = ch] {
          if (c->follower) c->follower->stop();
          if (c->wait_timer) c->wait_timer->cancel();
        });
    }
    if (active.load() == 0) end();
    // Requests in flight end by their own deadlines; do not wait that long for them.
    grace.emplace(ioc, std::chrono::seconds(2));
    grace->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      for (auto& io : ingest) io->stop();
      ioc.stop();
    });
  }

  // Under `mu`, once run() has started ingest: on the ingest thread with the fewest channels.
  void start_locked(const std::shared_ptr<Channel>& ch) {
    ch->thread = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    ++load[static_cast<std::size_t>(ch->thread)];
    ch->io = ch->thread == 0 ? &ioc : ingest[static_cast<std::size_t>(ch->thread - 1)].get();
    ++active;
    asio::co_spawn(*ch->io, follow(ch), asio::detached);
  }

  bool add(std::shared_ptr<Channel> ch) {
    bool now = false;
    {
      std::lock_guard lock(mu);
      if (ended) throw std::logic_error("the live session is over: no channel can be added");
      if (names.count(ch->name)) return false;
      ch->id = next_id++;
      names[ch->name] = ch->id;
      channels[ch->id] = ch;
      records[ch->id].report.channel = ch->name;
      commands.push_back({true, ch->id, ch->name});  // before its first audio
      capacity = opt.queue_chunks > 0 ? opt.queue_chunks : 64 * std::max<std::size_t>(1, names.size());
      now = started;
      if (started) start_locked(ch);
    }
    spdlog::info("[{}] following", ch->name);
    if (now && on_channel && *on_channel) (*on_channel)(ch->name, true);
    return true;
  }

  bool remove(const std::string& name) {
    std::lock_guard lock(mu);
    const auto it = names.find(name);
    if (it == names.end()) return false;
    const int id = it->second;
    names.erase(it);
    spdlog::info("[{}] leaving", name);
    const std::shared_ptr<Channel> ch = channels.at(id);
    ch->leaving = true;
    if (!started) {  // never followed: nothing to flush
      channels.erase(id);
      records.erase(id);
      std::erase_if(commands, [id](const Command& c) { return c.id == id; });
      return true;
    }
    asio::post(*ch->io, [ch] {
      if (ch->follower) ch->follower->stop();
      if (ch->wait_timer) ch->wait_timer->cancel();
    });
    return true;
  }

  std::vector<Command> take_commands() {
    std::lock_guard lock(mu);
    return std::exchange(commands, {});
  }

  // Detector thread.
  void add_detector(const Command& c) {
    const DetectorParams& p = opt.detector;
    std::unique_ptr<WavRecorder> rec;
    std::string chat_path;
    if (!opt.record_dir.empty()) {
      const auto stem = std::filesystem::path(opt.record_dir) / (safe_file_name(c.name) + "-" + stamp);
      rec = std::make_unique<WavRecorder>(stem.string() + ".wav", p.sample_rate_hz);
      chat_path = stem.string() + ".jsonl";
      spdlog::info("[{}] recording decoded audio to {}", c.name, rec->path());
    }
    auto det = std::make_unique<ChannelDetector>(c.name, p, std::move(rec), std::move(chat_path));
    det->on_highlight = on_highlight;
    det->on_hop = on_hop;
    if (const auto it = opt.target_per_hour.find(c.name); it != opt.target_per_hour.end())
      det->set_target_per_hour(it->second);
    det->attach(*detector, detector->add_stream(det->stream()));
    detectors[c.id] = std::move(det);
  }

  // Detector thread: the channel's last hops scored, its last highlight sent, its state freed.
  void remove_detector(const Command& c) {
    const auto it = detectors.find(c.id);
    if (it == detectors.end()) return;
    detector->remove_stream(it->second->stream_index());
    const long long highlights = it->second->highlights;
    detectors.erase(it);
    bool followed_again = false;  // the name was added again while this one finished
    {
      std::lock_guard lock(mu);
      records[c.id].report.highlights = highlights;
      followed_again = names.count(c.name) > 0;
    }
    if (!followed_again && on_channel && *on_channel) (*on_channel)(c.name, false);
  }

  void detect_loop() {
    std::vector<AudioChunk> batch(64);
    std::vector<ChatEvent> chats;
    ChatEvent ev;
    for (;;) {
      std::size_t n = audio.wait_dequeue_bulk_timed(batch.begin(), 64, std::chrono::milliseconds(50));
      chats.clear();
      while (chat.try_dequeue(ev)) chats.push_back(ev);
      // Taken after the audio and chat: a channel's addition is queued before its first chunk or message.
      std::vector<Command> cmds = std::exchange(deferred, {});
      for (Command& c : take_commands()) cmds.push_back(std::move(c));
      const bool removing = std::any_of(cmds.begin(), cmds.end(), [](const Command& c) { return !c.add; });
      if (removing) {
        // A leaving channel's last audio was queued before its removal: take all that is queued.
        batch.resize(n);
        AudioChunk more[64];
        while (const std::size_t m = audio.try_dequeue_bulk(more, 64))
          for (std::size_t i = 0; i < m; ++i) batch.push_back(std::move(more[i]));
        n = batch.size();
        // Additions behind that audio; removals now are left for the next round, their audio may follow.
        for (Command& c : take_commands()) (c.add ? cmds : deferred).push_back(std::move(c));
      }
      for (const Command& c : cmds)
        if (c.add) add_detector(c);
      for (const ChatEvent& e : chats)
        if (const auto it = detectors.find(e.channel); it != detectors.end()) it->second->add_chat(e.t, e.wall, e.weight);
      for (std::size_t i = 0; i < n; ++i)
        if (const auto it = detectors.find(batch[i].channel); it != detectors.end()) it->second->push(batch[i]);
      // One tick serves every channel with whole hop blocks waiting.
      if (n > 0) detector->process();
      for (const Command& c : cmds)
        if (!c.add) remove_detector(c);
      if (batch.size() < 64) batch.resize(64);
      if (n == 0 && deferred.empty() && ingest_done.load() && audio.size_approx() == 0) break;
    }
    for (const Command& c : take_commands()) {
      if (c.add) add_detector(c);
      else remove_detector(c);
    }
    detector->finish();  // the last whole hops, and revisions still waiting for their peak
    for (const auto& [id, det] : detectors) {
      std::lock_guard lock(mu);
      records[id].report.highlights = det->highlights;
    }
  }

  void push_chat(const std::string& channel, double t, bool wall, float weight) {
    int id = 0;
    {
      std::lock_guard lock(mu);
      const auto it = names.find(channel);
      if (it == names.end()) return;
      id = it->second;
    }
    if (chat.size_approx() > 1000000) return;  // bounded: nobody is draining
    chat.enqueue({id, t, wall, weight});
  }
};

LiveSession::LiveSession(LiveSessionOptions opt) : impl_(std::make_unique<Impl>(std::move(opt))) {
  impl_->opt.detector.z_mode = ZMode::Running;
  impl_->opt.detector.chat_centred = false;  // live cannot look ahead: trailing box
}

LiveSession::~LiveSession() = default;

bool LiveSession::add_twitch_channel(const std::string& login) {
  auto ch = std::make_shared<Impl::Channel>();
  ch->name = normalize_twitch_login(login);
  ch->twitch = true;
  return impl_->add(std::move(ch));
}

bool LiveSession::add_url(const std::string& name, const std::string& url) {
  if (!parse_url(url)) throw std::invalid_argument("not an http(s) URL: '" + url + "'");
  auto ch = std::make_shared<Impl::Channel>();
  ch->name = name;
  ch->url = url;
  return impl_->add(std::move(ch));
}

bool LiveSession::remove_channel(const std::string& name) {
  if (impl_->remove(name)) return true;
  try {  // a login in another case, or with its URL
    return impl_->remove(normalize_twitch_login(name));
  } catch (const std::invalid_argument&) {
    return false;
  }
}

std::vector<std::string> LiveSession::channels() const {
  std::lock_guard lock(impl_->mu);
  std::vector<std::string> out;
  for (const auto& [name, id] : impl_->names) out.push_back(name);
  return out;
}

void LiveSession::add_chat(const std::string& channel, double t_s, float weight) {
  impl_->push_chat(channel, t_s, false, weight);
}

void LiveSession::add_chat_at(const std::string& channel, std::chrono::system_clock::time_point when, float weight) {
  impl_->push_chat(channel, to_unix_s(when), true, weight);
}

void LiveSession::stop() {
  asio::post(impl_->ioc, [this] { impl_->stop_all(); });
}

long long LiveSession::dropped_chunks() const { return impl_->dropped.load(); }

std::vector<LiveChannelReport> LiveSession::run() {
  Impl& s = *impl_;
  std::vector<std::string> initial;
  {
    std::lock_guard lock(s.mu);
    for (const auto& [id, ch] : s.channels) initial.push_back(ch->name);
  }
  if (initial.empty() && !s.opt.wait_for_channels) throw std::invalid_argument("no channel or URL to follow");
  const DetectorParams& p = s.opt.detector;
  validate(p);
  s.stamp = utc_stamp();
  if (!s.opt.record_dir.empty()) std::filesystem::create_directories(s.opt.record_dir);
  s.detector = std::make_unique<MultiStreamDetector>(
      p, make_backend(s.opt.backend, p, std::max(1, static_cast<int>(initial.size()))),
      std::vector<MultiStreamDetector::Stream>{});
  s.detector->on_tick = [this](double ms) {
    if (on_tick) on_tick(ms);
  };
  if (on_backend) on_backend(s.detector->backend().name());
  // A recording needs the samples on the detector thread; otherwise a CUDA backend takes them sent ahead.
  s.send_ahead = s.opt.record_dir.empty() && s.detector->sends_ahead();
  if (s.send_ahead) spdlog::info("ingest threads send audio ahead to the device as it is decoded");
  s.on_highlight = &on_highlight;
  s.on_hop = &on_hop;
  s.on_broadcast = &on_broadcast;
  s.on_channel = &on_channel;
  s.trust = make_tls_trust(s.opt.ca_file);
  if (s.opt.handle_signals) {
    s.signals.emplace(s.ioc, SIGINT, SIGTERM);
    s.signals->async_wait([&s](boost::system::error_code ec, int sig) {
      if (ec) return;
      spdlog::info("{}: stopping", sig == SIGINT ? "interrupted" : "terminated");
      s.stop_all();
    });
  }
  // Ingest on several threads, each with its own context: a stream's playlist, HTTP, demuxing, decoding
  // and resampling stay on one thread, and each new stream goes to the thread with the fewest.
  int threads = s.opt.ingest_threads;
  if (threads <= 0) threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 2);
  if (!s.opt.wait_for_channels) threads = std::clamp(threads, 1, static_cast<int>(initial.size()));
  for (int t = 1; t < threads; ++t) s.ingest.push_back(std::make_unique<asio::io_context>(1));
  s.guards.push_back(asio::make_work_guard(s.ioc));
  for (auto& io : s.ingest) s.guards.push_back(asio::make_work_guard(*io));
  if (threads > 1) spdlog::info("{} streams over {} ingest threads", initial.size(), threads);
  {
    std::lock_guard lock(s.mu);
    s.load.assign(static_cast<std::size_t>(threads), 0);
    s.started = true;
    for (const auto& [id, ch] : s.channels) s.start_locked(ch);
  }
  if (on_channel)
    for (const std::string& name : initial) on_channel(name, true);
  std::thread detector([&s] { s.detect_loop(); });
  std::vector<std::thread> ingest_threads;
  std::mutex failure_mutex;
  std::exception_ptr failure;
  for (auto& io : s.ingest)
    ingest_threads.emplace_back([&io, &failure_mutex, &failure] {
      try {
        io->run();
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    });
  try {
    s.ioc.run();
  } catch (...) {
    std::lock_guard lock(failure_mutex);
    if (!failure) failure = std::current_exception();
  }
  {
    std::lock_guard lock(s.mu);
    s.ended = true;
  }
  s.guards.clear();
  if (failure)  // one thread failed: the others stop too
    for (auto& io : s.ingest) io->stop();
  for (std::thread& t : ingest_threads) t.join();
  s.ingest_done = true;
  detector.join();
  if (failure) std::rethrow_exception(failure);
  std::vector<LiveChannelReport> reports;
  std::lock_guard lock(s.mu);
  // A channel whose request was still in flight when the stop's grace ran out never finished following:
  // its figures are its follower's as they stand (every thread that touched it has ended).
  for (const auto& [id, ch] : s.channels) {
    if (s.records[id].ended) continue;
    if (ch->follower) s.accumulate(*ch);  // its stats only: its sockets and coroutine go with their context
    s.report_locked(*ch, "");
  }
  for (auto& [id, rec] : s.records) {
    LiveChannelReport r = rec.report;
    if (!rec.ended && !s.stopping) r.error = "stopped before it finished";
    reports.push_back(std::move(r));
  }
  return reports;
}

}  // namespace hyped
