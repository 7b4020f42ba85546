#include "cluster/nats_handles.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace hyped::cluster {

void check_nats(natsStatus s, const std::string& what, jsErrCode js_error) {
  if (s == NATS_OK) return;
  std::string text = what + ": " + natsStatus_GetText(s);
  natsStatus last = NATS_OK;
  if (const char* detail = nats_GetLastError(&last); detail && *detail && std::string(detail) != natsStatus_GetText(s))
    text += std::string(" (") + detail + ")";
  if (js_error != 0) text += " [JetStream error " + std::to_string(static_cast<int>(js_error)) + "]";
  throw NatsError(text, s);
}

// The library calls back on a thread of its own, also while the connection closes: the destructor waits
// for the closed callback, the last one, before this goes away.
struct NatsConnection::Events {
  std::string url;
  std::mutex mu;
  std::condition_variable cv;
  bool closing = false, closed = false;
  std::atomic<std::uint64_t> reconnects{0};

  static void disconnected(natsConnection*, void* self) {
    auto* e = static_cast<Events*>(self);
    std::lock_guard lock(e->mu);
    if (!e->closing) spdlog::warn("cluster: disconnected from {}; reconnecting", e->url);
  }
  static void reconnected(natsConnection*, void* self) {
    auto* e = static_cast<Events*>(self);
    ++e->reconnects;
    std::lock_guard lock(e->mu);
    if (!e->closing) spdlog::info("cluster: reconnected to {}", e->url);
  }
  static void on_closed(natsConnection*, void* self) {
    auto* e = static_cast<Events*>(self);
    std::lock_guard lock(e->mu);
    e->closed = true;
    e->cv.notify_all();
  }
};

NatsConnection::NatsConnection(const Options& opt)
    : url_(opt.url), timeout_ms_(opt.timeout_ms), events_(std::make_unique<Events>()) {
  events_->url = opt.url;
  natsOptions* raw = nullptr;
  check_nats(natsOptions_Create(&raw), "cannot set up a NATS connection");
  OptionsPtr o(raw);
  const std::string what = "cannot connect to NATS at '" + opt.url + "'";
  check_nats(natsOptions_SetURL(o.get(), opt.url.c_str()), what);
  if (!opt.name.empty()) check_nats(natsOptions_SetName(o.get(), opt.name.c_str()), what);
  check_nats(natsOptions_SetTimeout(o.get(), opt.timeout_ms), what);
  check_nats(natsOptions_SetMaxReconnect(o.get(), -1), what);  // forever: a worker outlives a server restart
  check_nats(natsOptions_SetReconnectWait(o.get(), 250), what);
  check_nats(natsOptions_SetReconnectBufSize(o.get(), opt.reconnect_buffer_bytes), what);
  check_nats(natsOptions_SetDisconnectedCB(o.get(), Events::disconnected, events_.get()), what);
  check_nats(natsOptions_SetReconnectedCB(o.get(), Events::reconnected, events_.get()), what);
  check_nats(natsOptions_SetClosedCB(o.get(), Events::on_closed, events_.get()), what);
  natsConnection* nc = nullptr;
  check_nats(natsConnection_Connect(&nc, o.get()), what);
  nc_.reset(nc);
  auto close_on_throw = [this] { close(); };
  struct Guard {
    decltype(close_on_throw) f;
    bool armed = true;
    ~Guard() {
      if (armed) f();
    }
  } guard{close_on_throw};
  jsOptions jo;
  check_nats(jsOptions_Init(&jo), what);
  jo.Wait = opt.timeout_ms;
  jsCtx* js = nullptr;
  check_nats(natsConnection_JetStream(&js, nc_.get(), &jo), what + ": JetStream");
  js_.reset(js);
  guard.armed = false;
}

NatsConnection::~NatsConnection() { close(); }

void NatsConnection::close() {
  js_.reset();
  if (!nc_) return;
  {
    std::lock_guard lock(events_->mu);
    events_->closing = true;
  }
  natsConnection_Close(nc_.get());
  std::unique_lock lock(events_->mu);
  events_->cv.wait_for(lock, std::chrono::seconds(5), [this] { return events_->closed; });
  lock.unlock();
  nc_.reset();
}

std::uint64_t NatsConnection::reconnects() const { return events_->reconnects.load(); }

bool NatsConnection::connected() const { return natsConnection_Status(nc_.get()) == NATS_CONN_STATUS_CONNECTED; }

}  // namespace hyped::cluster
