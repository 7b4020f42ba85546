// CUDA backend: every channel of a tick in one batch on one stream — staged async copy in, energy and
// windowing, batched cuFFT, spectral sums, per-channel scoring, one copy out, one wait.
#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "gpu/backend.hpp"
#include "gpu/cuda_backend.hpp"
#include "gpu/cuda_device.cuh"
#include "gpu/cuda_kernels.cuh"
#include "gpu/cuda_log.hpp"
#include "gpu/cuda_resources.cuh"
#include "gpu/cuda_sample_stage.cuh"
#include "gpu/cuda_staging_copy.hpp"
#include "gpu/spectral_block.hpp"
#include "gpu/tick_slots.hpp"

namespace hyped {
namespace {

using namespace hyped::cuda;

// Host copies into pinned staging go in chunks so the copy of one chunk overlaps the DMA of the last.
constexpr std::size_t kStagingChunkBytes = std::size_t{4} << 20;
// A send-ahead ring's hop blocks: how far a stream's ingest may run ahead of its scoring (8 s at the
// default 0.5 s hop: a segment being decoded, one waiting, and a backlog of two more).
constexpr int kStageRingBlocks = 16;
// Rows of a staged tick's slot table: each slot's channel, blocks taken, ring and the ring block it
// starts at (other ticks send the first two).
constexpr std::size_t kStagedSlotRows = 4;

// What a captured graph was made for.
struct TickShape {
  int slots = 0, hops = 0;
  bool staged = false;
  bool operator==(const TickShape&) const = default;
};

class CudaBackend final : public Backend, public CudaBackendExtras {
 public:
  CudaBackend(const DetectorParams& p, int channels, std::string device)
      : p_(p),
        tp_(make_tick_params(p)),
        channels_(channels),
        device_(std::move(device)),
        stop_sleep_(cudaEventBlockingSync),
        stop_spin_(cudaEventDefault),
        stage_(std::make_shared<SampleStage>(tp_.hop_len, kStageRingBlocks)) {
    const auto c = static_cast<std::size_t>(channels);
    const auto keep = static_cast<std::size_t>(tp_.frame_hops - 1);
    recent_.reserve(std::max<std::size_t>(1, c * keep));
    blocks_seen_.reserve(c);
    chat_ring_.reserve(c * static_cast<std::size_t>(tp_.chat_k));
    chat_pos_.reserve(c);
    stats_.reserve(kStatsPerChannel * c);
    slots_host_.reserve(kStagedSlotRows * c);
    slots_dev_.reserve(kStagedSlotRows * c);
    cudaStream_t s = stream_.get();
    HYPED_CUDA_CHECK(cudaMemsetAsync(recent_.data(), 0, recent_.capacity() * sizeof(BlockSumsDev), s));
    HYPED_CUDA_CHECK(cudaMemsetAsync(blocks_seen_.data(), 0, c * sizeof(int), s));
    HYPED_CUDA_CHECK(cudaMemsetAsync(chat_ring_.data(), 0, chat_ring_.capacity() * sizeof(float), s));
    HYPED_CUDA_CHECK(cudaMemsetAsync(chat_pos_.data(), 0, c * sizeof(int), s));
    HYPED_CUDA_CHECK(cudaMemsetAsync(stats_.data(), 0, kStatsPerChannel * c * sizeof(RunningStatsDev), s));
    // The same float window the CPU reference multiplies by (periodic Hann, rounded from double).
    std::vector<float> window(static_cast<std::size_t>(p.fft_size));
    for (int i = 0; i < p.fft_size; ++i) window[static_cast<std::size_t>(i)] = static_cast<float>(hann(i, p.fft_size));
    window_.reserve(window.size());
    HYPED_CUDA_CHECK(
        cudaMemcpyAsync(window_.data(), window.data(), window.size() * sizeof(float), cudaMemcpyHostToDevice, s));
    HYPED_CUDA_CHECK(cudaStreamSynchronize(s));
  }

  std::string name() const override { return "cuda"; }
  std::string device() const override { return device_; }
  int channels() const override { return channels_; }

