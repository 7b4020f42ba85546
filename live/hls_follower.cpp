#include "live/hls_follower.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <random>

#include "live/hls_planner.hpp"
#include "live/m3u8.hpp"
#include "live/segment_decoder.hpp"
#include "live/url.hpp"

namespace hyped {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool retryable(const HttpResponse& r) {
  return r.error.empty() ? r.status >= 500 || r.status == 429 : !r.permanent;
}

}  // namespace

struct HlsFollower::Impl {
  asio::any_io_executor ex;
  HlsFollowerOptions opt;
  HttpClient http;
  asio::steady_timer timer;
  std::mt19937 rng{std::random_device{}()};
  bool stopping = false;
  bool went_offline = false;
  std::string media_url;
  std::string base_url;  // the media playlist's URL after redirects
  HlsFollowerStats stats;
  HlsPlaylistPlanner planner;
  SegmentDecoder decoder;
  std::map<std::string, std::string> init_sections;  // EXT-X-MAP URI → bytes
  // Timeline state.
  bool started = false;
  double next_stream_s = 0;                 // stream time where the last audio ended
  std::optional<double> pts_base_s;         // first PTS of the current continuous run
  double run_stream_start_s = 0;            // stream time at pts_base_s
  double pts_wrap_s = 0;
  std::optional<long long> last_dseq;
  double pending_skip_s = 0;                // ad or missed time not yet accounted in stream time
  bool pending_join = true;
  std::vector<float> samples;
  const std::function<void(const LiveAudio&)>* sink = nullptr;

  Impl(asio::any_io_executor e, std::shared_ptr<TlsTrust> trust, HlsFollowerOptions o)
      : ex(e), opt(std::move(o)), http(e, std::move(trust), opt.http), timer(e), planner(opt.live_edge_segments),
        decoder(opt.sample_rate_hz) {}

