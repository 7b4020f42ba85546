#include "cluster/cluster_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
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
double ClusterStore::lease_s() const { return impl_->lease_s; }

namespace {

// Every key of a bucket (none: an empty list, not an error).
std::vector<std::string> keys_of(kvStore* kv, const char* what) {
  KvKeys keys;
  kvWatchOptions o;
  check_nats(kvWatchOptions_Init(&o), what);
  o.Timeout = 2000;
  const natsStatus s = kvStore_Keys(&keys.list, kv, &o);
  if (s == NATS_NOT_FOUND) return {};
  check_nats(s, std::string("cannot list ") + what);
  std::vector<std::string> out;
  for (int i = 0; i < keys.list.Count; ++i) out.emplace_back(keys.list.Keys[i]);
  return out;
}

struct Value {
  std::string first;        // the value
  std::uint64_t second = 0;  // its revision
  long long written_ms = 0;
};

// The value and revision of a key, nullopt when absent (or deleted, or expired).
std::optional<Value> get_value(kvStore* kv, const std::string& key) {
  kvEntry* e = nullptr;
  const natsStatus s = kvStore_Get(&e, kv, key.c_str());
  KvEntryPtr entry(e);
  if (s == NATS_NOT_FOUND) return std::nullopt;
  check_nats(s, "cannot read '" + key + "'");
  return Value{std::string(static_cast<const char*>(kvEntry_Value(entry.get())), kvEntry_ValueLen(entry.get())),
               kvEntry_Revision(entry.get()), kvEntry_Created(entry.get()) / 1000000};
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
  for (const std::string& key : keys_of(impl_->wanted.get(), "the wanted channels")) {
    const auto name = channel_of_key(key);
    if (!name) continue;
    const auto v = get_value(impl_->wanted.get(), key);
    if (!v) continue;
    try {
      out.push_back(decode_wanted(*name, v->first));
    } catch (const std::invalid_argument& e) {
      spdlog::warn("cluster: wanted channel '{}' skipped: {}", *name, e.what());
    }
  }
  return out;
}

std::map<std::string, LeaseEntry> ClusterStore::leases() {
  std::map<std::string, LeaseEntry> out;
  for (const std::string& key : keys_of(impl_->leases.get(), "the leases")) {
    const auto name = channel_of_key(key);
    if (!name) continue;
    const auto v = get_value(impl_->leases.get(), key);
    if (!v) continue;
    try {
      out[*name] = {decode_lease(v->first), v->second, v->written_ms};
    } catch (const std::invalid_argument& e) {
      spdlog::warn("cluster: lease of '{}' skipped: {}", *name, e.what());
    }
  }
  return out;
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

std::vector<WorkerStatus> ClusterStore::workers() {
  std::vector<WorkerStatus> out;
  for (const std::string& key : keys_of(impl_->leases.get(), "the workers")) {
    const auto id = worker_of_key(key);
    if (!id) continue;
    const auto v = get_value(impl_->leases.get(), key);
    if (!v) continue;
    try {
      out.push_back(decode_worker(v->first));
    } catch (const std::invalid_argument& e) {
      spdlog::warn("cluster: worker '{}' skipped: {}", *id, e.what());
    }
  }
  return out;
}

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
