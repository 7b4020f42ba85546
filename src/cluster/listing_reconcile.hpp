// How the discovery leader brings the wanted set in line with a listing of the top channels (pure):
// listed channels that are not wanted join as discovered entries; discovered entries no longer listed
// leave; an operator's entries (`hyped cluster add`) are never touched, listed or not. A channel an
// operator removed carries a skip mark (`hyped cluster remove`): it is not added back while it stays
// listed, and the mark goes once it has left the listing, so it is followed again when it comes back.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cluster/cluster_wire.hpp"

namespace hyped::cluster {

struct ListingChanges {
  std::vector<std::string> add;      // listed and free: put in as discovered (in listing order)
  std::vector<std::string> remove;   // discovered, no longer listed
  std::vector<std::string> unskip;   // skip marks of channels no longer listed
  std::vector<std::string> ignored;  // listed but not usable as a cluster channel name
  bool empty() const { return add.empty() && remove.empty() && unskip.empty(); }
};

ListingChanges reconcile_listing(const std::vector<std::string>& listing,
                                 const std::map<std::string, WantedChannel>& wanted,
                                 const std::set<std::string>& skipped);

}  // namespace hyped::cluster
