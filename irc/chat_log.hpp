// Chat log files: TwitchDownloader JSON, chat-downloader JSON, plain text and hyped's own JSONL,
// detected by content. Damaged entries are counted and skipped; an unknown format is one clear error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/chat_series.hpp"
#include "core/detector_params.hpp"
#include "irc/chat_weights.hpp"

namespace hyped {

enum class ChatLogFormat { TwitchDownloader, ChatDownloader, PlainText, Jsonl };
const char* to_string(ChatLogFormat f);

struct ChatLogEntry {
  double t_s = 0;
  std::string user;
  std::string text;
  int emotes = 0;
  std::string event;  // empty for a chat message; a USERNOTICE's kind ("sub", "raid", …) otherwise
  std::optional<float> weight;  // as a live session weighed and binned it; replay uses it as is
};

struct ChatLog {
  ChatLogFormat format = ChatLogFormat::Jsonl;
  std::vector<ChatLogEntry> entries;  // sorted by time
  long long malformed = 0;            // entries that could not be read
};

// Throws std::runtime_error "chat log 'name': reason".
ChatLog parse_chat_log(std::string_view text, const std::string& name);
ChatLog read_chat_log(const std::string& path);

// One JSONL record: {"t":12.5,"user":"a","text":"...","emotes":2} (+ "event":"sub" for an event)
std::string to_jsonl(const ChatLogEntry& e);

// Detector input: weight = 1 + emote_weight · emotes.
std::vector<ChatMessage> to_chat_messages(const ChatLog& log, const DetectorParams& p);
// Detector input with keyword and event weights (irc/chat_features.hpp: chat_weight).
std::vector<ChatMessage> to_chat_messages(const ChatLog& log, const DetectorParams& p, const ChatWeights& w);

}  // namespace hyped
