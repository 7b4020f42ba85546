#include "cluster/cluster_store.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "cluster/cluster_names.hpp"
#include "cluster/nats_handles.hpp"

namespace hyped::cluster {

namespace {

using KvStatusPtr = std::unique_ptr<kvStatus, NatsDeleter<kvStatus, kvStatus_Destroy>>;

std::string last_error_text() {
  natsStatus s = NATS_OK;
  const char* t = nats_GetLastError(&s);
  return t ? t : "";
}

// A conditional write refused because the key moved on (someone else wrote it), not a failure.
bool wrong_sequence(natsStatus s) {
  if (s != NATS_ERR) return false;
  std::string t = last_error_text();
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return t.find("wrong last sequence") != std::string::npos || t.find("key exists") != std::string::npos;
}

KvStorePtr open_bucket(jsCtx* js, const char* bucket, std::int64_t ttl_ns) {
  kvStore* kv = nullptr;
  natsStatus s = js_KeyValue(&kv, js, bucket);
  if (s == NATS_NOT_FOUND) {
    kvConfig cfg;
    check_nats(kvConfig_Init(&cfg), "key-value bucket");
    cfg.Bucket = bucket;
    cfg.History = 1;
    cfg.TTL = ttl_ns;  // the stream's max age, in nanoseconds as JetStream takes it
    cfg.StorageType = js_FileStorage;
    s = js_CreateKeyValue(&kv, js, &cfg);
    if (s != NATS_OK) {
      const std::string created = last_error_text();
      kv = nullptr;
      if (js_KeyValue(&kv, js, bucket) == NATS_OK) return KvStorePtr(kv);  // another process created it first
      throw NatsError(std::string("cannot create the key-value bucket '") + bucket + "': " + natsStatus_GetText(s) +
                          (created.empty() ? "" : " (" + created + ")"),
                      s);
    }
  }
  check_nats(s, std::string("cannot open the key-value bucket '") + bucket + "'");
  return KvStorePtr(kv);
}

}  // namespace

struct ClusterStore::Impl {
  explicit Impl(const ClusterOptions& opt, const std::string& name)
      : conn(NatsConnection::Options{opt.url, name, 8 << 20, 2000}) {
    ensure_stream(opt);
    wanted = open_bucket(conn.js(), kWantedBucket, 0);
    leases = open_bucket(conn.js(), kLeaseBucket, static_cast<std::int64_t>(std::llround(opt.lease_s * 1e9)));
    kvStatus* st = nullptr;
    check_nats(kvStore_Status(&st, leases.get()), "cannot read the lease bucket's settings");
    KvStatusPtr status(st);
    lease_s = static_cast<double>(kvStatus_TTL(status.get())) / 1e9;
    if (lease_s <= 0) lease_s = opt.lease_s;
    if (std::abs(lease_s - opt.lease_s) > 1e-3)
      spdlog::warn("cluster: leases last {} s (the bucket's setting), not cluster.lease_s = {}", lease_s, opt.lease_s);
  }

  void ensure_stream(const ClusterOptions& opt) {
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_GetStreamInfo(&si, conn.js(), kStream, nullptr, &jerr);
    StreamInfoPtr info(si);
    if (s == NATS_OK) return;
    if (s != NATS_NOT_FOUND) check_nats(s, "cannot read the stream " + std::string(kStream), jerr);
    jsStreamConfig cfg;
    check_nats(jsStreamConfig_Init(&cfg), "stream settings");
    const char* subjects[] = {kStreamSubjects};
    cfg.Name = kStream;
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    const auto age_ns = static_cast<std::int64_t>(opt.retention_h * 3600.0 * 1e9);
    cfg.MaxAge = age_ns;
    // De-duplication covers a publisher's retries across a server restart, not just a lost ack.
    cfg.Duplicates = std::min<std::int64_t>(age_ns, static_cast<std::int64_t>(600) * 1000000000);
    si = nullptr;
    s = js_AddStream(&si, conn.js(), &cfg, nullptr, &jerr);
    info.reset(si);
    if (s != NATS_OK) {
      // Another process may have created it meanwhile.
      si = nullptr;
      if (js_GetStreamInfo(&si, conn.js(), kStream, nullptr, nullptr) == NATS_OK) {
        info.reset(si);
        return;
      }
      check_nats(s, "cannot create the stream " + std::string(kStream), jerr);
    }
  }

