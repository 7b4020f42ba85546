#include "vod/twitch_vod_fetch.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "live/http_client.hpp"
#include "live/m3u8.hpp"
#include "live/pending_samples.hpp"
#include "live/segment_decoder.hpp"
#include "live/twitch_resolver.hpp"
#include "live/url.hpp"

namespace hyped {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// An io_context on its own thread, run until destruction.
class IoThread {
 public:
  IoThread() : guard_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~IoThread() {
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  asio::io_context& io() { return io_; }

  // Runs a coroutine there and waits for its result (rethrowing what it throws).
  template <class T>
  T run(asio::awaitable<T> a) {
    return asio::co_spawn(io_, std::move(a), asio::use_future).get();
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

bool retryable(const HttpResponse& r) { return r.error.empty() ? r.status >= 500 || r.status == 429 : !r.permanent; }

asio::awaitable<void> sleep_s(double s) {
  const auto ex = co_await asio::this_coro::executor;  // apart: GCC 12 mishandles co_await in an initializer
  asio::steady_timer t(ex);
  t.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::max(0.0, s))));
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Exponential backoff with jitter: 0.25 s, 0.5 s, 1 s … up to cap.
double backoff_s(int attempt, double cap, std::mt19937& rng) {
  const double base = std::min(cap, 0.25 * std::pow(2.0, attempt));
  return std::uniform_real_distribution<double>(base * 0.5, base)(rng);
}

// Sends `req` until it succeeds, fails for good, or `budget_s` is spent; a 404 is retried too when
// `retry_404` (a CDN that has not caught up). `attempts` counts the requests sent. Callers pass named
// requests: GCC 12 destroys a braced temporary bound to a coroutine's parameter twice.
asio::awaitable<HttpResponse> request_with_retry(HttpClient& http, const HttpRequest& req, double budget_s, bool retry_404,
                                                 const std::atomic<bool>& stop, int& attempts) {
  std::mt19937 rng{std::random_device{}()};
  const auto t0 = Clock::now();
  attempts = 0;
  for (int a = 0;; ++a) {
    HttpResponse r = co_await http.request(req);
    ++attempts;
    if (r.ok() || stop) co_return r;
    // A VOD's segment that 404s is most likely gone for good: a couple of tries, not the whole budget.
    const bool transient = retryable(r) || (retry_404 && r.status == 404 && a < 2);
    const double wait = backoff_s(a, 4.0, rng);
    const double spent = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!transient || spent + wait > budget_s) co_return r;
    co_await sleep_s(wait);
  }
}

HttpRequest get_request(std::string url) {
  HttpRequest r;
  r.url = std::move(url);
  return r;
}

std::string short_body(const std::string& body) {
  std::string s = body.substr(0, 160);
  std::replace_if(s.begin(), s.end(), [](unsigned char c) { return c < 0x20; }, ' ');
  return s;
}

// usher answers refusals as JSON: [{"error":"…","error_code":"vod_manifest_restricted"}].
std::string usher_reason(const std::string& body) {
  const auto pos = body.find("\"error\"");
  if (pos == std::string::npos) return short_body(body);
  const auto q1 = body.find('"', body.find(':', pos) + 1);
  const auto q2 = q1 == std::string::npos ? q1 : body.find('"', q1 + 1);
  return q2 == std::string::npos ? short_body(body) : body.substr(q1 + 1, q2 - q1 - 1);
}

constexpr const char* kOtherwise =
    "download the media and its chat with your account and run `hyped replay MEDIA --chat LOG`";

asio::awaitable<std::string> resolve_vod(HttpClient& http, TwitchVodRef ref, TwitchVodOptions opt) {
  const std::string what = "Twitch video " + ref.id;
  HttpRequest req;
  req.method = "POST";
  req.url = opt.gql_url;
  req.headers = {{"Client-ID", opt.client_id}, {"Content-Type", "text/plain;charset=UTF-8"}};
  req.body = vod_token_request(ref.id);
  const std::atomic<bool> no_stop{false};
  int attempts = 0;
  const HttpResponse tr = co_await request_with_retry(http, req, 15, false, no_stop, attempts);
  if (!tr.ok())
    throw TwitchError("cannot get a playback token for " + what + ": " + tr.describe() +
                      (tr.error.empty() && !tr.body.empty() ? " (" + short_body(tr.body) + ")" : ""));
  const VodTokenResult token = parse_vod_token_answer(tr.body);
  if (!token.token) {
    if (token.error.kind == VodApiError::NotFound)
      throw TwitchError(what + " does not exist or was deleted (no playback token); check the link");
    throw TwitchError("Twitch refused a playback token for " + what + ": " + token.error.what);
  }
  const std::string master_url =
      usher_vod_url(opt.usher_url, ref.id, *token.token, static_cast<unsigned>(std::random_device{}()));
  const HttpRequest master_req = get_request(master_url);
  const HttpResponse mr = co_await request_with_retry(http, master_req, 15, false, no_stop, attempts);
  if (mr.status == 404)
    throw TwitchError(what + " does not exist or was deleted (usher: " + usher_reason(mr.body) + ")");
  if (mr.status == 403)
    throw TwitchError(what + " is for subscribers only or restricted (usher: " + usher_reason(mr.body) + "); " +
                      kOtherwise);
  if (!mr.ok())
    throw TwitchError("cannot load the playlist of " + what + ": " + mr.describe() +
                      (mr.error.empty() && !mr.body.empty() ? " (" + usher_reason(mr.body) + ")" : ""));
  const M3u8Result master = parse_m3u8(mr.body);
  if (!master.ok) throw TwitchError("the playlist of " + what + " is not HLS: " + master.describe_error());
  if (!master.is_master) co_return mr.url;  // already a media playlist
  const std::string chosen = choose_audio_uri(master.master);
  for (const HlsVariant& v : master.master.variants)
    if (v.uri == chosen && !v.audio_only())
      spdlog::warn("{} has no audio_only rendition; using the lowest bandwidth one ({})", what,
                   v.name.empty() ? v.video : v.name);
  co_return resolve_url(mr.url, chosen);
}

// A downloaded segment, or why it could not be.
struct Fetched {
  std::string data;
  std::string failure;  // empty when data holds the segment
  int attempts = 0;
};

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class HlsVodSource : public AudioSource {
 public:
  HlsVodSource(const std::string& url, const TwitchVodOptions& opt, int sample_rate_hz)
      : opt_(opt), rate_(sample_rate_hz), decoder_(sample_rate_hz) {
    trust_ = make_tls_trust(opt.ca_file);
    load(url);
    for (int w = 0; w < std::max(1, opt_.parallel_fetches); ++w)
      asio::co_spawn(io_.io(), fetch_loop(), asio::detached);
    decode_next(pending_.samples());  // the first segment says what the audio is
  }

  ~HlsVodSource() override {
    stop_ = true;
    cv_.notify_all();
  }

  const MediaInfo& info() const override { return info_; }
  long long skipped_packets() const override { return decoder_.skipped_packets(); }

  std::size_t read(std::span<float> out) override {
    return pending_.read(out, [this](std::vector<float>& samples) {
      if (next_ < segments_.size()) {
        decode_next(samples);
        return true;
      }
      if (flushed_) return false;
      decoder_.reset(samples);  // the resampler's tail
      flushed_ = true;
      return true;
    });
  }

 private:
  void load(const std::string& url) {
    info_.path = url;
    info_.container = "hls";
    LoadedPlaylist got = io_.run(load_once(url));
    segments_ = std::move(got.playlist.segments);
    base_ = std::move(got.base);
    init_ = std::move(got.init);
    if (segments_.empty()) throw std::runtime_error("the playlist '" + url + "' lists no segments");
    if (!got.playlist.ended)
      spdlog::warn("'{}' has no EXT-X-ENDLIST: the broadcast may still be running; replaying the {} segments listed",
                   url, segments_.size());
    for (const HlsSegment& s : segments_) {
      if (s.encrypted) throw std::runtime_error("encrypted HLS segments (EXT-X-KEY) are not supported: '" + url + "'");
      info_.duration_s = std::max(0.0, info_.duration_s) + s.duration_s;
    }
    spdlog::info("VOD playlist: {} segments, {:.0f} s, fetching {} at a time", segments_.size(), info_.duration_s,
                 opt_.parallel_fetches);
  }

  struct LoadedPlaylist {
    MediaPlaylist playlist;
    std::string base;
    std::string init;
  };

  asio::awaitable<LoadedPlaylist> load_once(std::string url) {
    HttpClient http(io_.io().get_executor(), trust_);
    LoadedPlaylist out;
    for (int hop = 0; hop < 2; ++hop) {
      int attempts = 0;
      const HttpRequest req = get_request(url);
      const HttpResponse r = co_await request_with_retry(http, req, 15, false, stop_, attempts);
      if (!r.ok()) throw std::runtime_error("cannot load playlist '" + url + "': " + r.describe());
      M3u8Result parsed = parse_m3u8(r.body);
      if (!parsed.ok) throw std::runtime_error("'" + r.url + "' is not a usable HLS playlist: " + parsed.describe_error());
      if (parsed.is_master) {
        url = resolve_url(r.url, choose_audio_uri(parsed.master));
        continue;
      }
      out.playlist = std::move(parsed.media);
      out.base = r.url;
      break;
    }
    if (out.base.empty()) throw std::runtime_error("'" + url + "' leads to master playlists only");
    // fMP4: the init section, once (a VOD has one).
    for (const HlsSegment& s : out.playlist.segments)
      if (!s.map_uri.empty()) {
        const std::string map_url = resolve_url(out.base, s.map_uri);
        int attempts = 0;
        const HttpRequest req = get_request(map_url);
        const HttpResponse r = co_await request_with_retry(http, req, 15, true, stop_, attempts);
        if (!r.ok()) throw std::runtime_error("cannot load the init section '" + map_url + "': " + r.describe());
        out.init = r.body;
        break;
      }
    co_return out;
  }

  // One of parallel_fetches workers: takes the next segment not yet taken, within the window ahead of
  // the decoder, and downloads it with its own kept-alive connection.
  asio::awaitable<void> fetch_loop() {
    HttpClient http(io_.io().get_executor(), trust_);
    for (;;) {
      if (stop_) co_return;
      const std::size_t i = taken_;
      if (i >= segments_.size()) co_return;
      if (i >= consumed_.load() + static_cast<std::size_t>(std::max(1, opt_.window_segments))) {
        co_await sleep_s(0.005);  // the decoder is behind: memory stays bounded
        continue;
      }
      ++taken_;
      Fetched f;
      const HttpRequest req = get_request(resolve_url(base_, segments_[i].uri));
      HttpResponse r = co_await request_with_retry(http, req, opt_.segment_give_up_s, true, stop_, f.attempts);
      if (r.ok())
        f.data = std::move(r.body);
      else
        f.failure = r.describe();
      {
        std::lock_guard lock(m_);
        ready_.emplace(i, std::move(f));
      }
      cv_.notify_all();
    }
  }

  // Appends the next segment's audio (or its length of silence, when it could not be had) to `out`.
  void decode_next(std::vector<float>& out) {
    Fetched f;
    {
      std::unique_lock lock(m_);
      cv_.wait(lock, [&] { return stop_ || ready_.count(next_) > 0; });
      if (stop_) throw std::runtime_error("stopped");
      auto it = ready_.find(next_);
      f = std::move(it->second);
      ready_.erase(it);
    }
    const HlsSegment& seg = segments_[next_];
    const double at_s = media_s_;
    ++next_;
    consumed_ = next_;
    if (seg.discontinuity && next_ > 1) decoder_.reset(out);
    if (f.failure.empty()) {
      try {
        const std::size_t before = out.size();
        const DecodedSegment d = decoder_.decode(bytes(init_), bytes(f.data), out);
        if (info_.codec.empty()) {
          info_.codec = d.codec;
          info_.source_rate_hz = d.source_rate_hz;
          info_.source_channels = d.source_channels;
        }
        media_s_ += static_cast<double>(out.size() - before) / rate_;
        return;
      } catch (const std::exception& e) {
        f.failure = std::string("cannot be decoded: ") + e.what();
      }
    }
    // A gap keeps its length in silence, so the audio after it stays at its time (and with its chat).
    spdlog::warn("gap: segment {} of {} ({}) {}{}; {:.1f} s of silence at {:.1f} s", next_, segments_.size(), seg.uri,
                 f.failure, f.attempts > 1 ? fmt::format(" after {} attempts", f.attempts) : "", seg.duration_s, at_s);
    decoder_.reset(out);
    const auto n = static_cast<std::size_t>(std::llround(seg.duration_s * rate_));
    out.resize(out.size() + n, 0.0f);
    media_s_ += seg.duration_s;
  }

  TwitchVodOptions opt_;
  int rate_;
  MediaInfo info_;
  std::shared_ptr<TlsTrust> trust_;
  std::vector<HlsSegment> segments_;
  std::string base_;
  std::string init_;
  // Fetching (the io thread) and decoding (the caller) meet here.
  std::mutex m_;
  std::condition_variable cv_;
  std::map<std::size_t, Fetched> ready_;
  std::atomic<std::size_t> consumed_{0};
  std::atomic<bool> stop_{false};
  std::size_t taken_ = 0;  // io thread only
  // Decoding (the caller's thread).
  SegmentDecoder decoder_;
  PendingSamples pending_;
  std::size_t next_ = 0;
  double media_s_ = 0;
  bool flushed_ = false;
  IoThread io_;  // last: its thread stops before the members it uses go
};

}  // namespace

