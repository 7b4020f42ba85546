#include "cluster/balance.hpp"

#include <algorithm>

namespace hyped::cluster {

unsigned long long rendezvous_weight(const std::string& worker, const std::string& channel) {
  // FNV-1a over "worker/channel", then a 64-bit finalizer (splitmix64) to spread close inputs.
  unsigned long long h = 1469598103934665603ULL;
  auto mix = [&h](const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  };
  mix(worker);
  h = (h ^ '/') * 1099511628211ULL;
  mix(channel);
  h += 0x9e3779b97f4a7c15ULL;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

std::string holder_of(const ClusterView& view, const std::string& channel) {
  if (const auto it = view.leases.find(channel); it != view.leases.end()) return it->second.owner;
  const WorkerLoad* best = nullptr;
  for (const WorkerLoad& w : view.workers)
    if (w.publishing.count(channel) > 0 && (!best || w.id < best->id)) best = &w;
  return best ? best->id : std::string();
}

namespace {

std::map<std::string, int> held_counts(const ClusterView& view) {
  std::map<std::string, int> held;
  for (const WorkerLoad& w : view.workers) held[w.id] = 0;
  for (const std::string& channel : view.wanted)
    if (const std::string h = holder_of(view, channel); !h.empty()) ++held[h];
  return held;
}

bool is_worker(const ClusterView& view, const std::string& id) {
  return std::any_of(view.workers.begin(), view.workers.end(), [&](const WorkerLoad& w) { return w.id == id; });
}

}  // namespace

std::map<std::string, int> target_shares(const ClusterView& view, const BalanceOptions& opt) {
  const std::map<std::string, int> held = held_counts(view);
  std::vector<const WorkerLoad*> open;
  for (const WorkerLoad& w : view.workers)
    if (w.cpu_headroom >= opt.min_cpu_headroom) open.push_back(&w);
  std::map<std::string, int> target;
  int left = static_cast<int>(view.wanted.size());
  if (open.empty()) {  // every worker is busy: better followed by a busy one than not at all
    for (const WorkerLoad& w : view.workers) open.push_back(&w);
  } else {
    for (const WorkerLoad& w : view.workers)
      if (w.cpu_headroom < opt.min_cpu_headroom) {
        target[w.id] = held.at(w.id);
        left -= held.at(w.id);
      }
  }
  if (open.empty()) return target;
  left = std::max(0, left);
  // The remainder goes to those holding most already, so an even spread moves nothing.
  std::sort(open.begin(), open.end(), [&](const WorkerLoad* a, const WorkerLoad* b) {
    const int ha = held.at(a->id), hb = held.at(b->id);
    return ha != hb ? ha > hb : a->id < b->id;
  });
  const int n = static_cast<int>(open.size());
  for (int i = 0; i < n; ++i) target[open[i]->id] = left / n + (i < left % n ? 1 : 0);
  return target;
}

ClaimPlan plan_claims(const ClusterView& view, const std::string& me, const BalanceOptions& opt) {
  ClaimPlan plan;
  if (!is_worker(view, me)) return plan;  // not yet heartbeating: nobody counts on us
  const std::map<std::string, int> target = target_shares(view, opt);
  const std::map<std::string, int> held = held_counts(view);

  std::vector<std::string> mine;  // wanted channels I hold and keep
  for (const auto& [channel, lease] : view.leases) {
    if (lease.owner == me) {
      if (view.wanted.count(channel) == 0) {
        plan.release.push_back(channel);
        continue;
      }
      mine.push_back(channel);
      if (!lease.handover_to.empty()) {
        if (!is_worker(view, lease.handover_to)) plan.cancel_handover.push_back(channel);
        else if (lease.ready) plan.complete.push_back(channel);
      }
    } else if (lease.handover_to == me && view.wanted.count(channel) > 0) {
      plan.shadow.push_back(channel);
    }
  }

  // Free channels go, one by one in name order, to the worker furthest below its target, the channel's
  // rendezvous favourite among equals: every worker computes the same deal, so claims rarely collide.
  std::map<std::string, int> need;
  for (const auto& [id, t] : target) need[id] = t - held.at(id);
  std::vector<std::string> free;
  for (const std::string& c : view.wanted)
    if (holder_of(view, c).empty()) free.push_back(c);
  for (const std::string& c : free) {
    const std::string* best = nullptr;
    for (const auto& [id, n] : need) {
      if (n <= 0) continue;
      if (!best || n > need.at(*best) ||
          (n == need.at(*best) && rendezvous_weight(id, c) > rendezvous_weight(*best, c)))
        best = &id;
    }
    if (!best) break;
    if (*best == me) plan.claim.push_back(c);
    --need[*best];
  }

  // Too many: offer the surplus to workers below their target, once every free channel is taken.
  const auto my_target = target.find(me);
  int surplus = static_cast<int>(mine.size()) - (my_target == target.end() ? 0 : my_target->second);
  if (surplus <= 0 || !free.empty()) return plan;
  for (const auto& [channel, lease] : view.leases)
    if (lease.owner == me && !lease.handover_to.empty()) --surplus;  // already on their way
  std::vector<std::pair<std::string, int>> takers;  // worker → channels it still lacks
  for (const auto& [id, n] : need)
    if (n > 0 && id != me) takers.emplace_back(id, n);
  for (const auto& [channel, lease] : view.leases)  // offers already made count toward the taker
    for (auto& [id, n] : takers)
      if (lease.handover_to == id) --n;
  std::vector<std::string> movable;
  for (const std::string& c : mine)
    if (view.leases.at(c).handover_to.empty()) movable.push_back(c);
  // The channels that prefer me least go first.
  std::sort(movable.begin(), movable.end(), [&](const std::string& a, const std::string& b) {
    return rendezvous_weight(me, a) < rendezvous_weight(me, b);
  });
  std::sort(takers.begin(), takers.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  for (const std::string& c : movable) {
    if (surplus <= 0) break;
    auto taker = std::find_if(takers.begin(), takers.end(), [](const auto& t) { return t.second > 0; });
    if (taker == takers.end()) break;
    if (opt.handover) plan.hand_over.push_back({c, taker->first});
    else plan.release.push_back(c);
    --taker->second;
    --surplus;
  }
  return plan;
}

}  // namespace hyped::cluster