  NatsConnection conn;
  KvStorePtr wanted, leases;
  double lease_s = 10;
};

ClusterStore::ClusterStore(const ClusterOptions& opt, const std::string& client_name)
    : impl_(std::make_unique<Impl>(opt, client_name)) {}
ClusterStore::~ClusterStore() = default;

NatsConnection& ClusterStore::connection() { return impl_->conn; }
bool ClusterStore::connected() const { return impl_->conn.connected(); }
std::uint64_t ClusterStore::reconnects() const { return impl_->conn.reconnects(); }
double ClusterStore::lease_s() const { return impl_->lease_s; }

namespace {

struct Value {
  std::string first;        // the value
  std::uint64_t second = 0;  // its revision
  long long written_ms = 0;
};

Value value_of(kvEntry* e) {
  return Value{std::string(static_cast<const char*>(kvEntry_Value(e)), static_cast<std::size_t>(kvEntry_ValueLen(e))),
               kvEntry_Revision(e), kvEntry_Created(e) / 1000000};
}

// Every key of a bucket with its value, read through one watcher: the server pushes the last value of
// each key and then marks the end of what it holds (an empty bucket: at once). A request per key made a
// worker's round take seconds on a loaded machine.
std::map<std::string, Value> read_bucket(kvStore* kv, const char* what, int timeout_ms) {
  kvWatchOptions o;
  check_nats(kvWatchOptions_Init(&o), what);
  o.IgnoreDeletes = true;
  kvWatcher* raw = nullptr;
  check_nats(kvStore_WatchAll(&raw, kv, &o), std::string("cannot read ") + what);
  KvWatcherPtr watcher(raw);
  std::map<std::string, Value> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    kvEntry* e = nullptr;
    const natsStatus s = kvWatcher_Next(&e, watcher.get(), std::max<std::int64_t>(1, left.count()));
    KvEntryPtr entry(e);
    check_nats(s, std::string("cannot read ") + what);
    if (!e) break;  // the end of what the bucket holds
    const std::string key = kvEntry_Key(e);
    if (kvEntry_Operation(e) == kvOp_Put) out[key] = value_of(e);
    else out.erase(key);
  }
  return out;
}

// The value and revision of a key, nullopt when absent (or deleted, or expired).
std::optional<Value> get_value(kvStore* kv, const std::string& key) {
  kvEntry* e = nullptr;
  const natsStatus s = kvStore_Get(&e, kv, key.c_str());
  KvEntryPtr entry(e);
  if (s == NATS_NOT_FOUND) return std::nullopt;
  check_nats(s, "cannot read '" + key + "'");
  return value_of(entry.get());
}

}  // namespace

void ClusterStore::put_wanted(const WantedChannel& w) {
  const std::string v = encode_wanted(w);
  std::uint64_t rev = 0;
  check_nats(kvStore_Put(&rev, impl_->wanted.get(), channel_key(w.name).c_str(), v.data(), static_cast<int>(v.size())),
             "cannot add channel '" + w.name + "'");
}

bool ClusterStore::remove_wanted(const std::string& name) {
  if (!get_value(impl_->wanted.get(), channel_key(name))) return false;
  check_nats(kvStore_Delete(impl_->wanted.get(), channel_key(name).c_str()), "cannot remove channel '" + name + "'");
  return true;
}

std::vector<WantedChannel> ClusterStore::wanted() {
  std::vector<WantedChannel> out;
  for (auto& [name, e] : wanted_set().channels) out.push_back(std::move(e.channel));
  return out;
}

