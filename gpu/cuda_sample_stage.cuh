// The send-ahead rings of one CUDA backend (gpu/stage_ring.hpp). Rings and their device mirrors are
// allocated a page of rings at a time and never move, since writers keep writing into theirs while
// others are opened; every writer's block copies go on one copy stream, so a tick waits for all of them
// with one event; a tick's gather kernel finds the mirrors through a page table on the device.
#pragma once

#include <cuda_runtime.h>

#include <memory>
#include <mutex>
#include <vector>

#include "gpu/cuda_resources.cuh"
#include "gpu/stage_ring.hpp"

namespace hyped::cuda {

class SampleStage : public std::enable_shared_from_this<SampleStage> {
 public:
  SampleStage(int hop_len, int ring_blocks);
  ~SampleStage();
  SampleStage(const SampleStage&) = delete;
  SampleStage& operator=(const SampleStage&) = delete;

  // Any thread.
  std::shared_ptr<StageRing> open();

  // The detector thread, before a tick on `tick`: the tick waits for every copy started so far, and
  // the device page table lists every page.
  void order_before(cudaStream_t tick);
  // Where slot data for a tick that takes `blocks` blocks of `ring` comes from: its index and the ring
  // block of its first unscored block. Throws std::invalid_argument for a ring not opened here or
  // holding fewer whole blocks.
  struct Source {
    int ring;
    int first_block;
  };
  Source source(StageRing* ring, int blocks) const;
  // After the tick has finished: its blocks are free for the writer.
  void scored(StageRing* ring, int blocks);

  const float* const* page_table() const { return pages_dev_.data(); }
  int rings_per_page() const { return kRingsPerPage; }
  int ring_blocks() const { return ring_blocks_; }

 private:
  class Ring;
  static constexpr int kRingsPerPage = 64;
  static constexpr int kMaxPages = 16384;

  void release(int index);
  std::size_t ring_floats() const { return static_cast<std::size_t>(ring_blocks_) * static_cast<std::size_t>(hop_len_); }

  const int hop_len_;
  const int ring_blocks_;
  Stream copies_;   // every writer's block copies, in the order started
  Event copied_;    // recorded by the detector thread after the copies a tick needs
  std::mutex mu_;   // the pages and the free list
  std::vector<PinnedArray<float>> host_pages_;
  std::vector<DeviceArray<float>> dev_pages_;
  std::vector<const float*> page_ptrs_;  // dev_pages_' data, as the page table holds it
  std::vector<int> free_;
  int next_ = 0;
  DeviceArray<const float*> pages_dev_;  // kMaxPages entries
  std::size_t pages_sent_ = 0;           // entries of pages_dev_ written (detector thread)
};

// One thread block per (slot, hop) of a staged tick: the block's samples from its ring's mirror into
// the tick's [slots][hops] layout. Slot k takes blocks_of[k] blocks of ring ring_of[k] from ring block
// first_of[k] on; its later blocks are left as they are.
void launch_gather_staged(const float* const* pages, int rings_per_page, int ring_blocks, const int* blocks_of,
                          const int* ring_of, const int* first_of, float* samples, int slots, int hops, int hop_len,
                          cudaStream_t s);

}  // namespace hyped::cuda
