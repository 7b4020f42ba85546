#include "cluster/listing_reconcile.hpp"

#include "cluster/cluster_names.hpp"

namespace hyped::cluster {

ListingChanges reconcile_listing(const std::vector<std::string>& listing,
                                 const std::map<std::string, WantedChannel>& wanted,
                                 const std::set<std::string>& skipped) {
  ListingChanges out;
  std::set<std::string> listed;
  for (const std::string& name : listing) {
    if (!valid_channel_name(name)) {
      out.ignored.push_back(name);
      continue;
    }
    if (!listed.insert(name).second) continue;
    if (wanted.count(name) == 0 && skipped.count(name) == 0) out.add.push_back(name);
  }
  for (const auto& [name, w] : wanted)
    if (w.discovered && listed.count(name) == 0) out.remove.push_back(name);
  for (const std::string& name : skipped)
    if (listed.count(name) == 0) out.unskip.push_back(name);
  return out;
}

}  // namespace hyped::cluster
