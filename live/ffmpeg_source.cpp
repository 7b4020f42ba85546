// FFmpeg decoding of any container/codec it opens: best audio stream, decoded packet by packet and
// resampled to mono float at the detector's rate.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
}

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <vector>

#include "live/audio_source.hpp"
#include "live/ffmpeg_handles.hpp"
#include "live/ffmpeg_log.hpp"
#include "live/mono_resampler.hpp"
#include "live/pending_samples.hpp"
#include "live/pcm_file_source.hpp"

namespace hyped {
namespace {

std::string av_error(int err) { return av_error_text(err); }


class FfmpegSource final : public AudioSource {
 public:
  FfmpegSource(const std::string& path, int rate) : rate_(rate) {
    info_.path = path;
    std::string& t_last_av_log = last_av_log_line();
    t_last_av_log.clear();
    const auto fail = [&](const std::string& why) {
      const std::string detail = t_last_av_log.empty() || t_last_av_log == why ? "" : " (" + t_last_av_log + ")";
      throw std::runtime_error("cannot open '" + path + "': " + why + detail);
    };
    AVFormatContext* raw = nullptr;
    if (int err = avformat_open_input(&raw, path.c_str(), nullptr, nullptr); err < 0) fail(av_error(err));
    fmt_.reset(raw);
    if (int err = avformat_find_stream_info(fmt_.get(), nullptr); err < 0) fail(av_error(err));
    const AVCodec* codec = nullptr;
    stream_ = av_find_best_stream(fmt_.get(), AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    if (stream_ == AVERROR_STREAM_NOT_FOUND) throw std::runtime_error("'" + path + "' has no audio stream");
    if (stream_ < 0 || !codec) fail("no decoder for its audio stream (" + av_error(stream_) + ")");
    AVStream* st = fmt_->streams[stream_];
    dec_.reset(avcodec_alloc_context3(codec));
    if (!dec_) fail("out of memory");
    if (int err = avcodec_parameters_to_context(dec_.get(), st->codecpar); err < 0) fail(av_error(err));
    dec_->thread_count = 0;  // let FFmpeg pick; codecs with frame threads use them
    if (int err = avcodec_open2(dec_.get(), codec, nullptr); err < 0) fail("cannot open decoder: " + av_error(err));
    info_.container = fmt_->iformat->name;
    info_.codec = codec->name;
    info_.source_rate_hz = dec_->sample_rate;
    info_.source_channels = dec_->ch_layout.nb_channels;
    if (fmt_->duration != AV_NOPTS_VALUE && fmt_->duration > 0)
      info_.duration_s = static_cast<double>(fmt_->duration) / AV_TIME_BASE;
    else if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
      info_.duration_s = static_cast<double>(st->duration) * av_q2d(st->time_base);
    pkt_.reset(av_packet_alloc());
    frame_.reset(av_frame_alloc());
    if (!pkt_ || !frame_) fail("out of memory");
  }

  const MediaInfo& info() const override { return info_; }
  long long skipped_packets() const override { return skipped_; }

  std::size_t read(std::span<float> out) override {
    return pending_.read(out, [this](std::vector<float>& samples) { return refill(samples); });
  }

 private:
  // Decodes until some resampled samples are pending; false at the end of the stream.
  bool refill(std::vector<float>& pending) {
    while (pending.empty()) {
      if (finished_) return false;
      const int got = avcodec_receive_frame(dec_.get(), frame_.get());
      if (got == 0) {
        resampler_.convert(frame_.get(), pending);
        av_frame_unref(frame_.get());
        continue;
      }
      if (got == AVERROR_EOF) {
        resampler_.flush(pending);  // the resampler's delay line
        finished_ = true;
        continue;
      }
      if (got != AVERROR(EAGAIN)) {
        ++skipped_;
        spdlog::warn("'{}': decode error ({}), frame skipped", info_.path, av_error(got));
        continue;
      }
      feed_packet();
    }
    return true;
  }

  void feed_packet() {
    for (;;) {
      const int err = av_read_frame(fmt_.get(), pkt_.get());
      if (err < 0) {
        if (err != AVERROR_EOF)
          spdlog::warn("'{}': read error ({}); treating it as the end of the media", info_.path, av_error(err));
        avcodec_send_packet(dec_.get(), nullptr);
        return;
      }
      const std::unique_ptr<AVPacket, void (*)(AVPacket*)> unref(pkt_.get(), av_packet_unref);
      if (pkt_->stream_index != stream_) continue;
      const int sent = avcodec_send_packet(dec_.get(), pkt_.get());
      if (sent < 0 && sent != AVERROR(EAGAIN)) {
        ++skipped_;
        spdlog::warn("'{}': damaged packet skipped ({})", info_.path, av_error(sent));
        continue;
      }
      return;
    }
  }

  int rate_;
  MediaInfo info_;
  FormatPtr fmt_;
  CodecPtr dec_;
  PacketPtr pkt_;
  FramePtr frame_;
  MonoResampler resampler_{rate_};
  int stream_ = -1;
  PendingSamples pending_;
  bool finished_ = false;
  long long skipped_ = 0;
};

}  // namespace

bool have_ffmpeg() { return true; }

std::unique_ptr<AudioSource> open_audio(const std::string& path, int sample_rate_hz) {
  if (is_raw_f32_path(path)) return open_pcm_file(path, sample_rate_hz);
  install_ffmpeg_settings();
  return std::make_unique<FfmpegSource>(path, sample_rate_hz);
}

}  // namespace hyped
