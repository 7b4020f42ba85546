// Host copies into pinned staging memory with several threads, handing each finished chunk, in order,
// to a callback on the calling thread (which starts that chunk's DMA), so that the host copy and the
// PCIe transfer overlap and the copy is not limited to one core's memory bandwidth. Plain C++.
#pragma once

#include <cstddef>
#include <functional>

namespace hyped::cuda {

// Copies `bytes` from src to dst in chunks of `chunk_bytes`; ready(offset, length) is called on the
// calling thread once per chunk, in order, as soon as the chunk is complete. Below a few megabytes the
// copy stays on the calling thread. Threads are started on first use and shared by the process.
void copy_to_staging(void* dst, const void* src, std::size_t bytes, std::size_t chunk_bytes,
                     const std::function<void(std::size_t, std::size_t)>& ready);

}  // namespace hyped::cuda
