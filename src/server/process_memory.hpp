// This process's resident memory, for /metrics and /api/status: what an operator sizes a box by.
#pragma once

namespace hyped {

// Resident set size in bytes (Linux /proc/self/statm); -1 where it cannot be read.
long long resident_memory_bytes();

// Each followed channel's share of `resident` bytes; -1 where either is unknown or nothing is followed.
inline long long memory_per_channel(long long resident, long long channels) {
  return resident >= 0 && channels > 0 ? resident / channels : -1;
}

}  // namespace hyped
