#include "gpu/cuda_sample_stage.cuh"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <stdexcept>

#include "gpu/cuda_check.cuh"

namespace hyped::cuda {

class SampleStage::Ring final : public StageRing {
 public:
  Ring(std::shared_ptr<SampleStage> stage, int index, float* host, float* dev)
      : stage_(std::move(stage)), index_(index), host_(host), dev_(dev) {}
  ~Ring() override { stage_->release(index_); }

  std::size_t write(std::span<const float> samples) override {
    const auto hop = static_cast<long long>(stage_->hop_len_);
    const std::size_t len = stage_->ring_floats();
    const long long from = written_.load(std::memory_order_relaxed);  // this thread's own
    const long long held = from - scored_.load(std::memory_order_acquire) * hop;
    const long long to = from + std::min(static_cast<long long>(samples.size()), static_cast<long long>(len) - held);
    const float* src = samples.data();
    for (const RingRun& run : ring_runs(from, to, len)) {
      std::memcpy(host_ + run.offset, src, run.count * sizeof(float));
      src += run.count;
    }
    // The blocks this write completed, partial samples written earlier included.
    const long long whole_from = from / hop * hop, whole_to = to / hop * hop;
    for (const RingRun& run : ring_runs(whole_from, whole_to, len))
      if (run.count > 0)
        HYPED_CUDA_CHECK(cudaMemcpyAsync(dev_ + run.offset, host_ + run.offset, run.count * sizeof(float),
                                         cudaMemcpyHostToDevice, stage_->copies_.get()));
    written_.store(to, std::memory_order_release);
    return static_cast<std::size_t>(to - from);
  }
  long long written() const override { return written_.load(std::memory_order_acquire); }
  int capacity_blocks() const override { return stage_->ring_blocks_; }

  const SampleStage* stage() const { return stage_.get(); }
  int index() const { return index_; }
  long long scored() const { return scored_.load(std::memory_order_relaxed); }
  void add_scored(int blocks) { scored_.fetch_add(blocks, std::memory_order_release); }

 private:
  std::shared_ptr<SampleStage> stage_;  // its memory outlives every ring
  int index_;
  float* host_;
  float* dev_;
  std::atomic<long long> written_{0};  // samples
  std::atomic<long long> scored_{0};   // blocks
};

SampleStage::SampleStage(int hop_len, int ring_blocks)
    : hop_len_(hop_len), ring_blocks_(ring_blocks), copies_(), copied_(cudaEventDisableTiming) {
  pages_dev_.reserve(kMaxPages);
}

SampleStage::~SampleStage() { cudaStreamSynchronize(copies_.get()); }  // no copy still reads a page

std::shared_ptr<StageRing> SampleStage::open() {
  std::lock_guard lock(mu_);
  int index = next_;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    if (next_ / kRingsPerPage >= kMaxPages) throw std::runtime_error("send-ahead staging: too many streams");
    if (next_ % kRingsPerPage == 0) {
      const std::size_t floats = kRingsPerPage * ring_floats();
      host_pages_.emplace_back(floats);
      dev_pages_.emplace_back(floats);
      page_ptrs_.push_back(dev_pages_.back().data());
    }
    ++next_;
  }
  const auto page = static_cast<std::size_t>(index / kRingsPerPage);
  const std::size_t at = static_cast<std::size_t>(index % kRingsPerPage) * ring_floats();
  return std::make_shared<Ring>(shared_from_this(), index, host_pages_[page].data() + at, dev_pages_[page].data() + at);
}

void SampleStage::release(int index) {
  std::lock_guard lock(mu_);
  free_.push_back(index);
}

void SampleStage::order_before(cudaStream_t tick) {
  std::size_t pages = 0;
  {
    std::lock_guard lock(mu_);
    pages = page_ptrs_.size();
    if (pages > pages_sent_)  // pageable source: the call returns once it has been read
      HYPED_CUDA_CHECK(cudaMemcpyAsync(pages_dev_.data() + pages_sent_, page_ptrs_.data() + pages_sent_,
                                       (pages - pages_sent_) * sizeof(const float*), cudaMemcpyHostToDevice, tick));
  }
  pages_sent_ = pages;
  HYPED_CUDA_CHECK(cudaEventRecord(copied_.get(), copies_.get()));
  HYPED_CUDA_CHECK(cudaStreamWaitEvent(tick, copied_.get(), 0));
}

SampleStage::Source SampleStage::source(StageRing* ring, int blocks) const {
  const auto* r = dynamic_cast<const Ring*>(ring);
  if (!r || r->stage() != this) throw std::invalid_argument("tick_staged: a ring this backend did not open");
  const long long first = r->scored();
  if ((first + blocks) * hop_len_ > r->written())
    throw std::invalid_argument("tick_staged: a ring holds fewer whole blocks than its slot takes");
  return {r->index(), static_cast<int>(first % ring_blocks_)};
}

void SampleStage::scored(StageRing* ring, int blocks) { static_cast<Ring*>(ring)->add_scored(blocks); }

namespace {

constexpr int kGatherThreads = 256;

__global__ void __launch_bounds__(kGatherThreads)
    gather_staged_kernel(const float* const* __restrict__ pages, int rings_per_page, int ring_blocks,
                         const int* __restrict__ blocks_of, const int* __restrict__ ring_of,
                         const int* __restrict__ first_of, float* __restrict__ samples, int hops, int hop_len) {
  const long long blk = blockIdx.x;
  const int slot = static_cast<int>(blk / hops);
  const int h = static_cast<int>(blk % hops);
  if (h >= blocks_of[slot]) return;
  const int ring = ring_of[slot];
  const long long b = (first_of[slot] + h) % ring_blocks;
  const float* src = pages[ring / rings_per_page] +
                     (static_cast<long long>(ring % rings_per_page) * ring_blocks + b) * hop_len;
  float* dst = samples + blk * hop_len;
  if (hop_len % 4 == 0) {  // every block then starts 16-byte aligned
    const auto* s4 = reinterpret_cast<const float4*>(src);
    auto* d4 = reinterpret_cast<float4*>(dst);
    for (int i = threadIdx.x; i < hop_len / 4; i += kGatherThreads) d4[i] = s4[i];
  } else {
    for (int i = threadIdx.x; i < hop_len; i += kGatherThreads) dst[i] = src[i];
  }
}

}  // namespace

void launch_gather_staged(const float* const* pages, int rings_per_page, int ring_blocks, const int* blocks_of,
                          const int* ring_of, const int* first_of, float* samples, int slots, int hops, int hop_len,
                          cudaStream_t s) {
  const long long blocks = static_cast<long long>(slots) * hops;
  if (blocks == 0) return;
  gather_staged_kernel<<<static_cast<unsigned>(blocks), kGatherThreads, 0, s>>>(
      pages, rings_per_page, ring_blocks, blocks_of, ring_of, first_of, samples, hops, hop_len);
  HYPED_CUDA_CHECK_LAUNCH();
}

}  // namespace hyped::cuda
