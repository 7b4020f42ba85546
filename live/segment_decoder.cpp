#include "live/segment_decoder.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavutil/channel_layout.h>
#include <libavutil/mem.h>
}

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "live/ffmpeg_handles.hpp"
#include "live/ffmpeg_log.hpp"
#include "live/mono_resampler.hpp"

namespace hyped {
namespace {

constexpr int kAvioBufferBytes = 32 * 1024;
// The containers HLS audio comes in. Without the list a segment holding a playlist or a concat script
// would be opened by FFmpeg's hls or concat demuxer, which fetch the URLs and files it names.
constexpr const char* kSegmentFormats = "mpegts,mov,aac,mp3";

bool has_box_at_4(std::span<const std::uint8_t> d, const char* type) {
  return d.size() >= 8 && std::memcmp(d.data() + 4, type, 4) == 0;
}

// The container, when the first bytes say it: naming it skips probing (a hot path with hundreds of streams).
const AVInputFormat* container_of(std::span<const std::uint8_t> init, std::span<const std::uint8_t> data) {
  if (!init.empty() || has_box_at_4(data, "ftyp") || has_box_at_4(data, "styp") || has_box_at_4(data, "moof"))
    return av_find_input_format("mp4");
  if (!data.empty() && data[0] == 0x47) return av_find_input_format("mpegts");
  if (data.size() >= 2 && data[0] == 0xFF && (data[1] & 0xF6) == 0xF0) return av_find_input_format("aac");  // ADTS sync
  return nullptr;
}

struct AvioFreer {
  void operator()(AVIOContext* c) const {
    av_freep(&c->buffer);
    avio_context_free(&c);
  }
};

// init ++ data as one seekable byte stream, without copying either.
struct MemoryInput {
  std::span<const std::uint8_t> a, b;
  std::int64_t pos = 0;
  std::int64_t size() const { return static_cast<std::int64_t>(a.size() + b.size()); }

  static int read(void* opaque, std::uint8_t* buf, int n) {
    auto* m = static_cast<MemoryInput*>(opaque);
    int done = 0;
    while (done < n && m->pos < m->size()) {
      const bool in_a = m->pos < static_cast<std::int64_t>(m->a.size());
      const std::span<const std::uint8_t> part = in_a ? m->a : m->b;
      const std::int64_t off = in_a ? m->pos : m->pos - static_cast<std::int64_t>(m->a.size());
      const int k = static_cast<int>(std::min<std::int64_t>(n - done, static_cast<std::int64_t>(part.size()) - off));
      std::memcpy(buf + done, part.data() + off, static_cast<std::size_t>(k));
      done += k;
      m->pos += k;
    }
    return done > 0 ? done : AVERROR_EOF;
  }

  static std::int64_t seek(void* opaque, std::int64_t offset, int whence) {
    auto* m = static_cast<MemoryInput*>(opaque);
    if (whence & AVSEEK_SIZE) return m->size();
    std::int64_t target = 0;
    switch (whence & ~AVSEEK_FORCE) {
      case SEEK_SET: target = offset; break;
      case SEEK_CUR: target = m->pos + offset; break;
      case SEEK_END: target = m->size() + offset; break;
      default: return AVERROR(EINVAL);
    }
    if (target < 0 || target > m->size()) return AVERROR(EINVAL);
    m->pos = target;
    return target;
  }
};

}  // namespace

struct SegmentDecoder::Impl {
  int rate;
  CodecPtr dec;
  MonoResampler resampler{rate};
  PacketPtr pkt{av_packet_alloc()};
  FramePtr frame{av_frame_alloc()};
  AVCodecID codec_id = AV_CODEC_ID_NONE;
  long long skipped = 0;

  explicit Impl(int r) : rate(r) {
    if (!pkt || !frame) throw std::bad_alloc();
  }

  void drain(std::vector<float>& out) { resampler.flush(out); }
  void convert(const AVFrame* f, std::vector<float>& out) { resampler.convert(f, out); }

