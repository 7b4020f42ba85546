#include "app/replay_command.hpp"

#include <readerwriterqueue/readerwritercircularbuffer.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include "app/config.hpp"
#include "app/export.hpp"
#include "app/progress.hpp"
#include "app/stream_detector.hpp"
#include "core/peak_picker.hpp"
#include "server/alert_server.hpp"
#include "irc/chat_log.hpp"
#include "live/audio_source.hpp"
#include "report/report_html.hpp"
#include "report/timeline.hpp"

namespace hyped {
namespace {

constexpr std::size_t kChunkSamples = 32768;  // ~2 s at 16 kHz: few hand-overs between the threads
constexpr std::size_t kQueueChunks = 32;      // ~65 s of audio in flight: bounded memory
constexpr double kReplayOversample = 3.0;     // candidates per highlight kept (run_replay)

// Decodes on its own thread so decoding overlaps detection. Chunk buffers travel back to the decoder
// through a second queue, so the steady state allocates nothing. An empty chunk marks the end.
class DecodeThread {
 public:
  explicit DecodeThread(AudioSource& src)
      : full_(kQueueChunks), empty_(kQueueChunks + 2), thread_([this, &src] { run(src); }) {}
  ~DecodeThread() {
    stop_ = true;
    std::vector<float> drain;
    while (full_.try_dequeue(drain)) {
    }
    thread_.join();
  }
  // False at the end; rethrows a decoder failure. Hand each chunk back with recycle() when done.
  bool next(std::vector<float>& chunk) {
    full_.wait_dequeue(chunk);
    if (!chunk.empty()) return true;
    if (error_) std::rethrow_exception(error_);
    return false;
  }
  void recycle(std::vector<float>&& chunk) { empty_.try_enqueue(std::move(chunk)); }

 private:
  void run(AudioSource& src) {
    try {
      for (;;) {
        std::vector<float> chunk;
        if (!empty_.try_dequeue(chunk)) chunk.reserve(kChunkSamples);
        chunk.resize(kChunkSamples);
        chunk.resize(src.read(chunk));
        if (chunk.empty() || stop_) break;
        while (!full_.wait_enqueue_timed(std::move(chunk), std::chrono::milliseconds(100)))
          if (stop_) return;
      }
    } catch (...) {
      error_ = std::current_exception();
    }
    while (!full_.wait_enqueue_timed(std::vector<float>{}, std::chrono::milliseconds(100)))
      if (stop_) return;
  }

  moodycamel::BlockingReaderWriterCircularBuffer<std::vector<float>> full_;
  moodycamel::BlockingReaderWriterCircularBuffer<std::vector<float>> empty_;
  std::exception_ptr error_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Holds replay back to `speed` times real time, so a replay behaves like a live stream for clients.
class RealtimePacer {
 public:
  explicit RealtimePacer(double speed) : speed_(speed), start_(std::chrono::steady_clock::now()) {}
  void wait_until_media(double media_s) const {
    if (speed_ <= 0) return;
    std::this_thread::sleep_until(start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                               std::chrono::duration<double>(media_s / speed_)));
  }

