#include "server/process_memory.hpp"

#include <unistd.h>

#include <fstream>

namespace hyped {

long long resident_memory_bytes() {
  std::ifstream statm("/proc/self/statm");
  long long size_pages = 0, resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return -1;
  const long page = sysconf(_SC_PAGESIZE);
  return page > 0 ? resident_pages * page : -1;
}

}  // namespace hyped