  void receive_frames(std::vector<float>& out) {
    for (;;) {
      const int got = avcodec_receive_frame(dec.get(), frame.get());
      if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return;
      if (got < 0) {
        ++skipped;
        return;
      }
      convert(frame.get(), out);
      av_frame_unref(frame.get());
    }
  }
};

SegmentDecoder::SegmentDecoder(int sample_rate_hz) : impl_(std::make_unique<Impl>(sample_rate_hz)) {
  install_av_log_callback();
}
SegmentDecoder::~SegmentDecoder() = default;

long long SegmentDecoder::skipped_packets() const { return impl_->skipped; }

void SegmentDecoder::reset(std::vector<float>& out) noexcept {
  try {
    if (impl_->dec) {
      avcodec_send_packet(impl_->dec.get(), nullptr);
      impl_->receive_frames(out);
    }
    impl_->drain(out);
  } catch (const std::exception&) {  // the resampler refused a flushed frame (or memory ran out)
    ++impl_->skipped;
  }
  impl_->dec.reset();
  impl_->resampler.reset();
  impl_->codec_id = AV_CODEC_ID_NONE;
}

DecodedSegment SegmentDecoder::decode(std::span<const std::uint8_t> init, std::span<const std::uint8_t> data,
                                      std::vector<float>& out) {
  Impl& d = *impl_;
  std::string& last_log = last_av_log_line();
  last_log.clear();
  const auto fail = [&](const std::string& why) {
    const std::string detail = last_log.empty() || last_log == why ? "" : " (" + last_log + ")";
    throw std::runtime_error(why + detail);
  };
  MemoryInput input{init, data, 0};
  auto* buf = static_cast<unsigned char*>(av_malloc(kAvioBufferBytes));
  if (!buf) throw std::bad_alloc();
  std::unique_ptr<AVIOContext, AvioFreer> avio(
      avio_alloc_context(buf, kAvioBufferBytes, 0, &input, &MemoryInput::read, nullptr, &MemoryInput::seek));
  if (!avio) {
    av_free(buf);
    throw std::bad_alloc();
  }
  AVFormatContext* raw = avformat_alloc_context();
  if (!raw) throw std::bad_alloc();
  raw->pb = avio.get();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  raw->format_whitelist = av_strdup(kSegmentFormats);  // freed with the context
  if (!raw->format_whitelist) {
    avformat_free_context(raw);
    throw std::bad_alloc();
  }
  if (int err = avformat_open_input(&raw, nullptr, container_of(init, data), nullptr); err < 0)  // frees raw on failure
    fail("cannot open segment: " + av_error_text(err));
  FormatPtr fmt(raw);
  int stream = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (stream < 0 || fmt->streams[stream]->codecpar->codec_id == AV_CODEC_ID_NONE) {
    // Streams whose parameters the header does not state: let FFmpeg read ahead to find them.
    if (int err = avformat_find_stream_info(fmt.get(), nullptr); err < 0) fail("cannot read segment: " + av_error_text(err));
    stream = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  }
  if (stream < 0) fail("segment has no audio stream");
  AVStream* st = fmt->streams[stream];
  const AVCodecParameters* par = st->codecpar;
  if (!d.dec || d.codec_id != par->codec_id) {
    if (d.dec) reset(out);
    const AVCodec* codec = avcodec_find_decoder(par->codec_id);
    if (!codec) fail(std::string("no decoder for ") + avcodec_get_name(par->codec_id));
    d.dec.reset(avcodec_alloc_context3(codec));
    if (!d.dec) throw std::bad_alloc();
    if (int err = avcodec_parameters_to_context(d.dec.get(), par); err < 0) fail(av_error_text(err));
    d.dec->thread_count = 1;  // a few ms of audio per packet: threads cost more than they give
    d.dec->pkt_timebase = st->time_base;
    if (int err = avcodec_open2(d.dec.get(), codec, nullptr); err < 0) fail("cannot open decoder: " + av_error_text(err));
    d.codec_id = par->codec_id;
  }
  DecodedSegment r;
  r.codec = avcodec_get_name(par->codec_id);
  r.source_rate_hz = par->sample_rate;
  if (st->pts_wrap_bits > 0 && st->pts_wrap_bits < 63 && std::string_view(fmt->iformat->name) == "mpegts")
    r.pts_wrap_s = static_cast<double>(1LL << st->pts_wrap_bits) * av_q2d(st->time_base);
  const std::size_t base = out.size();
  for (;;) {
    const int err = av_read_frame(fmt.get(), d.pkt.get());
    if (err < 0) {
      if (err != AVERROR_EOF) spdlog::debug("segment read stopped early: {}", av_error_text(err));
      break;
    }
    const std::unique_ptr<AVPacket, void (*)(AVPacket*)> unref(d.pkt.get(), av_packet_unref);
    if (d.pkt->stream_index != stream) continue;
    if (!r.first_pts_s && d.pkt->pts != AV_NOPTS_VALUE) r.first_pts_s = static_cast<double>(d.pkt->pts) * av_q2d(st->time_base);
    const int sent = avcodec_send_packet(d.dec.get(), d.pkt.get());
    if (sent < 0 && sent != AVERROR(EAGAIN)) {
      ++d.skipped;
      continue;
    }
    d.receive_frames(out);
  }
  if (r.source_rate_hz == 0) r.source_rate_hz = d.dec->sample_rate;
  r.source_channels = par->ch_layout.nb_channels > 0 ? par->ch_layout.nb_channels : d.dec->ch_layout.nb_channels;
  r.samples = out.size() - base;
  return r;
}

}  // namespace hyped
