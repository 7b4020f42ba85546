#include "live/mono_resampler.hpp"

extern "C" {
#include <libavutil/channel_layout.h>
}

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "live/ffmpeg_handles.hpp"
#include "live/ffmpeg_log.hpp"

namespace hyped {

struct MonoResampler::Impl {
  explicit Impl(int r) : rate(r) {}
  ~Impl() { av_channel_layout_uninit(&in_layout); }

  void open(const AVFrame* f) {
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    av_channel_layout_uninit(&in_layout);
    if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || f->ch_layout.nb_channels == 0)
      av_channel_layout_default(&in_layout, std::max(1, f->ch_layout.nb_channels));
    else
      av_channel_layout_copy(&in_layout, &f->ch_layout);
    SwrContext* raw = nullptr;
    const int err = swr_alloc_set_opts2(&raw, &mono, AV_SAMPLE_FMT_FLT, rate, &in_layout,
                                        static_cast<AVSampleFormat>(f->format), f->sample_rate, 0, nullptr);
    swr.reset(raw);
    if (err < 0 || swr_init(swr.get()) < 0) {
      swr.reset();
      throw std::runtime_error("cannot set up the resampler (" + av_error_text(err) + ")");
    }
    in_rate = f->sample_rate;
    in_format = f->format;
  }

  bool changed(const AVFrame* f) const {
    return !swr || f->sample_rate != in_rate || f->format != in_format ||
           av_channel_layout_compare(&f->ch_layout, &in_layout) != 0;
  }

  int rate;
  SwrPtr swr;
  int in_rate = 0, in_format = -1;
  AVChannelLayout in_layout{};
};

MonoResampler::MonoResampler(int rate_hz) : impl_(std::make_unique<Impl>(rate_hz)) {}
MonoResampler::~MonoResampler() = default;

void MonoResampler::reset() { impl_->swr.reset(); }

void MonoResampler::convert(const AVFrame* f, std::vector<float>& out) {
  Impl& d = *impl_;
  if (f && d.changed(f)) {
    if (d.swr) convert(nullptr, out);
    d.open(f);
  }
  if (!d.swr) return;
  const int in = f ? f->nb_samples : 0;
  const int cap = swr_get_out_samples(d.swr.get(), in);
  if (cap <= 0) return;
  const std::size_t base = out.size();
  out.resize(base + static_cast<std::size_t>(cap));
  auto* dst = reinterpret_cast<std::uint8_t*>(out.data() + base);
  const int n = swr_convert(d.swr.get(), &dst, cap, f ? const_cast<const std::uint8_t**>(f->extended_data) : nullptr, in);
  out.resize(base + static_cast<std::size_t>(std::max(0, n)));
}

}  // namespace hyped
