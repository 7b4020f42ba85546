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
#include <limits>
#include <thread>
#include <vector>

#include "app/config.hpp"
#include "app/export.hpp"
#include "app/highlight_actions.hpp"
#include "app/progress.hpp"
#include "app/replay_inputs.hpp"
#include "app/stream_detector.hpp"
#include "app/wav_recorder.hpp"
#include "core/peak_picker.hpp"
#include "server/alert_server.hpp"
#include "irc/chat_log.hpp"
#include "live/audio_source.hpp"
#include "report/report_html.hpp"
#include "report/timeline.hpp"
#include "vod/twitch_vod_fetch.hpp"

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
ReportInput report_input(const ReplayOptions& opt, const ReplayInput& input, const DetectorParams& p,
                         const DetectorParams& asked, const DetectionResult& result, const TimelineBucketer& timeline,
                         const std::string& backend) {
  ReportInput in;
  in.title = opt.channel.empty() ? input.name : opt.channel;
  in.source = input.spec;
  // A player only for local media: a VOD link's audio is not on disk.
  if (input.kind == ReplayInput::Kind::File) in.media_src = media_src_for(input.spec, opt.report);
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

TwitchVodOptions vod_options(const ReplayOptions& opt) {
  TwitchVodOptions v;
  if (!opt.gql_url.empty()) v.gql_url = opt.gql_url;
  if (!opt.usher_url.empty()) v.usher_url = opt.usher_url;
  if (!opt.client_id.empty()) v.client_id = opt.client_id;
  if (!opt.chat_client_id.empty()) v.chat_client_id = opt.chat_client_id;
  if (opt.parallel_fetches > 0) v.parallel_fetches = opt.parallel_fetches;
  v.ca_file = opt.ca_file;
  return v;
}

std::unique_ptr<AudioSource> open_input_audio(const ReplayInput& in, const ReplayOptions& opt, int rate_hz) {
  switch (in.kind) {
    case ReplayInput::Kind::File:
      return open_audio(in.spec, rate_hz);
    case ReplayInput::Kind::TwitchVod:
    case ReplayInput::Kind::HlsUrl:
      if (!have_ffmpeg()) throw std::runtime_error("'" + in.spec + "': this build decodes no HLS (built without FFmpeg)");
      {
        const TwitchVodOptions v = vod_options(opt);
        if (in.kind == ReplayInput::Kind::HlsUrl) return open_hls_vod_audio(in.spec, v, rate_hz);
        if (in.vod.start_s >= 0)
          spdlog::info("the link's t={} is not where analysis starts: the whole VOD is analysed, since the "
                       "detector learns each channel's usual level from the start",
                       clock_time(in.vod.start_s));
        return open_hls_vod_audio(resolve_twitch_vod_playlist(in.vod, v), v, rate_hz);
      }
  }
  throw std::logic_error("unknown input kind");
}

// One input's chat: a log read up front, a VOD's comment pages fetched while its audio streams, or none.
// Either way the detector weighs the same lines in the same order, so a VOD and its saved chat agree.
class ReplayChat {
 public:
  explicit ReplayChat(const AppConfig& cfg) : p_(cfg.detector), weigher_(cfg.detector, chat_weights(cfg)) {}

  void read_log(const std::string& path) {
    log_ = read_chat_log(path);
    if (log_.malformed > 0) spdlog::warn("chat log '{}': {} malformed entries skipped", path, log_.malformed);
    spdlog::info("chat: {} messages ({})", log_.entries.size(), to_string(log_.format));
    format_ = to_string(log_.format);
    messages_ = static_cast<long long>(log_.entries.size());
    malformed_ = log_.malformed;
  }

  void follow(std::unique_ptr<VodChatFeed> feed, const std::string& save_path) {
    feed_ = std::move(feed);
    format_ = "twitch-gql";
    if (!save_path.empty()) {
      save_.open(save_path, std::ios::binary);
      if (!save_) throw std::runtime_error("cannot write '" + save_path + "'");
      save_path_ = save_path;
    }
  }

  bool streaming() const { return feed_ != nullptr; }

  // What the detector starts with: the whole log, or the first seconds of a VOD's chat.
  ChatRateSeries initial(const ChatWeights& w) {
    if (!feed_) return ChatRateSeries(to_chat_messages(log_, p_, w), p_);  // no chat: an empty log
    return ChatRateSeries(more_through(0), p_);
  }

  // A VOD's chat up to what the frames of audio up to audio_s will read.
  std::vector<ChatMessage> more_through(double audio_s) {
    const double needed_s = audio_s + (p_.chat_lookahead_hops() + 2) * p_.hop_s + p_.frame_s;
    std::vector<ChatMessage> out;
    for (const ChatLogEntry& e : feed_->take_through(needed_s)) {
      if (save_.is_open()) save_ << to_jsonl(e) << '\n';
      out.push_back({e.t_s, weigher_.weigh(e.t_s, e.user, e.text, e.emotes, !e.event.empty())});
    }
    messages_ += static_cast<long long>(out.size());
    return out;
  }

  void finish() {
    if (feed_) {
      malformed_ = feed_->malformed();
      spdlog::info("chat: {} messages in {} pages from Twitch", messages_, feed_->pages());
    }
    if (save_.is_open() && !save_.flush()) throw std::runtime_error("cannot write '" + save_path_ + "'");
  }

  const std::string& format() const { return format_; }
  long long messages() const { return messages_; }
  long long malformed() const { return malformed_; }

 private:
  const DetectorParams& p_;
  ChatEntryWeigher weigher_;
  ChatLog log_;
  std::unique_ptr<VodChatFeed> feed_;
  std::ofstream save_;
  std::string save_path_;
  std::string format_;  // empty: no chat
  long long messages_ = 0, malformed_ = 0;
};

struct ReplaySummary {
  std::size_t highlights = 0;
  double duration_s = 0;
  long long chat_messages = 0;
};

// Replays one input to its export (`out_path`, stdout when empty).
ReplaySummary replay_one(const ReplayInput& in, const ReplayOptions& opt, AppConfig cfg, const std::string& chat_path,
                         const std::string& out_path, ExportFormat format) {
  // A replay knows the whole broadcast: its detector fires as live would at kReplayOversample times the
  // rate, and the export keeps the strongest of those, as many as live would have fired (at least
  // target_per_hour × hours), so a VOD gets its best moments wherever they cluster; live spreads its
  // highlights over time, as it cannot know what is still to come. Two candidates less than a refractory
  // period apart are one sustained reaction: the stronger stands for both.
  const DetectorParams live_params = cfg.detector;
  // A served replay stands in for a live stream: its clients get what live detection would send.
  if (opt.dry_run_actions) cfg.actions.dry_run = true;
  const bool select = !opt.keep_all && opt.serve.empty() && !cfg.actions.any() && live_params.target_per_hour > 0 &&
                      live_params.z_mode == ZMode::Running;
  if (select) cfg.detector.target_per_hour *= kReplayOversample;
  const BackendKind backend_kind = parse_backend_kind(opt.backend);

  const std::unique_ptr<AudioSource> source = open_input_audio(in, opt, cfg.detector.sample_rate_hz);
  ReplayChat chat(cfg);
  if (!chat_path.empty())
    chat.read_log(chat_path);
  else if (in.kind == ReplayInput::Kind::TwitchVod && !opt.no_chat)
    chat.follow(std::make_unique<VodChatFeed>(in.vod.id, vod_options(opt)), opt.save_chat);
  const MediaInfo& info = source->info();
  spdlog::info("media: '{}' {} {} Hz {} ch, {}", info.path, info.codec, info.source_rate_hz, info.source_channels,
               info.duration_s > 0 ? clock_time(info.duration_s) : std::string("length unknown"));
  std::unique_ptr<WavRecorder> audio_copy;
  if (!opt.save_audio.empty()) audio_copy = std::make_unique<WavRecorder>(opt.save_audio, cfg.detector.sample_rate_hz);

  StreamDetector detector(cfg.detector, make_backend(backend_kind, cfg.detector, 1), chat.initial(chat_weights(cfg)));
  std::unique_ptr<AlertServer> server;
  if (!opt.serve.empty()) {
    parse_listen_address(opt.serve, cfg.server);
    server = std::make_unique<AlertServer>(cfg.server);
    server->start();
    attach_server(detector, *server, opt.channel.empty() ? in.name : opt.channel);
  }
  std::optional<TimelineBucketer> timeline;  // constant memory however long the media
  if (!opt.report.empty()) {
    detector.on_picked = [&t = timeline.emplace()](double time_s, const HopFeatures& f, double threshold) {
      t.push(time_s, f, threshold);
    };
  }
  // Actions act as live would, on each highlight as it fires; their lines share stdout only with a file export.
  HighlightActions actions(cfg.actions, server.get(), !out_path.empty());
  if (actions.enabled())
    detector.on_highlight = [&actions, channel = opt.channel.empty() ? in.name : opt.channel,
                             next = detector.on_highlight](const Highlight& h) {
      if (next) next(h);
      actions.submit(channel, h);
    };
  PeakPicker live_rate(live_params);  // only counts what live detection would fire
  long long live_fired = 0;           // as reactions: a highlight within a refractory period of the last is the same
  if (select)
    detector.on_frame = [&live_rate, &live_fired, &p = live_params, last = -1e300,
                         next = detector.on_frame](double t, const HopFeatures& f) mutable {
      if (const auto h = live_rate.push(p.frame_at(t), f)) {
        if (h->revision == 0 && h->time_s - last >= p.refractory_s) ++live_fired;
        last = h->time_s;
      }
      if (next) next(t, f);
    };
  const int rate_hz = cfg.detector.sample_rate_hz;
  ProgressReporter progress(ProgressReporter::mode_for_stderr(opt.quiet || opt.realtime > 0), info.duration_s);
  {
    DecodeThread decode(*source);
    RealtimePacer pacer(opt.realtime);
    std::vector<float> chunk;
    while (decode.next(chunk)) {
      if (chat.streaming())
        detector.add_chat(chat.more_through(detector.seconds_seen() + static_cast<double>(chunk.size()) / rate_hz));
      if (audio_copy) audio_copy->write(chunk);
      detector.push(chunk);
      progress.update(detector.seconds_seen());
      decode.recycle(std::move(chunk));
      pacer.wait_until_media(detector.seconds_seen());
    }
  }
  if (chat.streaming()) detector.add_chat(chat.more_through(std::numeric_limits<double>::infinity()));
  DetectionResult result = detector.finish();
  chat.finish();
  audio_copy.reset();
  actions.finish();
  if (server) server->finish("replay finished");
  progress.finish(result.duration_s);
  if (source->skipped_packets() > 0)
    spdlog::warn("'{}': {} damaged packets skipped", in.spec, source->skipped_packets());
  if (info.duration_s > 0 && result.duration_s < info.duration_s * 0.98 - 2.0)
    spdlog::warn("'{}': decoded {} of the {} the container announces; the file looks truncated", in.spec,
                 clock_time(result.duration_s), clock_time(info.duration_s));
  if (result.frames == 0)
    throw std::runtime_error("'" + in.spec + "' holds less audio than one detector frame (" +
                             std::to_string(cfg.detector.frame_s) + " s)");

  if (select) {
    const double per_rate = std::round(live_params.target_per_hour * result.duration_s / 3600.0);
    const auto keep = static_cast<std::size_t>(std::max({1.0, per_rate, static_cast<double>(live_fired)}));
    if (result.highlights.size() > keep)
      spdlog::info("keeping the {} strongest of {} candidate highlights (--all keeps every one)", keep,
                   result.highlights.size());
    result.highlights = strongest(std::move(result.highlights), keep, live_params.refractory_s);
  }
  ExportInput ex;
  ex.source = in.spec;
  ex.duration_s = result.duration_s;
  ex.backend = detector.backend().name();
  ex.config = &cfg;
  ex.highlights = &result.highlights;
  ex.chat_format = chat.format();
  ex.chat_messages = chat.messages();
  ex.chat_malformed = chat.malformed();
  const std::string text = export_highlights(format, ex);
  if (out_path.empty()) {
    std::cout << text << std::flush;
  } else {
    std::ofstream out(out_path, std::ios::binary);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write '" + out_path + "'");
  }
  if (timeline) {
    write_report(opt.report, render_report_html(report_input(opt, in, cfg.detector, live_params, result, *timeline,
                                                             detector.backend().name())));
    spdlog::info("report: '{}'", opt.report);
  }
  spdlog::info("{} highlights in {} ({} z-scores, {} backend)", result.highlights.size(), clock_time(result.duration_s),
               to_string(cfg.detector.z_mode), detector.backend().name());
  return {result.highlights.size(), result.duration_s, chat.messages()};
}

const char* extension_for(ExportFormat f) {
  switch (f) {
    case ExportFormat::Csv: return ".csv";
    case ExportFormat::Chapters: return ".txt";
    case ExportFormat::Edl: return ".edl";
    case ExportFormat::Json: break;
  }
  return ".json";
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

  if (!opt.report.empty()) check_report_path(opt.report);  // before the replay, not after it
  const bool many_given = opt.inputs.size() > 1;
  const std::vector<ReplayInput> inputs = expand_replay_inputs(opt.inputs, /*look_for_chat=*/opt.chat.empty());
  if (inputs.empty()) throw ConfigError("nothing to replay");
  if (!many_given && inputs.size() == 1) {
    // One input: the export goes to --out or stdout, as it always has.
    const ExportFormat format = opt.format ? parse_export_format(*opt.format)
                                           : (opt.out.empty() ? ExportFormat::Json : export_format_for_path(opt.out));
    const ReplayInput& in = inputs.front();
    const bool from_directory = std::filesystem::is_directory(opt.inputs.front());
    replay_one(in, opt, cfg, from_directory ? in.chat_beside : opt.chat, opt.out, format);
    return 0;
  }

  // Several: one export each, named after its input, in --out (a directory), and a summary line each.
  const std::pair<const char*, const std::string*> one_input_only[] = {
      {"chat", &opt.chat}, {"save-chat", &opt.save_chat}, {"save-audio", &opt.save_audio}, {"serve", &opt.serve},
      {"report", &opt.report}};
  for (const auto& [flag, value] : one_input_only)
    if (!value->empty())
      throw ConfigError(std::string("--") + flag + " is for one input; with " + std::to_string(inputs.size()) +
                        " inputs each file's chat log is found beside it (NAME.chat.json, NAME.chat.jsonl, "
                        "NAME.chat.txt or NAME.jsonl) and each VOD's chat comes from Twitch");
  const ExportFormat format = opt.format ? parse_export_format(*opt.format) : ExportFormat::Json;
  const std::filesystem::path dir = opt.out.empty() ? std::filesystem::path(".") : std::filesystem::path(opt.out);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::is_directory(dir)) throw ConfigError("--out '" + opt.out + "' must be a directory with several inputs");
  std::vector<std::string> taken;
  int failed = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const ReplayInput& in = inputs[i];
    const std::string out = (dir / export_name_for(in.name, extension_for(format), taken)).string();
    spdlog::info("[{}/{}] {}", i + 1, inputs.size(), in.spec);
    try {
      const ReplaySummary s = replay_one(in, opt, cfg, in.chat_beside, out, format);
      std::cout << fmt::format("{}: {} highlights in {}{} -> {}\n", in.spec, s.highlights, clock_time(s.duration_s),
                               s.chat_messages > 0 ? fmt::format(", {} chat messages", s.chat_messages) : std::string(),
                               out)
                << std::flush;
    } catch (const std::exception& e) {
      ++failed;
      std::cout << fmt::format("{}: failed: {}\n", in.spec, e.what()) << std::flush;
    }
  }
  if (failed > 0) spdlog::error("{} of {} inputs failed", failed, inputs.size());
  return failed > 0 ? 1 : 0;
}

}  // namespace hyped