 private:
  double speed_;
  std::chrono::steady_clock::time_point start_;
};

std::string channel_name_for(const std::string& media) { return std::filesystem::path(media).stem().string(); }

void attach_server(StreamDetector& detector, AlertServer& server, const std::string& channel) {
  server.set_backend(detector.backend().name());
  server.set_channel_status({channel, 0, 0});
  detector.on_highlight = [&server, channel](const Highlight& h) { server.publish_highlight(channel, h); };
  detector.on_tick = [&server](double ms) { server.observe_tick(ms); };
  detector.on_frame = [&server, channel, last = -1.0](double t, const HopFeatures& f) mutable {
    server.publish_score(channel, t, f);
    if (t - last >= 1.0) {  // status once a media second is plenty
      server.set_channel_status({channel, t, 0});
      last = t;
    }
  };
}

// `p`: the detector's parameters (whose threshold the report draws); `asked`: the rate the user asked for.
ReportInput report_input(const ReplayOptions& opt, const DetectorParams& p, const DetectorParams& asked,
                         const DetectionResult& result, const TimelineBucketer& timeline, const std::string& backend) {
  ReportInput in;
  in.title = opt.channel.empty() ? channel_name_for(opt.media) : opt.channel;
  in.source = opt.media;
  in.media_src = media_src_for(opt.media, opt.report);
  in.duration_s = result.duration_s;
  in.hop_s = p.hop_s;
  in.frames_per_bucket = timeline.frames_per_bucket();
  in.facts = {{"backend", backend}, {"z", to_string(p.z_mode)}};
  const auto per_hour = [](double v) { return std::to_string(std::lround(v)) + "/h"; };
  if (asked.target_per_hour > 0) in.facts.emplace_back("target", per_hour(asked.target_per_hour));
  if (p.target_per_hour != asked.target_per_hour)
    in.facts.emplace_back("threshold drawn: candidates at", per_hour(p.target_per_hour) + ", the strongest kept");
  in.timeline = timeline.buckets();
  in.highlights = result.highlights;
  return in;
}

}  // namespace

int run_replay(const ReplayOptions& opt) {
  AppConfig cfg = opt.config.empty() ? default_config() : load_config(opt.config);
  if (opt.z_mode) {
    if (*opt.z_mode != "global" && *opt.z_mode != "running")
      throw ConfigError("--z-mode must be global or running, not '" + *opt.z_mode + "'");
    cfg.detector.z_mode = *opt.z_mode == "global" ? ZMode::Global : ZMode::Running;
  }
  // A log knows the future: the seed's centred box, unless the log was recorded live and must replay
  // as live detection saw it (chat.box = "trailing").
  cfg.detector.chat_centred = opt.chat_box.value_or(cfg.chat.box) != "trailing";
  if (opt.per_hour) cfg.detector.target_per_hour = *opt.per_hour;
  // A replay knows the whole broadcast: its detector fires as live would at kReplayOversample times the
  // rate, and the export keeps the strongest of those, as many as live would have fired (at least
  // target_per_hour × hours), so a VOD gets its best moments wherever they cluster; live spreads its
  // highlights over time, as it cannot know what is still to come.
  const DetectorParams live_params = cfg.detector;
  // A served replay stands in for a live stream: its clients get what live detection would send.
  const bool select = !opt.keep_all && opt.serve.empty() && live_params.target_per_hour > 0 &&
                      live_params.z_mode == ZMode::Running;
  if (select) cfg.detector.target_per_hour *= kReplayOversample;
  const ExportFormat format = opt.format ? parse_export_format(*opt.format)
                                         : (opt.out.empty() ? ExportFormat::Json : export_format_for_path(opt.out));
  const BackendKind backend_kind = parse_backend_kind(opt.backend);

  const std::unique_ptr<AudioSource> source = open_audio(opt.media, cfg.detector.sample_rate_hz);
  ChatLog chat;
  if (!opt.chat.empty()) {
    chat = read_chat_log(opt.chat);
    if (chat.malformed > 0)
      spdlog::warn("chat log '{}': {} malformed entries skipped", opt.chat, chat.malformed);
    spdlog::info("chat: {} messages ({})", chat.entries.size(), to_string(chat.format));
  }
  const MediaInfo& info = source->info();
  spdlog::info("media: '{}' {} {} Hz {} ch, {}", info.path, info.codec, info.source_rate_hz, info.source_channels,
               info.duration_s > 0 ? clock_time(info.duration_s) : std::string("length unknown"));

  StreamDetector detector(cfg.detector, make_backend(backend_kind, cfg.detector, 1),
                          ChatRateSeries(to_chat_messages(chat, cfg.detector, chat_weights(cfg)), cfg.detector));
  std::unique_ptr<AlertServer> server;
  if (!opt.serve.empty()) {
    parse_listen_address(opt.serve, cfg.server);
    server = std::make_unique<AlertServer>(cfg.server);
    server->start();
    attach_server(detector, *server, opt.channel.empty() ? channel_name_for(opt.media) : opt.channel);
  }
  std::optional<TimelineBucketer> timeline;  // constant memory however long the media
  if (!opt.report.empty()) {
    check_report_path(opt.report);  // before the replay, not after it
    detector.on_picked = [&t = timeline.emplace()](double time_s, const HopFeatures& f, double threshold) {
      t.push(time_s, f, threshold);
    };
  }
  PeakPicker live_rate(live_params);  // only counts what live detection would fire
  long long live_fired = 0;
  if (select)
    detector.on_frame = [&live_rate, &live_fired, &p = live_params, next = detector.on_frame](double t, const HopFeatures& f) {
      if (const auto h = live_rate.push(p.frame_at(t), f); h && h->revision == 0) ++live_fired;
      if (next) next(t, f);
    };
  ProgressReporter progress(ProgressReporter::mode_for_stderr(opt.quiet || opt.realtime > 0), info.duration_s);
  {
    DecodeThread decode(*source);
    RealtimePacer pacer(opt.realtime);
    std::vector<float> chunk;
    while (decode.next(chunk)) {
      detector.push(chunk);
      progress.update(detector.seconds_seen());
      decode.recycle(std::move(chunk));
      pacer.wait_until_media(detector.seconds_seen());
    }
  }
  DetectionResult result = detector.finish();
  if (server) server->finish("replay finished");
  progress.finish(result.duration_s);
  if (source->skipped_packets() > 0)
    spdlog::warn("'{}': {} damaged packets skipped", opt.media, source->skipped_packets());
  if (info.duration_s > 0 && result.duration_s < info.duration_s * 0.98 - 2.0)
    spdlog::warn("'{}': decoded {} of the {} the container announces; the file looks truncated", opt.media,
                 clock_time(result.duration_s), clock_time(info.duration_s));
  if (result.frames == 0)
    throw std::runtime_error("'" + opt.media + "' holds less audio than one detector frame (" +
                             std::to_string(cfg.detector.frame_s) + " s)");

  if (select) {
    const double per_rate = std::round(live_params.target_per_hour * result.duration_s / 3600.0);
    const auto keep = static_cast<std::size_t>(std::max({1.0, per_rate, static_cast<double>(live_fired)}));
    if (result.highlights.size() > keep)
      spdlog::info("keeping the {} strongest of {} candidate highlights (--all keeps every one)", keep,
                   result.highlights.size());
    result.highlights = strongest(std::move(result.highlights), keep);
  }
  ExportInput ex;
  ex.source = opt.media;
  ex.duration_s = result.duration_s;
  ex.backend = detector.backend().name();
  ex.config = &cfg;
  ex.highlights = &result.highlights;
  if (!opt.chat.empty()) {
    ex.chat_format = to_string(chat.format);
    ex.chat_messages = static_cast<long long>(chat.entries.size());
    ex.chat_malformed = chat.malformed;
  }
  const std::string text = export_highlights(format, ex);
  if (opt.out.empty()) {
    std::cout << text << std::flush;
  } else {
    std::ofstream out(opt.out, std::ios::binary);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write '" + opt.out + "'");
  }
  if (timeline) {
    write_report(opt.report, render_report_html(report_input(opt, cfg.detector, live_params, result, *timeline,
                                                             detector.backend().name())));
    spdlog::info("report: '{}'", opt.report);
  }
  spdlog::info("{} highlights in {} ({} z-scores, {} backend)", result.highlights.size(), clock_time(result.duration_s),
               to_string(cfg.detector.z_mode), detector.backend().name());
  return 0;
}

}  // namespace hyped