std::string resolve_twitch_vod_playlist(const TwitchVodRef& ref, const TwitchVodOptions& opt) {
  IoThread io;
  HttpClient http(io.io().get_executor(), make_tls_trust(opt.ca_file));
  return io.run(resolve_vod(http, ref, opt));
}

std::unique_ptr<AudioSource> open_hls_vod_audio(const std::string& playlist_url, const TwitchVodOptions& opt,
                                                int sample_rate_hz) {
  return std::make_unique<HlsVodSource>(playlist_url, opt, sample_rate_hz);
}

// ---- chat ----

struct VodChatFeed::Impl {
  std::string vod_id;
  TwitchVodOptions opt;
  double ahead_s;
  std::mutex m;
  std::condition_variable cv;
  std::vector<ChatLogEntry> buffered;
  double known_through_s = -1;  // every comment before this time has been fetched
  double wanted_s = 0;          // what the consumer asked for last
  bool done = false;
  std::string error;
  std::atomic<long long> pages{0}, malformed{0};
  std::atomic<bool> stop{false};
  IoThread io;  // last: its thread stops before the members it uses go

  void fail(std::string why) {
    {
      std::lock_guard lock(m);
      error = std::move(why);
    }
    cv.notify_all();
  }

  asio::awaitable<void> run() {
    try {
      co_await fetch_pages();
    } catch (const std::exception& e) {
      fail(std::string("cannot fetch the chat of Twitch video ") + vod_id + ": " + e.what());
    }
  }

