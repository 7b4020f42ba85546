#include "cluster/event_publisher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "cluster/nats_handles.hpp"

namespace hyped::cluster {

EventPublisher::EventPublisher(NatsConnection& conn, std::size_t buffer_limit)
    : conn_(conn), buffer_(buffer_limit), thread_([this] { run(); }) {}

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
    if (buffer_.push(std::move(subject), std::move(payload), std::move(msg_id)) &&
        (buffer_.dropped() == 1 || buffer_.dropped() % 1000 == 0))
      spdlog::warn("cluster: publish buffer full ({} events): {} dropped so far", buffer_.limit(), buffer_.dropped());
  }
  wake_.notify_all();
  done_.notify_all();
}

bool EventPublisher::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const long long target = buffer_.last_queued();
  return done_.wait_for(lock, timeout, [&] { return buffer_.settled() >= target; });
}

PublisherCounters EventPublisher::counters() const {
  std::lock_guard lock(mu_);
  PublisherCounters c = counters_;
  c.dropped = buffer_.dropped();
  c.buffered = buffer_.size();
  return c;
}

void EventPublisher::run() {
  std::unique_lock lock(mu_);
  auto backoff = std::chrono::milliseconds(50);
  while (!stop_) {
    if (!buffer_.front()) {
      wake_.wait(lock, [&] { return stop_ || buffer_.front(); });
      continue;
    }
    if (!conn_.connected()) {
      // Handing it to the client library now would only park it in its reconnect buffer, where it may
      // outlive the stream's de-duplication window; it waits here instead.
      wake_.wait_for(lock, std::chrono::milliseconds(100));
      continue;
    }
    const BufferedEvent e = *buffer_.front();  // stays queued until acknowledged
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
      buffer_.acknowledge(e.seq);
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