ClusterStore::WantedSet ClusterStore::wanted_set() {
  WantedSet out;
  for (const auto& [key, v] : read_bucket(impl_->wanted.get(), "the wanted channels", impl_->conn.timeout_ms())) {
    if (const auto skipped = skipped_of_key(key)) {
      out.skipped.insert(*skipped);
      continue;
    }
    const auto name = channel_of_key(key);
    if (!name) continue;
    try {
      out.channels[*name] = {decode_wanted(*name, v.first), v.second};
    } catch (const std::invalid_argument& e) {
      spdlog::warn("cluster: wanted channel '{}' skipped: {}", *name, e.what());
    }
  }
  return out;
}

bool ClusterStore::create_wanted(const WantedChannel& w) {
  const std::string v = encode_wanted(w);
  std::uint64_t rev = 0;
  const natsStatus s =
      kvStore_Create(&rev, impl_->wanted.get(), channel_key(w.name).c_str(), v.data(), static_cast<int>(v.size()));
  if (wrong_sequence(s)) return false;
  check_nats(s, "cannot add channel '" + w.name + "'");
  return true;
}

bool ClusterStore::remove_wanted_at(const std::string& name, std::uint64_t revision) {
  // libnats has no delete on a revision: checking first leaves a window of one round trip, not of a
  // whole listing.
  const auto v = get_value(impl_->wanted.get(), channel_key(name));
  if (!v || v->second != revision) return false;
  check_nats(kvStore_Delete(impl_->wanted.get(), channel_key(name).c_str()), "cannot remove channel '" + name + "'");
  return true;
}

void ClusterStore::skip_wanted(const std::string& name) {
  const std::string v = nlohmann::json{{"since_ms", unix_now_ms()}}.dump();
  std::uint64_t rev = 0;
  check_nats(kvStore_Put(&rev, impl_->wanted.get(), skip_key(name).c_str(), v.data(), static_cast<int>(v.size())),
             "cannot mark '" + name + "' as removed");
}

void ClusterStore::unskip_wanted(const std::string& name) {
  check_nats(kvStore_Delete(impl_->wanted.get(), skip_key(name).c_str()), "cannot clear the mark of '" + name + "'");
}

std::optional<ClusterStore::DiscoveryLeadEntry> ClusterStore::discovery_lead() {
  const auto v = get_value(impl_->leases.get(), kDiscoveryKey);
  if (!v) return std::nullopt;
  try {
    return DiscoveryLeadEntry{decode_discovery_lead(v->first), v->second, v->written_ms};
  } catch (const std::invalid_argument& e) {
    spdlog::warn("cluster: the discovery leader's key skipped: {}", e.what());
    return std::nullopt;
  }
}

std::optional<std::uint64_t> ClusterStore::create_discovery_lead(const DiscoveryLead& d) {
  const std::string v = encode_discovery_lead(d);
  std::uint64_t rev = 0;
  const natsStatus s = kvStore_Create(&rev, impl_->leases.get(), kDiscoveryKey, v.data(), static_cast<int>(v.size()));
  if (wrong_sequence(s)) return std::nullopt;
  check_nats(s, "cannot become the discovery leader");
  return rev;
}

std::optional<std::uint64_t> ClusterStore::update_discovery_lead(const DiscoveryLead& d, std::uint64_t revision) {
  const std::string v = encode_discovery_lead(d);
  std::uint64_t rev = 0;
  const natsStatus s =
      kvStore_Update(&rev, impl_->leases.get(), kDiscoveryKey, v.data(), static_cast<int>(v.size()), revision);
  if (wrong_sequence(s)) return std::nullopt;
  check_nats(s, "cannot renew the discovery leader's key");
  return rev;
}

void ClusterStore::delete_discovery_lead() {
  check_nats(kvStore_Delete(impl_->leases.get(), kDiscoveryKey), "cannot give up the discovery leader's key");
}