  void grow(int channels) override {
    if (channels <= channels_) return;
    cudaStream_t s = stream_.get();
    const auto was = static_cast<std::size_t>(channels_);
    const auto now = static_cast<std::size_t>(channels);
    const auto keep = static_cast<std::size_t>(tp_.frame_hops - 1);
    const auto chat_k = static_cast<std::size_t>(tp_.chat_k);
    grow_state(recent_, was * keep, std::max<std::size_t>(1, now * keep), s);
    grow_state(blocks_seen_, was, now, s);
    grow_state(chat_ring_, was * chat_k, now * chat_k, s);
    grow_state(chat_pos_, was, now, s);
    grow_state(stats_, kStatsPerChannel * was, kStatsPerChannel * now, s);
    slots_host_.reserve(kStagedSlotRows * now);
    slots_dev_.reserve(kStagedSlotRows * now);
    channels_ = channels;
    // The per-tick buffers are sized by channels × hops, and a captured graph points at the old state.
    graph_.reset();
    graph_shape_ = {};
    last_shape_ = {};
    const int hops = std::exchange(max_hops_, 0);
    if (hops > 0) reserve(hops);
  }

  void reset_channel(int channel) override {
    if (channel < 0 || channel >= channels_) throw std::out_of_range("reset_channel: no such channel");
    cudaStream_t s = stream_.get();
    const auto c = static_cast<std::size_t>(channel);
    const auto keep = static_cast<std::size_t>(tp_.frame_hops - 1);
    const auto chat_k = static_cast<std::size_t>(tp_.chat_k);
    HYPED_CUDA_CHECK(cudaMemsetAsync(recent_.data() + c * keep, 0, keep * sizeof(BlockSumsDev), s));
    HYPED_CUDA_CHECK(cudaMemsetAsync(blocks_seen_.data() + c, 0, sizeof(int), s));
    HYPED_CUDA_CHECK(cudaMemsetAsync(chat_ring_.data() + c * chat_k, 0, chat_k * sizeof(float), s));
    HYPED_CUDA_CHECK(cudaMemsetAsync(chat_pos_.data() + c, 0, sizeof(int), s));
    HYPED_CUDA_CHECK(cudaMemsetAsync(stats_.data() + kStatsPerChannel * c, 0,
                                     kStatsPerChannel * sizeof(RunningStatsDev), s));
    HYPED_CUDA_CHECK(cudaStreamSynchronize(s));
  }

  void prime_chat(std::span<const float> history) override {
    const auto per = static_cast<std::size_t>(p_.chat_box_hops() - 1);
    if (history.size() != per * static_cast<std::size_t>(channels_))
      throw std::invalid_argument("prime_chat: expected channels × (chat box − 1) values");
    if (per == 0) return;
    DeviceArray<float> dev(history.size());
    HYPED_CUDA_CHECK(cudaMemcpyAsync(dev.data(), history.data(), history.size() * sizeof(float), cudaMemcpyHostToDevice,
                                     stream_.get()));
    launch_prime_chat(dev.data(), static_cast<int>(per), state(), channels_, tp_, stream_.get());
    HYPED_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));  // `dev` is freed on return
  }

  void tick(std::span<const float> samples, std::span<const float> chat, int hops,
            std::span<HopFeatures> out) override {
    run_tick(samples, chat, hops, {}, {}, out);
  }

  void tick_some(std::span<const float> samples, std::span<const float> chat, int hops, std::span<const int> channels,
                 std::span<const int> blocks, std::span<HopFeatures> out) override {
    check_slots(channels, blocks, channels_);
    if (channels.empty()) return;
    run_tick(samples, chat, hops, channels, blocks, out);
  }

