#include "app/session_chat.hpp"

namespace hyped {

SessionChat::SessionChat(const AppConfig& cfg, LiveSession& session)
    : chat_(cfg, [&session](const std::string& stream, std::chrono::system_clock::time_point when, float weight) {
        session.add_chat_at(stream, when, weight);
      }) {
  session.on_hop = [this, started = false, next = session.on_hop](const std::string& ch, double t,
                                                                  const HopFeatures& f) mutable {
    if (!started) chat_.start();
    started = true;
    if (next) next(ch, t, f);
  };
}

void SessionChat::on_channel(const std::string& stream, bool followed, const std::string& chat) {
  if (followed && !chat.empty()) chat_.follow(chat, stream);
  if (!followed) chat_.unfollow(stream);
}

void SessionChat::stop() { chat_.stop(); }

}  // namespace hyped