  // Sleeps `s` seconds unless stop() comes first; false when stopping.
  asio::awaitable<bool> sleep(double s) {
    if (stopping) co_return false;
    timer.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::max(0.0, s))));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return !stopping;
  }

  double backoff_s(int attempt, double cap) {
    // Exponential with full jitter: 0.25 s, 0.5 s, 1 s … up to cap.
    const double base = std::min(cap, 0.25 * std::pow(2.0, attempt));
    return std::uniform_real_distribution<double>(base * 0.5, base)(rng);
  }

  void log(spdlog::level::level_enum lvl, const std::string& msg) { spdlog::log(lvl, "[{}] {}", opt.label, msg); }

  // Loads the media playlist, retrying transient failures; renews the URL on 403. nullopt + error set
  // when it gives up.
  asio::awaitable<std::optional<MediaPlaylist>> load_playlist(std::string& error, bool first) {
    const auto t0 = Clock::now();
    for (int attempt = 0;; ++attempt) {
      if (stopping) co_return std::nullopt;
      HttpResponse r = co_await http.get(media_url, request_timeout());
      if (stopping) co_return std::nullopt;
      std::string why;
      bool transient = false;
      // 403: the token expired. 404 on a stream that was playing: it may have ended; asking again tells.
      if ((r.status == 403 || (r.status == 404 && !first)) && opt.renew_url) {
        log(spdlog::level::info, fmt::format("playlist answered HTTP {}: renewing the access token", r.status));
        try {
          std::string fresh = co_await opt.renew_url();
          if (fresh.empty()) {
            log(spdlog::level::info, "the channel went offline: stream ended");
            went_offline = true;
            co_return std::nullopt;
          }
          media_url = std::move(fresh);
          ++stats.token_renewals;
          if (attempt < 3) continue;  // else back off below: a token refused again and again is an error
        } catch (const std::exception& e) {
          error = e.what();
          co_return std::nullopt;
        }
      }
      if (r.ok()) {
        ++stats.playlists;
        M3u8Result parsed = parse_m3u8(r.body);
        if (parsed.ok && parsed.is_master) {
          const std::string chosen = choose_audio_uri(parsed.master);
          media_url = resolve_url(r.url, chosen);
          log(spdlog::level::info, "master playlist: following rendition " + media_url);
          continue;
        }
        if (parsed.ok) {
          base_url = r.url;  // after redirects: segment URIs are relative to where the playlist came from
          target_duration_s = parsed.media.target_duration_s;
          co_return std::move(parsed.media);
        }
        why = "'" + r.url + "' is not a usable HLS playlist: " + parsed.describe_error();
        transient = !first;  // a garbled reload mid-stream may be a one-off; a first load that is garbage is not
      } else {
        why = "cannot load playlist '" + media_url + "': " + r.describe();
        transient = retryable(r) || (!first && r.status == 404);
      }
      const double failing_s = std::chrono::duration<double>(Clock::now() - t0).count();
      // A stream that never answered is more likely a wrong URL than an outage: give up sooner.
      if (!transient || failing_s > (first ? opt.first_load_give_up_s : opt.playlist_give_up_s)) {
        error = transient ? why + " (still failing after " + std::to_string(static_cast<int>(failing_s)) + " s)" : why;
        co_return std::nullopt;
      }
      ++stats.retries;
      const double wait = backoff_s(attempt, 5.0);
      log(spdlog::level::warn, why + fmt::format("; retrying in {:.1f} s", wait));
      if (!co_await sleep(wait)) co_return std::nullopt;
    }
  }

  // Fetches one segment's bytes; nullopt when it stays unavailable (the caller reports a gap).
  asio::awaitable<std::optional<std::string>> fetch(const std::string& url, double budget_s, std::string& why) {
    const auto t0 = Clock::now();
    for (int attempt = 0;; ++attempt) {
      HttpResponse r = co_await http.get(url, request_timeout());
      if (stopping) co_return std::nullopt;
      if (r.ok()) {
        stats.bytes += static_cast<long long>(r.body.size());
        co_return std::move(r.body);
      }
      why = r.describe();
      // 404 right after a segment is listed is a CDN that has not caught up: worth a short retry.
      const bool transient = retryable(r) || r.status == 404;
      const double wait = backoff_s(attempt, 2.0);
      const double spent = std::chrono::duration<double>(Clock::now() - t0).count();
      if (!transient || spent + wait > budget_s) co_return std::nullopt;
      ++stats.retries;
      log(spdlog::level::debug, "segment " + url + ": " + why + fmt::format(", retrying in {:.2f} s", wait));
      if (!co_await sleep(wait)) co_return std::nullopt;
    }
  }

  double target_duration_s = 6;  // of the last playlist

  // Long enough for a slow segment, short enough that a hung request costs less than the playlist window.
  std::chrono::milliseconds request_timeout() const {
    const double s = std::clamp(2 * target_duration_s, 3.0, 10.0);
    return std::chrono::milliseconds(static_cast<long long>(s * 1000));
  }

  void skip_time(double s) {
    pending_skip_s += s;
    pending_join = true;
  }

  // Decodes a fetched segment and hands its audio on with its stream/wall time.
  void deliver(const PlannedSegment& ps, const std::string& init, const std::string& data, double listed_wall_s) {
    const HlsSegment& seg = ps.segment;
    const bool new_timeline =
        ps.new_stream || (started && (seg.discontinuity || (last_dseq && seg.discontinuity_sequence != *last_dseq)));
    samples.clear();
    if (new_timeline) {
      decoder.reset(samples);  // the tail of the previous timeline
      if (!samples.empty()) emit(samples, next_stream_s, std::nullopt, false);
      samples.clear();
      pending_join = true;
      pts_base_s.reset();
    }
    last_dseq = seg.discontinuity_sequence;
    DecodedSegment d;
    try {
      d = decoder.decode(bytes(init), bytes(data), samples);
    } catch (const std::exception& e) {
      ++stats.decode_errors;
      log(spdlog::level::warn, fmt::format("segment #{} cannot be decoded ({}); its {:.1f} s are a gap", seg.sequence,
                                           e.what(), seg.duration_s));
      decoder.reset(samples);
      samples.clear();
      pts_base_s.reset();
      skip_time(seg.duration_s);
      return;
    }
    if (samples.empty()) return;
    double stream_s = next_stream_s + pending_skip_s;
    bool joined = pending_join || !started;
    if (!pending_join && d.first_pts_s && pts_base_s) {
      double delta = *d.first_pts_s - *pts_base_s;
      if (pts_wrap_s > 0 && delta < -pts_wrap_s / 2) delta += pts_wrap_s;  // MPEG-TS clock wrapped
      const double by_pts = run_stream_start_s + delta;
      if (std::abs(by_pts - next_stream_s) > 0.1) {
        // The media clock says time passed that we have no audio for (segments lost, encoder hiccup).
        if (by_pts > next_stream_s && by_pts - next_stream_s < 3600) {
          ++stats.gaps;
          stats.gap_s += by_pts - next_stream_s;
          stream_s = by_pts;
        } else {
          pts_base_s.reset();
        }
        joined = true;
      }
    }
    if (!pts_base_s && d.first_pts_s) {
      pts_base_s = d.first_pts_s;
      run_stream_start_s = stream_s;
      pts_wrap_s = d.pts_wrap_s;
    }
    const std::optional<double> wall = seg.program_date_s ? seg.program_date_s : std::optional<double>(listed_wall_s);
    emit(samples, stream_s, wall, joined);
    pending_skip_s = 0;
    pending_join = false;
    started = true;
  }

  double wall_fallback_s = 0;  // wall time of next_stream_s, for audio without a date of its own

  void emit(std::span<const float> s, double stream_s, std::optional<double> wall_s, bool joined) {
    LiveAudio a;
    a.samples = s;
    a.stream_s = stream_s;
    a.wall_s = wall_s ? *wall_s : wall_fallback_s + (stream_s - next_stream_s);
    a.joined = joined;
    const double dur = static_cast<double>(s.size()) / opt.sample_rate_hz;
    next_stream_s = stream_s + dur;
    wall_fallback_s = a.wall_s + dur;
    stats.audio_s += dur;
    if (sink && *sink) (*sink)(a);
  }

  asio::awaitable<std::string> run() {
    media_url = opt.url;
    std::string error;
    auto last_new = Clock::now();
    bool stall_reported = false;
    bool first = true;
    while (!stopping) {
      const auto load_start = Clock::now();
      std::optional<MediaPlaylist> pl = co_await load_playlist(error, first);
      if (!pl) co_return stopping || went_offline ? std::string() : error;
      const double listed_wall_s = unix_now();
      if (first)
        log(spdlog::level::info, fmt::format("following {} (target duration {:.0f} s, {} segments listed{})", media_url,
                                             pl->target_duration_s, pl->segments.size(), pl->ended ? ", ended" : ""));
      first = false;
      HlsPlan plan = planner.next(*pl);
      for (const PlannedSegment& ps : plan.segments) {
        if (stopping) co_return std::string();
        const HlsSegment& seg = ps.segment;
        if (ps.new_stream) log(spdlog::level::warn, "media sequence went backwards: the stream restarted");
        if (ps.missed_before > 0) {
          ++stats.gaps;
          stats.gap_s += ps.missed_before_s;
          log(spdlog::level::warn,
              fmt::format("gap: {} segments (~{:.1f} s) left the playlist before they could be fetched; stream time {:.1f} s",
                          ps.missed_before, ps.missed_before_s, next_stream_s + pending_skip_s));
          skip_time(ps.missed_before_s);
        }
        if (ps.skip_ad) {
          ++stats.ad_segments;
          stats.ad_s += seg.duration_s;
          log(spdlog::level::info, fmt::format("ad segment #{} skipped ({:.1f} s, '{}'); stream time {:.1f} s", seg.sequence,
                                               seg.duration_s, seg.title, next_stream_s + pending_skip_s));
          skip_time(seg.duration_s);
          continue;
        }
        if (seg.encrypted) co_return "encrypted HLS segments (EXT-X-KEY) are not supported: '" + media_url + "'";
        std::string why;
        std::string init;
        if (!seg.map_uri.empty()) {
          const std::string map_url = resolve_url(base_url, seg.map_uri);
          auto it = init_sections.find(map_url);
          if (it == init_sections.end()) {
            auto got = co_await fetch(map_url, 3 * pl->target_duration_s, why);
            if (stopping) co_return std::string();
            if (!got) {
              log(spdlog::level::warn, "init section " + map_url + " unavailable (" + why + "); segment skipped");
              skip_time(seg.duration_s);
              continue;
            }
            init_sections.clear();
            it = init_sections.emplace(map_url, std::move(*got)).first;
          }
          init = it->second;
        }
        const std::string url = resolve_url(base_url, seg.uri);
        // Retry for up to 3 target durations: the segment is still listed, and catching up is quick.
        auto data = co_await fetch(url, 3 * pl->target_duration_s, why);
        if (stopping) co_return std::string();
        if (!data) {
          ++stats.gaps;
          stats.gap_s += seg.duration_s;
          log(spdlog::level::warn, fmt::format("gap: segment #{} unavailable ({}); {:.1f} s lost at stream time {:.1f} s",
                                               seg.sequence, why, seg.duration_s, next_stream_s + pending_skip_s));
          skip_time(seg.duration_s);
          continue;
        }
        ++stats.segments;
        deliver(ps, init, *data, listed_wall_s - seg.duration_s);
      }
      if (plan.ended || (pl->ended && plan.segments.empty())) {
        log(spdlog::level::info, "playlist ended (EXT-X-ENDLIST)");
        co_return std::string();
      }
      const auto now = Clock::now();
      if (plan.changed) {
        last_new = now;
        stall_reported = false;
      } else {
        const double idle_s = std::chrono::duration<double>(now - last_new).count();
        if (!stall_reported && idle_s > opt.stall_warn_targets * pl->target_duration_s) {
          ++stats.stalls;
          stall_reported = true;
          log(spdlog::level::warn, fmt::format("playlist stalled: nothing new for {:.1f} s (target duration {:.0f} s); "
                                               "still polling", idle_s, pl->target_duration_s));
        }
      }
      // RFC 8216 6.3.4: reload after the target duration when it changed, half of it when it did not.
      const double interval = plan.changed ? pl->target_duration_s : pl->target_duration_s / 2;
      const double spent = std::chrono::duration<double>(Clock::now() - load_start).count();
      if (!co_await sleep(std::max(0.05, interval - spent))) break;
    }
    co_return std::string();
  }
};

HlsFollower::HlsFollower(asio::any_io_executor executor, std::shared_ptr<TlsTrust> trust, HlsFollowerOptions options)
    : impl_(std::make_unique<Impl>(std::move(executor), std::move(trust), std::move(options))) {}
HlsFollower::~HlsFollower() = default;

asio::awaitable<std::string> HlsFollower::run() {
  impl_->sink = &on_audio;
  co_return co_await impl_->run();
}

void HlsFollower::stop() {
  impl_->stopping = true;
  impl_->timer.cancel();
  impl_->http.close();
}

HlsFollowerStats HlsFollower::stats() const {
  HlsFollowerStats s = impl_->stats;
  s.requests = impl_->http.requests_sent();
  s.connections = impl_->http.connections_opened();
  return s;
}
const std::string& HlsFollower::media_url() const { return impl_->media_url; }

}  // namespace hyped