  // Slot k is channel slot_channels[k] and takes blocks[k] of the `hops` blocks; empty: every channel,
  // all of them.
  void run_tick(std::span<const float> samples, std::span<const float> chat, int hops,
                std::span<const int> slot_channels, std::span<const int> blocks, std::span<HopFeatures> out) {
    if (hops <= 0) return;
    const int slots = slot_channels.empty() ? channels_ : static_cast<int>(slot_channels.size());
    const auto cells = static_cast<std::size_t>(slots) * static_cast<std::size_t>(hops);
    if (samples.size() != cells * static_cast<std::size_t>(tp_.hop_len) || chat.size() != cells || out.size() != cells)
      throw std::invalid_argument("tick: samples, chat and out must hold slots × hops blocks");
    reserve(hops);
    cudaStream_t s = stream_.get();
    HYPED_CUDA_CHECK(cudaEventRecord(start_.get(), s));
    stage_samples(samples);
    send_chat(chat);
    // Slot → channel and blocks taken, [2][slots]: a few bytes a slot, sent every tick so one captured
    // graph serves full and partial ticks alike.
    int* slot_host = slots_host_.data();
    if (slot_channels.empty()) {
      for (int c = 0; c < channels_; ++c) slot_host[c] = c;
      std::fill_n(slot_host + slots, slots, hops);
    } else {
      std::copy(slot_channels.begin(), slot_channels.end(), slot_host);
      std::copy(blocks.begin(), blocks.end(), slot_host + slots);
    }
    HYPED_CUDA_CHECK(cudaMemcpyAsync(slots_dev_.data(), slot_host, 2 * static_cast<std::size_t>(slots) * sizeof(int),
                                     cudaMemcpyHostToDevice, s));
    run_kernels({slots, hops, false});
    finish_tick(out);
  }

  void tick_staged(std::span<StageRing* const> rings, std::span<const float> chat, int hops,
                   std::span<const int> channels, std::span<const int> blocks, std::span<HopFeatures> out) override {
    check_slots(channels, blocks, channels_);
    if (rings.size() != channels.size()) throw std::invalid_argument("tick_staged: one ring per slot");
    if (channels.empty() || hops <= 0) return;
    const auto slots = channels.size();
    const auto cells = slots * static_cast<std::size_t>(hops);
    if (chat.size() != cells || out.size() != cells)
      throw std::invalid_argument("tick_staged: chat and out must hold slots × hops blocks");
    reserve(hops);
    int* table = slots_host_.data();  // [4][slots]: channel, blocks, ring, first ring block
    for (std::size_t k = 0; k < slots; ++k) {
      if (blocks[k] < 0 || blocks[k] > hops) throw std::invalid_argument("tick_staged: blocks outside 0 … hops");
      const SampleStage::Source src = stage_->source(rings[k], blocks[k]);
      table[k] = channels[k];
      table[slots + k] = blocks[k];
      table[2 * slots + k] = src.ring;
      table[3 * slots + k] = src.first_block;
    }
    cudaStream_t s = stream_.get();
    HYPED_CUDA_CHECK(cudaEventRecord(start_.get(), s));
    stage_->order_before(s);  // the writers' copies of these blocks
    send_chat(chat);
    HYPED_CUDA_CHECK(cudaMemcpyAsync(slots_dev_.data(), table, kStagedSlotRows * slots * sizeof(int),
                                     cudaMemcpyHostToDevice, s));
    run_kernels({static_cast<int>(slots), hops, true});
    finish_tick(out);
    for (std::size_t k = 0; k < slots; ++k) stage_->scored(rings[k], blocks[k]);
  }

  void score_global(std::span<HopFeatures> series) override {
    const std::size_t n = series.size();
    if (n == 0) return;
    global_host_.reserve(n);
    global_dev_.reserve(n);
    moments_.reserve(4);
    cudaStream_t s = stream_.get();
    std::memcpy(global_host_.data(), series.data(), n * sizeof(HopFeatures));
    HYPED_CUDA_CHECK(
        cudaMemcpyAsync(global_dev_.data(), global_host_.data(), n * sizeof(HopFeatures), cudaMemcpyHostToDevice, s));
    const auto len = static_cast<long long>(n);
    launch_global_moments(global_dev_.data(), len, moments_.data(), s);
    launch_global_scores(global_dev_.data(), len, moments_.data(), tp_, s);
    HYPED_CUDA_CHECK(
        cudaMemcpyAsync(global_host_.data(), global_dev_.data(), n * sizeof(HopFeatures), cudaMemcpyDeviceToHost, s));
    HYPED_CUDA_CHECK(cudaStreamSynchronize(s));
    std::memcpy(series.data(), global_host_.data(), n * sizeof(HopFeatures));
  }

