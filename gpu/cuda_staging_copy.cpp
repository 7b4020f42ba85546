#include "gpu/cuda_staging_copy.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace hyped::cuda {
namespace {

constexpr std::size_t kParallelFromBytes = std::size_t{16} << 20;

struct Job {
  char* dst;
  const char* src;
  std::size_t bytes, chunk, chunks;
  std::atomic<std::size_t> next{0};
  std::unique_ptr<std::atomic<bool>[]> done;
  std::atomic<int> active{0};  // workers inside this job

  void copy_one(std::size_t i) {
    const std::size_t off = i * chunk;
    std::memcpy(dst + off, src + off, std::min(chunk, bytes - off));
    done[i].store(true, std::memory_order_release);
  }
  // Takes and copies chunks until none are left.
  void work() {
    for (std::size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < chunks;) copy_one(i);
  }
};

class CopyPool {
 public:
  CopyPool() {
    const unsigned hw = std::max(2u, std::thread::hardware_concurrency());
    const unsigned n = std::min(7u, hw / 2);  // plus the calling thread: half the cores at most
    for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { run(); });
  }
  ~CopyPool() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  void copy(Job& job, const std::function<void(std::size_t, std::size_t)>& ready) {
    std::lock_guard serial(one_job_);  // jobs from different callers take turns
    {
      std::lock_guard lock(mu_);
      job_ = &job;
      ++generation_;
    }
    cv_.notify_all();
    // The calling thread copies too, and hands on every chunk that is complete, in order.
    // A throwing callback must not unwind while workers still use `job`: keep the error for the end.
    std::size_t handed = 0;
    std::exception_ptr error;
    const auto hand_on_ready = [&] {
      while (handed < job.chunks && job.done[handed].load(std::memory_order_acquire)) {
        const std::size_t off = handed * job.chunk;
        if (!error) try {
            ready(off, std::min(job.chunk, job.bytes - off));
          } catch (...) {
            error = std::current_exception();
          }
        ++handed;
      }
    };
    for (std::size_t i; (i = job.next.fetch_add(1, std::memory_order_relaxed)) < job.chunks;) {
      job.copy_one(i);
      hand_on_ready();
    }
    while (handed < job.chunks) {
      hand_on_ready();
      if (handed < job.chunks) std::this_thread::yield();
    }
    {
      std::lock_guard lock(mu_);
      job_ = nullptr;  // late wakers find nothing
    }
    while (job.active.load(std::memory_order_acquire) > 0) std::this_thread::yield();
    if (error) std::rethrow_exception(error);
  }

 private:
  void run() {
    unsigned long long seen = 0;
    for (;;) {
      Job* job = nullptr;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        job = job_;
        if (job) job->active.fetch_add(1, std::memory_order_acq_rel);
      }
      if (!job) continue;
      job->work();
      job->active.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  std::mutex one_job_;
  std::mutex mu_;
  std::condition_variable cv_;
  Job* job_ = nullptr;
  unsigned long long generation_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

void copy_to_staging(void* dst, const void* src, std::size_t bytes, std::size_t chunk_bytes,
                     const std::function<void(std::size_t, std::size_t)>& ready) {
  if (bytes == 0) return;
  chunk_bytes = std::max<std::size_t>(chunk_bytes, 4096);
  if (bytes < kParallelFromBytes) {
    for (std::size_t off = 0; off < bytes; off += chunk_bytes) {
      const std::size_t len = std::min(chunk_bytes, bytes - off);
      std::memcpy(static_cast<char*>(dst) + off, static_cast<const char*>(src) + off, len);
      ready(off, len);
    }
    return;
  }
  static CopyPool pool;
  Job job;
  job.dst = static_cast<char*>(dst);
  job.src = static_cast<const char*>(src);
  job.bytes = bytes;
  job.chunk = chunk_bytes;
  job.chunks = (bytes + chunk_bytes - 1) / chunk_bytes;
  job.done = std::make_unique<std::atomic<bool>[]>(job.chunks);
  for (std::size_t i = 0; i < job.chunks; ++i) job.done[i].store(false, std::memory_order_relaxed);
  pool.copy(job, ready);
}

}  // namespace hyped::cuda
