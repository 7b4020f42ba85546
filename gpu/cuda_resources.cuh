// RAII owners of CUDA resources: device and pinned arrays, streams, events, cuFFT plans and graphs.
// Destructors release quietly (they run during unwinding); everything that acquires is checked.
#pragma once

#include <cuda_runtime.h>
#include <cufft.h>

#include <cstddef>
#include <utility>

#include "gpu/cuda_check.cuh"

namespace hyped::cuda {

// Memory that grows on demand and never shrinks, so steady-state ticks allocate nothing.
template <class T, cudaError_t (*Alloc)(void**, std::size_t), cudaError_t (*Free)(void*)>
class Array {
 public:
  Array() = default;
  explicit Array(std::size_t n) { reserve(n); }
  Array(const Array&) = delete;
  Array& operator=(const Array&) = delete;
  Array(Array&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  Array& operator=(Array&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    return *this;
  }
  ~Array() {
    if (p_) Free(p_);
  }
  // Old contents are dropped when the array has to grow.
  void reserve(std::size_t n) {
    if (n <= n_) return;
    if (p_) Free(std::exchange(p_, nullptr));
    n_ = 0;
    void* raw = nullptr;
    HYPED_CUDA_CHECK(Alloc(&raw, n * sizeof(T)));
    p_ = static_cast<T*>(raw);
    n_ = n;
  }
  T* data() const { return p_; }
  std::size_t capacity() const { return n_; }

 private:
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

inline cudaError_t device_alloc(void** p, std::size_t bytes) { return cudaMalloc(p, bytes); }
inline cudaError_t pinned_alloc(void** p, std::size_t bytes) { return cudaMallocHost(p, bytes); }

template <class T>
using DeviceArray = Array<T, device_alloc, cudaFree>;
// Page-locked host memory: the only kind an async copy can overlap with host work.
template <class T>
using PinnedArray = Array<T, pinned_alloc, cudaFreeHost>;

class Stream {
 public:
  Stream() { HYPED_CUDA_CHECK(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking)); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() { cudaStreamDestroy(s_); }
  cudaStream_t get() const { return s_; }

 private:
  cudaStream_t s_ = nullptr;
};

class Event {
 public:
  // Blocking sync lets the host thread sleep while it waits instead of spinning a core.
  explicit Event(unsigned flags = cudaEventDefault) { HYPED_CUDA_CHECK(cudaEventCreateWithFlags(&e_, flags)); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() { cudaEventDestroy(e_); }
  cudaEvent_t get() const { return e_; }

 private:
  cudaEvent_t e_ = nullptr;
};

// Milliseconds between two recorded and completed events.
inline float elapsed_ms(const Event& start, const Event& stop) {
  float ms = 0;
  HYPED_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
  return ms;
}

// A batched 1-D real-to-complex plan: `batch` transforms of n points, packed back to back.
class R2cPlan {
 public:
  R2cPlan() = default;
  R2cPlan(const R2cPlan&) = delete;
  R2cPlan& operator=(const R2cPlan&) = delete;
  ~R2cPlan() { release(); }
  void make(int n, long long batch, cudaStream_t stream) {
    release();
    HYPED_CUDA_CHECK(cufftCreate(&plan_));
    valid_ = true;
    std::size_t work = 0;
    long long nn[1] = {n};
    HYPED_CUDA_CHECK(cufftMakePlanMany64(plan_, 1, nn, nullptr, 1, n, nullptr, 1, n / 2 + 1, CUFFT_R2C, batch, &work));
    HYPED_CUDA_CHECK(cufftSetStream(plan_, stream));
    batch_ = batch;
  }
  cufftHandle get() const { return plan_; }
  long long batch() const { return valid_ ? batch_ : 0; }

 private:
  void release() {
    if (valid_) cufftDestroy(plan_);
    valid_ = false;
    batch_ = 0;
  }
  cufftHandle plan_ = 0;
  bool valid_ = false;
  long long batch_ = 0;
};

class GraphExec {
 public:
  GraphExec() = default;
  GraphExec(const GraphExec&) = delete;
  GraphExec& operator=(const GraphExec&) = delete;
  ~GraphExec() { reset(); }
  void reset(cudaGraphExec_t e = nullptr) {
    if (exec_) cudaGraphExecDestroy(exec_);
    exec_ = e;
  }
  cudaGraphExec_t get() const { return exec_; }
  explicit operator bool() const { return exec_ != nullptr; }

 private:
  cudaGraphExec_t exec_ = nullptr;
};

class Graph {
 public:
  explicit Graph(cudaGraph_t g = nullptr) : g_(g) {}
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  ~Graph() {
    if (g_) cudaGraphDestroy(g_);
  }
  cudaGraph_t get() const { return g_; }

 private:
  cudaGraph_t g_ = nullptr;
};

}  // namespace hyped::cuda
