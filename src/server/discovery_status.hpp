// What channel discovery (`hyped live --top`) reports to the alert server: /api/status "discovery" and
// the hyped_discovery_* series of /metrics.
#pragma once

#include <string>

namespace hyped {

struct DiscoveryStatus {
  long long listings = 0;  // listings of live channels completed
  long long failures = 0;  // listings that failed (the followed set then stays as it was)
  long long joined = 0;    // channels that joined the followed set, in all
  long long left = 0;      // channels that left it (offline, or out of the top)
  std::string last_listing;  // ISO-8601 time of the last completed listing; empty: none yet
  std::string last_error;    // of the last failed listing
};

}  // namespace hyped