  std::shared_ptr<StageRing> open_stage() override { return stage_->open(); }

  std::span<float> pinned_samples(int hops) override {
    reserve(std::max(1, hops));
    return {samples_host_.data(), samples_per_tick(hops)};
  }
  void send_ahead(std::size_t offset, std::size_t count) override {
    if (count == 0) return;
    if (offset > samples_host_.capacity() || count > samples_host_.capacity() - offset)
      throw std::out_of_range("send_ahead: range outside the pinned samples");
    HYPED_CUDA_CHECK(cudaMemcpyAsync(samples_dev_.data() + offset, samples_host_.data() + offset, count * sizeof(float),
                                     cudaMemcpyHostToDevice, stream_.get()));
    sent_.push_back({offset, count});
  }
  double last_tick_gpu_ms() const override { return last_gpu_ms_; }
  void use_spin_wait(bool on) override { spin_wait_ = on; }
  void use_graphs(bool on) override {
    graphs_on_ = on;
    if (!on) {
      graph_.reset();
      graph_shape_ = {};
    }
  }

 private:
  // Per-channel state moved into a larger array: the old channels' part copied, the new part zero.
  template <class T>
  static void grow_state(DeviceArray<T>& a, std::size_t used, std::size_t wanted, cudaStream_t s) {
    DeviceArray<T> bigger(wanted);
    HYPED_CUDA_CHECK(cudaMemsetAsync(bigger.data(), 0, wanted * sizeof(T), s));
    if (used > 0) HYPED_CUDA_CHECK(cudaMemcpyAsync(bigger.data(), a.data(), used * sizeof(T), cudaMemcpyDeviceToDevice, s));
    HYPED_CUDA_CHECK(cudaStreamSynchronize(s));  // before the old array is freed
    a = std::move(bigger);
  }

  // Through page-locked memory, so the copy is asynchronous like the rest of the tick.
  void send_chat(std::span<const float> chat) {
    std::memcpy(chat_host_.data(), chat.data(), chat.size_bytes());
    HYPED_CUDA_CHECK(cudaMemcpyAsync(chat_dev_.data(), chat_host_.data(), chat.size_bytes(), cudaMemcpyHostToDevice,
                                     stream_.get()));
  }

  // The tick's one wait, then its features out.
  void finish_tick(std::span<HopFeatures> out) {
    const Event& stop = spin_wait_ ? stop_spin_ : stop_sleep_;
    HYPED_CUDA_CHECK(cudaEventRecord(stop.get(), stream_.get()));
    HYPED_CUDA_CHECK(cudaEventSynchronize(stop.get()));
    last_gpu_ms_ = elapsed_ms(start_, stop);
    std::memcpy(out.data(), out_host_.data(), out.size() * sizeof(HopFeatures));
  }

  std::size_t samples_per_tick(int hops) const {
    return static_cast<std::size_t>(channels_) * static_cast<std::size_t>(hops) * static_cast<std::size_t>(tp_.hop_len);
  }

  ChannelStateDev state() {
    return ChannelStateDev{recent_.data(), blocks_seen_.data(), chat_ring_.data(), chat_pos_.data(), stats_.data()};
  }