  asio::awaitable<void> fetch_pages() {
    const auto ex = co_await asio::this_coro::executor;  // apart: GCC 12 mishandles co_await in an initializer
    HttpClient http(ex, make_tls_trust(opt.ca_file));
    std::string cursor;
    const std::string what = "the chat of Twitch video " + vod_id;
    for (;;) {
      // Stay at most ahead_s ahead of the detector: the chat of a long VOD never piles up.
      for (;;) {
        if (stop) co_return;
        {
          std::lock_guard lock(m);
          if (known_through_s <= wanted_s + ahead_s) break;
        }
        co_await sleep_s(0.01);
      }
      HttpRequest req;
      req.method = "POST";
      req.url = opt.gql_url;
      req.headers = {{"Client-ID", opt.chat_client_id}, {"Content-Type", "text/plain;charset=UTF-8"}};
      req.body = comment_page_request(vod_id, cursor);
      int attempts = 0;
      CommentPageResult page;
      for (int malformed_tries = 0;; ++malformed_tries) {
        const HttpResponse r = co_await request_with_retry(http, req, 30, false, stop, attempts);
        if (stop) co_return;
        if (!r.ok()) {
          fail("cannot fetch " + what + " (page " + std::to_string(pages + 1) + "): " + r.describe());
          co_return;
        }
        page = parse_comment_page(r.body);
        // A garbled page may be a one-off of a proxy; asking again tells.
        if (page.page || page.error.kind != VodApiError::Malformed || malformed_tries >= 2) break;
        co_await sleep_s(0.5);
      }
      if (!page.page) {
        const VodApiError& e = page.error;
        if (e.kind == VodApiError::Integrity)
          fail("Twitch refused " + what + ": '" + e.what + "' for Client-ID " + opt.chat_client_id +
               " (page " + std::to_string(pages + 1) + "); try another public Client-ID with --chat-client-id, "
               "or fetch the chat with another tool and pass it with --chat FILE");
        else if (e.kind == VodApiError::NotFound)
          fail("Twitch video " + vod_id + " does not exist or was deleted (no comments)");
        else
          fail("cannot fetch " + what + " (page " + std::to_string(pages + 1) + "): " + e.what);
        co_return;
      }
      ++pages;
      malformed += page.page->malformed;
      {
        std::lock_guard lock(m);
        for (ChatLogEntry& e : page.page->entries) {
          known_through_s = std::max(known_through_s, e.t_s);
          buffered.push_back(std::move(e));
        }
        done = page.page->next_cursor.empty();
      }
      cv.notify_all();
      if (page.page->next_cursor.empty()) co_return;
      cursor = page.page->next_cursor;
    }
  }
};

VodChatFeed::VodChatFeed(std::string vod_id, const TwitchVodOptions& opt, double ahead_s)
    : impl_(std::make_unique<Impl>()) {
  impl_->vod_id = std::move(vod_id);
  impl_->opt = opt;
  impl_->ahead_s = ahead_s;
  asio::co_spawn(impl_->io.io(), impl_->run(), asio::detached);
}

VodChatFeed::~VodChatFeed() {
  impl_->stop = true;
  impl_->cv.notify_all();
}

std::vector<ChatLogEntry> VodChatFeed::take_through(double t_s) {
  std::unique_lock lock(impl_->m);
  impl_->wanted_s = std::max(impl_->wanted_s, t_s);
  impl_->cv.wait(lock, [&] { return impl_->done || !impl_->error.empty() || impl_->known_through_s > t_s; });
  if (!impl_->error.empty()) throw TwitchError(impl_->error);
  std::vector<ChatLogEntry> out;
  out.swap(impl_->buffered);
  return out;
}

bool VodChatFeed::complete() const {
  std::lock_guard lock(impl_->m);
  return impl_->done;
}
long long VodChatFeed::pages() const { return impl_->pages; }
long long VodChatFeed::malformed() const { return impl_->malformed; }

}  // namespace hyped
