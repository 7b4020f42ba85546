// This process's resident memory, for /metrics and /api/status: what an operator sizes a box by.
#pragma once

namespace hyped {

// Resident set size in bytes (Linux /proc/self/statm); -1 where it cannot be read.
long long resident_memory_bytes();

}  // namespace hyped