  // Buffers and the FFT plan grow to the largest tick seen and are kept; smaller ticks reuse them.
  void reserve(int hops) {
    if (hops <= max_hops_) return;
    const std::size_t cells = static_cast<std::size_t>(channels_) * static_cast<std::size_t>(hops);
    const std::size_t fft_frames = cells * static_cast<std::size_t>(tp_.frames_per_hop);
    graph_.reset();  // it points at the buffers about to be replaced
    graph_shape_ = {};
    HYPED_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));  // copies sent ahead may still read the old buffers
    sent_.clear();
    samples_host_.reserve(samples_per_tick(hops));
    samples_dev_.reserve(samples_per_tick(hops));
    chat_host_.reserve(cells);
    chat_dev_.reserve(cells);
    frames_.reserve(fft_frames * static_cast<std::size_t>(tp_.fft_size));
    spectra_.reserve(fft_frames * static_cast<std::size_t>(tp_.bins));
    sumsq_.reserve(cells);
    spectral_.reserve(cells);
    out_dev_.reserve(cells);
    out_host_.reserve(cells);
    plan_.make(tp_.fft_size, static_cast<long long>(fft_frames), stream_.get());
    max_hops_ = hops;
  }

  void stage_samples(std::span<const float> samples) {
    float* host = samples_host_.data();
    float* dev = samples_dev_.data();
    cudaStream_t s = stream_.get();
    if (samples.data() == host) {  // the caller filled the pinned buffer itself: copy what was not sent ahead
      std::sort(sent_.begin(), sent_.end());
      std::size_t at = 0;
      const auto copy_to = [&](std::size_t end) {
        if (end > at)
          HYPED_CUDA_CHECK(cudaMemcpyAsync(dev + at, host + at, (end - at) * sizeof(float), cudaMemcpyHostToDevice, s));
      };
      for (const auto& [offset, count] : sent_) {
        copy_to(std::min(offset, samples.size()));
        at = std::max(at, std::min(offset + count, samples.size()));
      }
      copy_to(samples.size());
      sent_.clear();
      return;
    }
    sent_.clear();  // overwritten by the full copy below, which the stream orders after them
    char* host_bytes = reinterpret_cast<char*>(host);
    char* dev_bytes = reinterpret_cast<char*>(dev);
    copy_to_staging(
        host, samples.data(), samples.size_bytes(), kStagingChunkBytes, [&](std::size_t off, std::size_t len) {
          HYPED_CUDA_CHECK(cudaMemcpyAsync(dev_bytes + off, host_bytes + off, len, cudaMemcpyHostToDevice, s));
        });
  }

  // The FFT plan for `blocks` hop blocks: the full one, or for a tick of fewer slots one sized to the
  // next power of two, so a tick of a few live streams does not transform every channel's buffer.
  cufftHandle plan_for(long long blocks) {
    const long long full = plan_.batch() / tp_.frames_per_hop;
    long long size = 1;
    while (size < blocks) size *= 2;
    if (size >= full) return plan_.get();
    R2cPlan& plan = small_plans_[size];
    if (plan.batch() == 0) plan.make(tp_.fft_size, size * tp_.frames_per_hop, stream_.get());
    return plan.get();
  }

  // Everything after the input copies; the same sequence whether launched directly or as a graph.
  void enqueue_kernels(TickShape shape) {
    cudaStream_t s = stream_.get();
    const int slots = shape.slots, hops = shape.hops;
    const long long blocks = static_cast<long long>(slots) * hops;
    if (shape.staged)
      launch_gather_staged(stage_->page_table(), stage_->rings_per_page(), stage_->ring_blocks(),
                           slots_dev_.data() + slots, slots_dev_.data() + 2 * slots, slots_dev_.data() + 3 * slots,
                           samples_dev_.data(), slots, hops, tp_.hop_len, s);
    launch_window_energy(samples_dev_.data(), window_.data(), frames_.data(), sumsq_.data(), blocks, tp_, s);
    HYPED_CUDA_CHECK(cufftExecR2C(plan_for(blocks), frames_.data(), spectra_.data()));
    launch_spectral_sums(spectra_.data(), spectral_.data(), blocks, tp_, s);
    launch_score_tick(sumsq_.data(), spectral_.data(), chat_dev_.data(), slots_dev_.data(), slots_dev_.data() + slots,
                      state(), out_dev_.data(), slots, hops, tp_, s);
    HYPED_CUDA_CHECK(cudaMemcpyAsync(out_host_.data(), out_dev_.data(),
                                     static_cast<std::size_t>(blocks) * sizeof(HopFeatures), cudaMemcpyDeviceToHost,
                                     s));
  }

  // A tick shape (slots × hops) seen twice in a row is captured once and then replayed as one graph
  // launch.
  void run_kernels(TickShape shape) {
    if (graphs_on_ && graph_ && shape == graph_shape_) {
      HYPED_CUDA_CHECK(cudaGraphLaunch(graph_.get(), stream_.get()));
    } else if (graphs_on_ && shape == last_shape_ && capture(shape)) {
      HYPED_CUDA_CHECK(cudaGraphLaunch(graph_.get(), stream_.get()));
    } else {
      enqueue_kernels(shape);
    }
    last_shape_ = shape;
  }

  bool capture(TickShape shape) {
    graph_.reset();
    graph_shape_ = {};
    cudaStream_t s = stream_.get();
    HYPED_CUDA_CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
    try {
      enqueue_kernels(shape);
    } catch (const std::exception& e) {
      cudaGraph_t broken = nullptr;
      cudaStreamEndCapture(s, &broken);
      Graph discard(broken);
      cudaGetLastError();  // clear the capture error so the direct launch below starts clean
      log_warning(std::string("graph capture failed (") + e.what() + "); launching the tick's kernels directly");
      graphs_on_ = false;
      return false;
    }
    cudaGraph_t raw = nullptr;
    HYPED_CUDA_CHECK(cudaStreamEndCapture(s, &raw));
    Graph graph(raw);
    cudaGraphExec_t exec = nullptr;
    HYPED_CUDA_CHECK(cudaGraphInstantiate(&exec, graph.get(), 0));
    graph_.reset(exec);
    graph_shape_ = shape;
    return true;
  }

  DetectorParams p_;
  TickParams tp_;
  int channels_;
  std::string device_;
  Stream stream_;
  Event start_;
  Event stop_sleep_;  // blocking sync: the waiting thread sleeps
  Event stop_spin_;
  bool spin_wait_ = true;

  // per-channel state across ticks
  DeviceArray<BlockSumsDev> recent_;
  DeviceArray<int> blocks_seen_;
  DeviceArray<float> chat_ring_;
  DeviceArray<int> chat_pos_;
  DeviceArray<RunningStatsDev> stats_;
  DeviceArray<float> window_;

  // per-tick buffers, sized for max_hops_
  int max_hops_ = 0;
  PinnedArray<float> samples_host_, chat_host_;
  PinnedArray<int> slots_host_;  // [2][slots]: each slot's channel, then the blocks it takes
  DeviceArray<int> slots_dev_;
  std::vector<std::pair<std::size_t, std::size_t>> sent_;  // (offset, count) sent ahead of the coming tick
  PinnedArray<HopFeatures> out_host_;
  DeviceArray<float> samples_dev_, chat_dev_, frames_;
  DeviceArray<cufftComplex> spectra_;
  DeviceArray<double> sumsq_;
  DeviceArray<SpectralSums> spectral_;
  DeviceArray<HopFeatures> out_dev_;
  R2cPlan plan_;

  bool graphs_on_ = true;
  GraphExec graph_;
  TickShape graph_shape_{}, last_shape_{};
  std::map<long long, R2cPlan> small_plans_;        // by hop blocks, powers of two below the full plan
  double last_gpu_ms_ = 0;
  std::shared_ptr<SampleStage> stage_;  // send-ahead rings; shared with the rings handed out

  // score_global
  PinnedArray<HopFeatures> global_host_;
  DeviceArray<HopFeatures> global_dev_;
  DeviceArray<MomentsDev> moments_;
};

}  // namespace

CudaAvailability cuda_availability() { return cuda::probe_device(); }

std::unique_ptr<Backend> make_cuda_backend(const DetectorParams& p, int channels) {
  validate(p);
  if (channels < 1) throw std::invalid_argument("backend needs at least one channel");
  const CudaAvailability cuda = cuda_availability();
  if (!cuda.usable) throw std::runtime_error("--backend cuda: " + cuda.reason);
  return std::make_unique<CudaBackend>(p, channels, cuda.reason);
}

CudaBackendExtras* cuda_extras(Backend& backend) { return dynamic_cast<CudaBackendExtras*>(&backend); }

}  // namespace hyped
