#include "app/multi_stream_detector.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "gpu/cuda_backend.hpp"

namespace hyped {

MultiStreamDetector::MultiStreamDetector(const DetectorParams& p, std::unique_ptr<Backend> backend,
                                         std::vector<Stream> streams, int max_tick_hops)
    : p_(p), backend_(std::move(backend)), max_tick_hops_(std::max(1, max_tick_hops)), cuda_(cuda_extras(*backend_)) {
  const bool needs_future = p_.z_mode != ZMode::Running || p_.chat_lookahead_hops() != 0;
  for (const Stream& s : streams)
    if (needs_future && !s.chat_log)
      throw std::invalid_argument("streams fed chat as it arrives need running z-scores and a trailing chat box");
  if (backend_->channels() < static_cast<int>(streams.size()))
    throw std::invalid_argument("one backend channel per stream");
  for (Stream& s : streams)
    lanes_.push_back(std::make_unique<Lane>(make_lane(static_cast<int>(lanes_.size()), std::move(s))));
  lanes_.resize(static_cast<std::size_t>(backend_->channels()));
  // The box over frame f covers bins f − k + 1 + L … f + L; before frame 0 it already holds bins
  // L − k + 1 … L − 1 (zero below bin 0, like the seed's zero padding).
  const int k = p_.chat_box_hops();
  const int lookahead = p_.chat_lookahead_hops();
  std::vector<float> history;  // [streams][k − 1]
  for (const auto& l : lanes_)
    for (int j = k - 1; j >= 1; --j)
      history.push_back(l && l->io.chat_log ? l->io.chat_log->count(lookahead - j) : 0.0f);
  backend_->prime_chat(history);
}

MultiStreamDetector::Lane MultiStreamDetector::make_lane(int index, Stream s) const {
  DetectorParams picking = p_;
  if (s.target_per_hour) picking.target_per_hour = *s.target_per_hour;
  return Lane{index, std::move(s), HopBlocker(p_.hop_len()), nullptr, 0, PeakPicker(picking), 0, false, {}};
}

MultiStreamDetector::Lane& MultiStreamDetector::checked(Lane* l) {
  if (!l) throw std::out_of_range("no such stream: it was removed");
  return *l;
}

int MultiStreamDetector::streams() const {
  return static_cast<int>(std::count_if(lanes_.begin(), lanes_.end(), [](const auto& l) { return l != nullptr; }));
}

int MultiStreamDetector::add_stream(Stream s) {
  if (s.chat_log || p_.z_mode != ZMode::Running || p_.chat_lookahead_hops() != 0)
    throw std::invalid_argument("streams added while others run take chat per frame, running z-scores and a trailing box");
  auto free = std::find(lanes_.begin(), lanes_.end(), nullptr);
  if (free == lanes_.end()) {
    // Doubling: a session that keeps gaining streams grows the backend's buffers a few times only.
    const auto n = lanes_.size();
    backend_->grow(static_cast<int>(std::max<std::size_t>(n + 1, 2 * n)));
    lanes_.resize(static_cast<std::size_t>(backend_->channels()));
    free = lanes_.begin() + static_cast<std::ptrdiff_t>(n);
  }
  const int index = static_cast<int>(free - lanes_.begin());
  *free = std::make_unique<Lane>(make_lane(index, std::move(s)));
  return index;
}

void MultiStreamDetector::remove_stream(int stream) {
  Lane& l = lane(stream);
  process();  // its whole hops (and, in passing, everyone's)
  flush(l);
  backend_->reset_channel(stream);  // fresh for the next stream; until then in no tick
  lanes_[static_cast<std::size_t>(stream)].reset();
}

void MultiStreamDetector::flush(Lane& l) {
  if (auto hl = l.picker.flush())
    if (l.io.on_highlight) l.io.on_highlight(*hl);
}

void MultiStreamDetector::push(int stream, std::span<const float> samples) {
  Lane& l = lane(stream);
  if (l.stage) throw std::logic_error("push on a stream read from its send-ahead ring");
  l.blocker.append(samples);
}

std::shared_ptr<StageRing> MultiStreamDetector::open_stage() { return cuda_ ? cuda_->open_stage() : nullptr; }

void MultiStreamDetector::use_stage(int stream, std::shared_ptr<StageRing> ring) {
  Lane& l = lane(stream);
  if (!ring) throw std::invalid_argument("use_stage: no ring");
  if (l.blocks_done > 0 || l.blocker.pending_samples() > 0 || l.staged > 0)
    throw std::logic_error("use_stage after the stream's first samples");
  l.stage = std::move(ring);
}

void MultiStreamDetector::push_staged(int stream, long long samples) {
  Lane& l = lane(stream);
  if (!l.stage) throw std::logic_error("push_staged on a stream without a send-ahead ring");
  if (samples < 0 || l.staged + samples > l.stage->written())
    throw std::logic_error("push_staged: more samples than the ring was written");
  l.staged += samples;
}

int MultiStreamDetector::whole_blocks(const Lane& l) const {
  if (!l.stage) return l.blocker.whole_blocks();
  return static_cast<int>(l.staged / p_.hop_len() - l.blocks_done);
}

void MultiStreamDetector::add_chat(int stream, std::span<const ChatMessage> messages) {
  Lane& l = lane(stream);
  if (!l.io.chat_log) throw std::logic_error("add_chat on a stream fed chat per frame");
  l.io.chat_log->add(messages, p_);
}

long long MultiStreamDetector::frames(int stream) const {
  return std::max(0LL, lane(stream).blocks_done - (p_.frame_hops() - 1));
}

void MultiStreamDetector::process(int min_blocks) {
  min_blocks = std::max(1, min_blocks);
  for (;;) {
    // Only the streams with enough whole blocks take part: idle ones cost the tick nothing. Those read
    // from rings go in a tick of their own.
    slots_.clear();
    staged_slots_.clear();
    int hops = 0, staged_hops = 0;
    for (std::size_t c = 0; c < lanes_.size(); ++c) {
      const Lane* l = lanes_[c].get();
      if (!l) continue;
      if (const int whole = whole_blocks(*l); whole >= min_blocks) {
        int& h = l->stage ? staged_hops : hops;
        (l->stage ? staged_slots_ : slots_).push_back(static_cast<int>(c));
        h = std::max(h, std::min(whole, max_tick_hops_));
      }
    }
    if (slots_.empty() && staged_slots_.empty()) return;
    if (!slots_.empty()) tick(hops, false);
    if (!staged_slots_.empty()) {
      slots_.swap(staged_slots_);
      tick(staged_hops, true);
    }
  }
}

void MultiStreamDetector::tick(int hops, bool staged) {
  const auto hop_len = static_cast<std::size_t>(p_.hop_len());
  const long long lag = p_.frame_hops() - 1;  // blocks before a stream's first whole frame
  const std::size_t n = slots_.size();
  const auto per_slot = static_cast<std::size_t>(hops) * hop_len;
  std::span<float> gathered;  // the slots' blocks side by side; empty: read in place or from rings
  if (staged) {
    rings_.resize(n);
  } else if (cuda_) {
    // Written in place: the copy to the device reads it directly, and only the slots' part travels.
    gathered = cuda_->pinned_samples(hops).first(n * per_slot);
  } else if (n > 1) {
    samples_.resize(n * per_slot);
    gathered = samples_;
  }
  chat_.assign(n * static_cast<std::size_t>(hops), 0.0f);
  blocks_.resize(n);
  out_.resize(n * static_cast<std::size_t>(hops));
  for (std::size_t k = 0; k < n; ++k) {
    Lane& l = *lanes_[static_cast<std::size_t>(slots_[k])];
    const int taken = std::min(whole_blocks(l), hops);
    blocks_[k] = taken;
    if (staged) {
      rings_[k] = l.stage.get();
    } else if (!gathered.empty()) {
      const auto src = l.blocker.front(taken);
      std::copy(src.begin(), src.end(), gathered.begin() + static_cast<std::ptrdiff_t>(k * per_slot));
    }
    for (int h = 0; h < taken; ++h)
      if (const long long frame = l.blocks_done + h - lag; frame >= 0)
        chat_[k * static_cast<std::size_t>(hops) + static_cast<std::size_t>(h)] = chat_for(l, frame);
  }
  const auto t0 = std::chrono::steady_clock::now();
  if (staged) {
    cuda_->tick_staged(rings_, chat_, hops, slots_, blocks_, out_);
  } else {
    const std::span<const float> samples =
        gathered.empty() ? lanes_[static_cast<std::size_t>(slots_[0])]->blocker.front(hops) : gathered;
    backend_->tick_some(samples, chat_, hops, slots_, blocks_, out_);
  }
  if (on_tick) on_tick(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  for (std::size_t k = 0; k < n; ++k) {
    Lane& l = *lanes_[static_cast<std::size_t>(slots_[k])];
    const int taken = blocks_[k];
    for (int h = 0; h < taken; ++h)
      if (const long long frame = l.blocks_done + h - lag; frame >= 0)
        score_frame(l, frame, out_[k * static_cast<std::size_t>(hops) + static_cast<std::size_t>(h)]);
    if (!l.stage) l.blocker.drop(taken);
    l.blocks_done += taken;
  }
}

float MultiStreamDetector::chat_for(Lane& l, long long frame) const {
  if (l.io.chat_log) return l.io.chat_log->count(frame + p_.chat_lookahead_hops());
  return l.io.chat_for_frame ? l.io.chat_for_frame(frame) : 0.0f;
}

void MultiStreamDetector::score_frame(Lane& l, long long frame, const HopFeatures& f) {
  // Running mode needs no history: memory stays flat however long the media is.
  if (l.keep_series || p_.z_mode == ZMode::Global) l.series.push_back(f);
  if (p_.z_mode != ZMode::Running) return;  // global mode picks in finish(), once the series is whole
  if (l.io.on_frame) l.io.on_frame(p_.frame_time_s(frame), f);
  pick(l, frame, f);
}

void MultiStreamDetector::pick(Lane& l, long long frame, const HopFeatures& f) {
  const double threshold = l.picker.threshold();  // the picker holds a frame to the level before it
  const auto hl = l.picker.push(frame, f);
  if (on_picked) on_picked(l.index, p_.frame_time_s(frame), f, threshold);
  if (hl && l.io.on_highlight) l.io.on_highlight(*hl);
}

void MultiStreamDetector::finish() {
  process();
  for (const auto& lp : lanes_) {
    if (!lp) continue;
    Lane& l = *lp;
    if (p_.z_mode == ZMode::Global) {
      trim_chat_at_end(l);
      backend_->score_global(l.series);
      for (std::size_t f = 0; f < l.series.size(); ++f) pick(l, static_cast<long long>(f), l.series[f]);
    }
    // A stream that ended while its last highlight was still growing: its revision goes out now.
    flush(l);
  }
}

// The seed's chat series ends with the audio (zero padding beyond it); the streaming box looked ahead
// into chat after the last frame, so the last frames are re-smoothed without it.
void MultiStreamDetector::trim_chat_at_end(Lane& l) const {
  const auto n = static_cast<long long>(l.series.size());
  const int k = p_.chat_box_hops();
  const int pad = k / 2;
  for (long long f = std::max(0LL, n - p_.chat_lookahead_hops()); f < n; ++f) {
    double sum = 0;
    for (int j = 0; j < k; ++j) {
      const long long bin = f + j - pad;
      if (bin < n) sum += l.io.chat_log->count(bin);
    }
    l.series[static_cast<std::size_t>(f)].chat_rate = static_cast<float>(sum / k / p_.hop_s);
  }
}

}  // namespace hyped
