// RAII owners of the NATS C client's handles, and the one check that turns a NATS status into an
// exception with context. Internal to the cluster module: other modules see the plain C++ classes.
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace hyped::cluster {

class NatsError : public std::runtime_error {
 public:
  NatsError(const std::string& what, natsStatus s) : std::runtime_error(what), status(s) {}
  natsStatus status;
};

// Throws NatsError "WHAT: <status text> (<last error detail>)" unless s is NATS_OK.
void check_nats(natsStatus s, const std::string& what, jsErrCode js_error = static_cast<jsErrCode>(0));

template <class T, void (*Destroy)(T*)>
struct NatsDeleter {
  void operator()(T* p) const {
    if (p) Destroy(p);
  }
};

using OptionsPtr = std::unique_ptr<natsOptions, NatsDeleter<natsOptions, natsOptions_Destroy>>;
using ConnectionPtr = std::unique_ptr<natsConnection, NatsDeleter<natsConnection, natsConnection_Destroy>>;
using JsCtxPtr = std::unique_ptr<jsCtx, NatsDeleter<jsCtx, jsCtx_Destroy>>;
using KvStorePtr = std::unique_ptr<kvStore, NatsDeleter<kvStore, kvStore_Destroy>>;
using KvEntryPtr = std::unique_ptr<kvEntry, NatsDeleter<kvEntry, kvEntry_Destroy>>;
using MsgPtr = std::unique_ptr<natsMsg, NatsDeleter<natsMsg, natsMsg_Destroy>>;
using SubscriptionPtr = std::unique_ptr<natsSubscription, NatsDeleter<natsSubscription, natsSubscription_Destroy>>;
using StreamInfoPtr = std::unique_ptr<jsStreamInfo, NatsDeleter<jsStreamInfo, jsStreamInfo_Destroy>>;
using PubAckPtr = std::unique_ptr<jsPubAck, NatsDeleter<jsPubAck, jsPubAck_Destroy>>;
using MetaDataPtr = std::unique_ptr<jsMsgMetaData, NatsDeleter<jsMsgMetaData, jsMsgMetaData_Destroy>>;
using KvWatcherPtr = std::unique_ptr<kvWatcher, NatsDeleter<kvWatcher, kvWatcher_Destroy>>;

// One connection to a NATS server with its JetStream context. It reconnects by itself, forever, and
// buffers what is published meanwhile up to `reconnect_buffer_bytes`; on_state hears of each change.
class NatsConnection {
 public:
  struct Options {
    std::string url;                      // nats://host:port (several: comma-separated)
    std::string name;                     // shown by the server's monitoring
    int reconnect_buffer_bytes = 8 << 20;
    int timeout_ms = 2000;                // connect and JetStream API calls
  };
  explicit NatsConnection(const Options& opt);
  ~NatsConnection();
  NatsConnection(const NatsConnection&) = delete;
  NatsConnection& operator=(const NatsConnection&) = delete;

  natsConnection* nc() const { return nc_.get(); }
  jsCtx* js() const { return js_.get(); }
  bool connected() const;
  // How many times the connection came back after losing the server (what was known from it may be stale).
  std::uint64_t reconnects() const;
  const std::string& url() const { return url_; }
  int timeout_ms() const { return timeout_ms_; }

 private:
  void close();
  struct Events;  // what the client library's callback thread reports to
  std::string url_;
  int timeout_ms_;
  std::unique_ptr<Events> events_;
  ConnectionPtr nc_;
  JsCtxPtr js_;
};

}  // namespace hyped::cluster
