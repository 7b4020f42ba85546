#include "cluster/highlight_feed.hpp"

#include <spdlog/spdlog.h>

#include "cluster/cluster_names.hpp"
#include "cluster/cluster_store.hpp"
#include "cluster/nats_handles.hpp"

namespace hyped::cluster {

struct HighlightFeed::Impl {
  SubscriptionPtr sub;
};

HighlightFeed::HighlightFeed(ClusterStore& store, Handlers handlers)
    : store_(store), handlers_(std::move(handlers)), impl_(std::make_unique<Impl>()) {}

HighlightFeed::~HighlightFeed() { stop(); }

void HighlightFeed::deliver(const char* subject, const char* data, int len, bool replayed) {
  const auto parts = parse_subject(subject ? subject : "");
  if (!parts) return;
  try {
    const std::string_view text(data ? data : "", data ? static_cast<std::size_t>(len) : 0);
    if (parts->action) {
      ActionResult r = decode_action_event(text);
      r.channel = parts->channel;
      if (handlers_.on_action) handlers_.on_action(r, replayed);
    } else {
      HighlightEvent e = decode_highlight_event(text);
      e.channel = parts->channel;
      if (handlers_.on_highlight) handlers_.on_highlight(e, replayed);
    }
    ++delivered_;
  } catch (const std::invalid_argument& e) {
    if (++malformed_ == 1) spdlog::warn("cluster: skipped a malformed event on {}: {}", subject, e.what());
  }
}

void HighlightFeed::start(std::chrono::milliseconds catch_up) {
  const std::uint64_t kept_up_to = store_.stream_state().last_seq;
  NatsConnection& conn = store_.connection();
  jsSubOptions so;
  check_nats(jsSubOptions_Init(&so), "stream subscription");
  so.Stream = kStream;
  so.Ordered = true;  // in order, no acks; recreated from the last sequence seen after a reconnect
  so.Config.DeliverPolicy = js_DeliverAll;
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  check_nats(js_SubscribeSync(&sub, conn.js(), kStreamSubjects, nullptr, &so, &jerr),
             "cannot read the stream " + std::string(kStream), jerr);
  impl_->sub.reset(sub);
  // The kept events, before anyone can connect to the server they fill.
  const auto deadline = std::chrono::steady_clock::now() + catch_up;
  std::uint64_t seq = 0;
  long long replayed = 0;
  while (seq < kept_up_to && std::chrono::steady_clock::now() < deadline) {
    natsMsg* m = nullptr;
    const natsStatus s = natsSubscription_NextMsg(&m, impl_->sub.get(), 1000);
    MsgPtr msg(m);
    if (s == NATS_TIMEOUT) continue;
    check_nats(s, "cannot read the stream " + std::string(kStream));
    jsMsgMetaData* md = nullptr;
    if (natsMsg_GetMetaData(&md, msg.get()) != NATS_OK) continue;
    MetaDataPtr meta(md);
    seq = meta->Sequence.Stream;
    deliver(natsMsg_GetSubject(msg.get()), natsMsg_GetData(msg.get()), natsMsg_GetDataLength(msg.get()), seq <= kept_up_to);
    ++replayed;
  }
  last_seq_ = seq;
  if (seq < kept_up_to) spdlog::warn("cluster: caught up with the stream only to sequence {} of {}", seq, kept_up_to);
  spdlog::info("cluster: {} kept events read from the stream", replayed);
  thread_ = std::thread([this] { run(); });
}

void HighlightFeed::run() {
  while (!stop_) {
    natsMsg* m = nullptr;
    const natsStatus s = natsSubscription_NextMsg(&m, impl_->sub.get(), 250);
    MsgPtr msg(m);
    if (s == NATS_TIMEOUT) continue;
    if (s != NATS_OK) {
      if (s == NATS_INVALID_SUBSCRIPTION || s == NATS_CONNECTION_CLOSED) break;
      natsStatus last = NATS_OK;
      const char* detail = nats_GetLastError(&last);
      spdlog::warn("cluster: reading the stream: {} ({})", natsStatus_GetText(s), detail ? detail : "");
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      continue;
    }
    // The ordered consumer is recreated after a reconnect from where it was; should it ever deliver a
    // message again, the stream sequence tells, and clients do not hear of it twice.
    jsMsgMetaData* md = nullptr;
    if (natsMsg_GetMetaData(&md, msg.get()) == NATS_OK) {
      MetaDataPtr meta(md);
      if (meta->Sequence.Stream <= last_seq_) {
        ++redelivered_;
        continue;
      }
      last_seq_ = meta->Sequence.Stream;
    }
    deliver(natsMsg_GetSubject(msg.get()), natsMsg_GetData(msg.get()), natsMsg_GetDataLength(msg.get()), false);
  }
}

void HighlightFeed::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (impl_->sub) natsSubscription_Unsubscribe(impl_->sub.get());
  impl_->sub.reset();
}

}  // namespace hyped::cluster
