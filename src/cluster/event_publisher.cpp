#include "cluster/event_publisher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "cluster/nats_handles.hpp"

namespace hyped::cluster {

EventPublisher::EventPublisher(NatsConnection& conn, std::size_t buffer_limit)
    : conn_(conn), limit_(std::max<std::size_t>(1, buffer_limit)), thread_([this] { run(); }) {}

EventPublisher::~EventPublisher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void EventPublisher::publish(std::string subject, std::string payload, std::string msg_id) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= limit_) {
      // Keep the newest: a client catching up wants what is happening now.
      acked_seq_ = std::max(acked_seq_, queue_.front().seq);
      queue_.pop_front();
      if (++counters_.dropped == 1 || counters_.dropped % 1000 == 0)
        spdlog::warn("cluster: publish buffer full ({} events): {} dropped so far", limit_, counters_.dropped);
    }
    queue_.push_back({std::move(subject), std::move(payload), std::move(msg_id), next_seq_++});
    counters_.buffered = queue_.size();
  }
  wake_.notify_all();
  done_.notify_all();
}

bool EventPublisher::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const long long target = next_seq_ - 1;
  return done_.wait_for(lock, timeout, [&] { return acked_seq_ >= target; });
}

PublisherCounters EventPublisher::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void EventPublisher::run() {
  std::unique_lock lock(mu_);
  auto backoff = std::chrono::milliseconds(50);
  while (!stop_) {
    if (queue_.empty()) {
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      continue;
    }
    if (!conn_.connected()) {
      // Handing it to the client library now would only park it in its reconnect buffer, where it may
      // outlive the stream's de-duplication window; it waits here instead.
      wake_.wait_for(lock, std::chrono::milliseconds(100));
      continue;
    }
    Event e = queue_.front();  // stays queued until acknowledged
    lock.unlock();
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = e.msg_id.c_str();
    po.MaxWait = conn_.timeout_ms();
    jsPubAck* raw = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_Publish(&raw, conn_.js(), e.subject.c_str(), e.payload.data(),
                                    static_cast<int>(e.payload.size()), &po, &jerr);
    PubAckPtr ack(raw);
    lock.lock();
    if (s == NATS_OK) {
      backoff = std::chrono::milliseconds(50);
      ++counters_.published;
      if (ack && ack->Duplicate) ++counters_.duplicates;
      if (!queue_.empty() && queue_.front().seq == e.seq) queue_.pop_front();
      acked_seq_ = std::max(acked_seq_, e.seq);
      counters_.buffered = queue_.size();
      done_.notify_all();
      continue;
    }
    ++counters_.retries;
    natsStatus last = NATS_OK;
    const char* detail = nats_GetLastError(&last);
    spdlog::debug("cluster: publish of {} failed: {} ({}); retrying", e.msg_id, natsStatus_GetText(s), detail ? detail : "");
    if (counters_.retries == 1 || counters_.retries % 100 == 0)
      spdlog::warn("cluster: cannot publish to the stream yet: {} ({} retries so far)", natsStatus_GetText(s), counters_.retries);
    wake_.wait_for(lock, backoff, [&] { return stop_; });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

}  // namespace hyped::cluster
