#include "cluster/nats_handles.hpp"

#include <spdlog/spdlog.h>

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

namespace {
void on_disconnected(natsConnection*, void* url) {
  spdlog::warn("cluster: disconnected from {}; reconnecting", *static_cast<std::string*>(url));
}
void on_reconnected(natsConnection*, void* url) {
  spdlog::info("cluster: reconnected to {}", *static_cast<std::string*>(url));
}
}  // namespace

NatsConnection::NatsConnection(const Options& opt) : url_(opt.url), timeout_ms_(opt.timeout_ms) {
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
  check_nats(natsOptions_SetDisconnectedCB(o.get(), on_disconnected, &url_), what);
  check_nats(natsOptions_SetReconnectedCB(o.get(), on_reconnected, &url_), what);
  natsConnection* nc = nullptr;
  check_nats(natsConnection_Connect(&nc, o.get()), what);
  nc_.reset(nc);
  jsOptions jo;
  check_nats(jsOptions_Init(&jo), what);
  jo.Wait = opt.timeout_ms;
  jsCtx* js = nullptr;
  check_nats(natsConnection_JetStream(&js, nc_.get(), &jo), what + ": JetStream");
  js_.reset(js);
}

NatsConnection::~NatsConnection() {
  js_.reset();
  if (nc_) natsConnection_Close(nc_.get());  // callbacks stop before url_ goes
  nc_.reset();
}

bool NatsConnection::connected() const { return natsConnection_Status(nc_.get()) == NATS_CONN_STATUS_CONNECTED; }

}  // namespace hyped::cluster