ClusterStore::Shared ClusterStore::shared() {
  Shared out;
  for (const auto& [key, v] : read_bucket(impl_->leases.get(), "the leases", impl_->conn.timeout_ms())) {
    if (const auto name = channel_of_key(key)) {
      try {
        out.leases[*name] = {decode_lease(v.first), v.second, v.written_ms};
      } catch (const std::invalid_argument& e) {
        spdlog::warn("cluster: lease of '{}' skipped: {}", *name, e.what());
      }
    } else if (const auto id = worker_of_key(key)) {
      try {
        out.workers.push_back(decode_worker(v.first));
      } catch (const std::invalid_argument& e) {
        spdlog::warn("cluster: worker '{}' skipped: {}", *id, e.what());
      }
    }
  }
  return out;
}

std::map<std::string, LeaseEntry> ClusterStore::leases() { return shared().leases; }

std::optional<LeaseEntry> ClusterStore::lease(const std::string& channel) {
  const auto v = get_value(impl_->leases.get(), channel_key(channel));
  if (!v) return std::nullopt;
  try {
    return LeaseEntry{decode_lease(v->first), v->second, v->written_ms};
  } catch (const std::invalid_argument& e) {
    spdlog::warn("cluster: lease of '{}' skipped: {}", channel, e.what());
    return std::nullopt;
  }
}

std::optional<std::uint64_t> ClusterStore::create_lease(const std::string& channel, const Lease& l) {
  const std::string v = encode_lease(l);
  std::uint64_t rev = 0;
  const natsStatus s = kvStore_Create(&rev, impl_->leases.get(), channel_key(channel).c_str(), v.data(), static_cast<int>(v.size()));
  if (wrong_sequence(s)) return std::nullopt;
  check_nats(s, "cannot claim '" + channel + "'");
  return rev;
}

std::optional<std::uint64_t> ClusterStore::update_lease(const std::string& channel, const Lease& l, std::uint64_t revision) {
  const std::string v = encode_lease(l);
  std::uint64_t rev = 0;
  const natsStatus s =
      kvStore_Update(&rev, impl_->leases.get(), channel_key(channel).c_str(), v.data(), static_cast<int>(v.size()), revision);
  if (wrong_sequence(s)) return std::nullopt;
  check_nats(s, "cannot renew the lease of '" + channel + "'");
  return rev;
}

void ClusterStore::delete_lease(const std::string& channel) {
  check_nats(kvStore_Delete(impl_->leases.get(), channel_key(channel).c_str()), "cannot release '" + channel + "'");
}

std::vector<WorkerStatus> ClusterStore::workers() { return shared().workers; }

void ClusterStore::put_worker(const WorkerStatus& w) {
  const std::string v = encode_worker(w);
  std::uint64_t rev = 0;
  check_nats(kvStore_Put(&rev, impl_->leases.get(), worker_key(w.worker).c_str(), v.data(), static_cast<int>(v.size())),
             "cannot write the heartbeat of worker '" + w.worker + "'");
}

void ClusterStore::delete_worker(const std::string& id) {
  check_nats(kvStore_Delete(impl_->leases.get(), worker_key(id).c_str()), "cannot remove worker '" + id + "'");
}

std::optional<HighlightEvent> ClusterStore::last_highlight(const std::string& channel) {
  natsMsg* m = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s = js_GetLastMsg(&m, impl_->conn.js(), kStream, highlight_subject(channel).c_str(), nullptr, &jerr);
  MsgPtr msg(m);
  if (s == NATS_NOT_FOUND) return std::nullopt;
  check_nats(s, "cannot read the last highlight of '" + channel + "'", jerr);
  try {
    return decode_highlight_event(std::string_view(natsMsg_GetData(msg.get()), natsMsg_GetDataLength(msg.get())));
  } catch (const std::invalid_argument& e) {
    spdlog::warn("cluster: the last highlight of '{}' is unreadable ({}): ids go on from 0", channel, e.what());
    return std::nullopt;
  }
}

ClusterStore::StreamState ClusterStore::stream_state() {
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  check_nats(js_GetStreamInfo(&si, impl_->conn.js(), kStream, nullptr, &jerr), "cannot read the stream " + std::string(kStream), jerr);
  StreamInfoPtr info(si);
  return {info->Created / 1000000, info->State.LastSeq, info->State.Msgs};
}

}  // namespace hyped::cluster
