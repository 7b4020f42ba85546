#include "irc/chat_log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace hyped {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& name, const std::string& why) {
  throw std::runtime_error("chat log '" + name + "': " + why);
}

std::string_view first_line(std::string_view text) {
  const auto end = text.find('\n');
  return text.substr(0, end);
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n' ||
                        static_cast<unsigned char>(s.front()) == 0xEF || static_cast<unsigned char>(s.front()) == 0xBB ||
                        static_cast<unsigned char>(s.front()) == 0xBF))  // whitespace and a UTF-8 BOM
    s.remove_prefix(1);
  return s;
}

std::optional<double> number(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

std::string string_at(const json& j, std::initializer_list<const char*> path) {
  const json* cur = &j;
  for (const char* key : path) {
    if (!cur->is_object()) return {};
    const auto it = cur->find(key);
    if (it == cur->end()) return {};
    cur = &*it;
  }
  return cur->is_string() ? cur->get<std::string>() : std::string{};
}

int array_size(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_array() ? static_cast<int>(it->size()) : 0;
}

void read_twitch_downloader(const json& doc, ChatLog& log) {
  for (const json& c : doc.at("comments")) {
    const auto t = c.is_object() ? number(c, "content_offset_seconds") : std::nullopt;
    const auto msg = c.is_object() ? c.find("message") : c.end();
    if (!t || msg == c.end() || !msg->is_object()) {
      ++log.malformed;
      continue;
    }
    ChatLogEntry e;
    e.t_s = *t;
    e.text = string_at(*msg, {"body"});
    e.user = string_at(c, {"commenter", "name"});
    if (e.user.empty()) e.user = string_at(c, {"commenter", "display_name"});
    e.emotes = array_size(*msg, "emoticons");
    if (e.emotes == 0 && msg->contains("fragments") && (*msg)["fragments"].is_array())
      for (const json& f : (*msg)["fragments"])
        if (f.is_object() && f.contains("emoticon") && !f["emoticon"].is_null()) ++e.emotes;
    log.entries.push_back(std::move(e));
  }
}

void read_chat_downloader(const json& doc, ChatLog& log) {
  for (const json& m : doc) {
    const auto t = m.is_object() ? number(m, "time_in_seconds") : std::nullopt;
    if (!t) {
      ++log.malformed;
      continue;
    }
    ChatLogEntry e;
    e.t_s = *t;
    e.text = string_at(m, {"message"});
    e.user = string_at(m, {"author", "name"});
    e.emotes = array_size(m, "emotes");
    log.entries.push_back(std::move(e));
  }
}

std::optional<ChatLogEntry> jsonl_entry(std::string_view line) {
  const json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  const auto t = number(j, "t");
  if (!t) return std::nullopt;
  ChatLogEntry e;
  e.t_s = *t;
  e.user = string_at(j, {"user"});
  e.text = string_at(j, {"text"});
  if (const auto em = number(j, "emotes")) e.emotes = static_cast<int>(std::clamp(*em, 0.0, 1e6));
  e.event = string_at(j, {"event"});
  if (const auto w = number(j, "weight"); w && *w >= 0) e.weight = static_cast<float>(*w);
  return e;
}

void read_lines(std::string_view text, ChatLog& log, const auto& parse_line) {
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (auto e = parse_line(line)) log.entries.push_back(std::move(*e));
    else ++log.malformed;
  }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\r' || c == '\n'; }

// Reads "NN" with the first digit at most `max_tens` into `v`; advances `s`.
bool two_digits(std::string_view& s, char max_tens, int& v) {
  if (s.size() < 2 || !is_digit(s[0]) || s[0] > max_tens || !is_digit(s[1])) return false;
  v = (s[0] - '0') * 10 + (s[1] - '0');
  s.remove_prefix(2);
  return true;
}

// "[1:02:03] <nick> text", "[01:02:03.250] nick: text". Read by hand rather than with std::regex, whose
// backtracking recurses once per character and runs out of stack on a long line.
std::optional<ChatLogEntry> plain_entry(std::string_view line) {
  constexpr std::size_t kMaxHourDigits = 6;  // 999999 h: anything longer is not a time
  std::string_view s = line;
  if (s.empty() || s[0] != '[') return std::nullopt;
  s.remove_prefix(1);
  std::size_t n = 0;
  double hours = 0;
  while (n < s.size() && is_digit(s[n])) hours = hours * 10 + (s[n++] - '0');
  if (n == 0 || n > kMaxHourDigits || n >= s.size() || s[n] != ':') return std::nullopt;
  s.remove_prefix(n + 1);
  int minutes = 0, seconds = 0;
  if (!two_digits(s, '5', minutes) || s.empty() || s[0] != ':') return std::nullopt;
  s.remove_prefix(1);
  if (!two_digits(s, '5', seconds)) return std::nullopt;
  double fraction = 0;
  if (!s.empty() && s[0] == '.') {
    s.remove_prefix(1);
    double scale = 0.1;
    for (n = 0; n < s.size() && is_digit(s[n]); ++n, scale /= 10) fraction += (s[n] - '0') * scale;
    if (n == 0) return std::nullopt;
    s.remove_prefix(n);
  }
  if (s.empty() || s[0] != ']') return std::nullopt;
  s.remove_prefix(1);
  for (n = 0; n < s.size() && is_space(s[n]);) ++n;
  if (n == 0) return std::nullopt;
  s.remove_prefix(n);
  ChatLogEntry e;
  if (const auto close = s.find('>'); !s.empty() && s[0] == '<' && close != std::string_view::npos) {
    e.user = std::string(s.substr(1, close - 1));
    s.remove_prefix(close + 1);
  } else {
    for (n = 0; n < s.size() && s[n] != ':' && !is_space(s[n]);) ++n;
    if (n == 0 || n == s.size() || s[n] != ':') return std::nullopt;
    e.user = std::string(s.substr(0, n));
    s.remove_prefix(n + 1);
  }
  if (!s.empty() && is_space(s[0])) s.remove_prefix(1);
  if (s.find_first_of("\r\n") != std::string_view::npos) return std::nullopt;
  e.t_s = hours * 3600 + minutes * 60 + seconds + fraction;
  e.text = std::string(s);
  return e;
}

}  // namespace

const char* to_string(ChatLogFormat f) {
  switch (f) {
    case ChatLogFormat::TwitchDownloader: return "TwitchDownloader JSON";
    case ChatLogFormat::ChatDownloader: return "chat-downloader JSON";
    case ChatLogFormat::PlainText: return "plain text";
    case ChatLogFormat::Jsonl: return "JSONL";
  }
  return "?";
}

ChatLog parse_chat_log(std::string_view text, const std::string& name) {
  ChatLog log;
  text = trim_left(text);
  if (text.empty()) fail(name, "the file is empty");
  const std::string_view line1 = first_line(text);
  if (plain_entry(line1.ends_with('\r') ? line1.substr(0, line1.size() - 1) : line1)) {
    log.format = ChatLogFormat::PlainText;
    read_lines(text, log, plain_entry);
  } else if (text.front() == '{' && jsonl_entry(line1)) {
    log.format = ChatLogFormat::Jsonl;
    read_lines(text, log, jsonl_entry);
  } else if (text.front() == '{' || text.front() == '[') {
    json doc;
    try {
      doc = json::parse(text);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number beyond double
      fail(name, std::string("invalid JSON: ") + e.what());
    }
    if (doc.is_object() && doc.contains("comments") && doc["comments"].is_array()) {
      log.format = ChatLogFormat::TwitchDownloader;
      read_twitch_downloader(doc, log);
    } else if (doc.is_array()) {
      log.format = ChatLogFormat::ChatDownloader;
      read_chat_downloader(doc, log);
    } else {
      fail(name, "JSON is neither TwitchDownloader (\"comments\") nor chat-downloader (an array of messages)");
    }
  } else {
    fail(name, "not a known chat log format (TwitchDownloader JSON, chat-downloader JSON, "
               "\"[HH:MM:SS] <nick> text\" lines, or JSONL with \"t\")");
  }
  if (log.entries.empty() && log.malformed > 0)
    fail(name, "none of its " + std::to_string(log.malformed) + " entries could be read as " + to_string(log.format));
  std::stable_sort(log.entries.begin(), log.entries.end(), [](const auto& a, const auto& b) { return a.t_s < b.t_s; });
  return log;
}

ChatLog read_chat_log(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_chat_log(ss.view(), path);
}

std::string to_jsonl(const ChatLogEntry& e) {
  nlohmann::ordered_json j = {{"t", std::round(e.t_s * 1000.0) / 1000.0}, {"user", e.user}, {"text", e.text}, {"emotes", e.emotes}};
  if (!e.event.empty()) j["event"] = e.event;
  if (e.weight) j["weight"] = *e.weight;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::vector<ChatMessage> to_chat_messages(const ChatLog& log, const DetectorParams& p) {
  ChatWeights w;
  w.emote = p.emote_weight;
  return to_chat_messages(log, p, w);
}

std::vector<ChatMessage> to_chat_messages(const ChatLog& log, const DetectorParams& p, const ChatWeights& w) {
  ChatEntryWeigher weigher(p, w);
  std::vector<ChatMessage> out;
  out.reserve(log.entries.size());
  for (const auto& e : log.entries)
    out.push_back({e.t_s, e.weight ? *e.weight : weigher.weigh(e.t_s, e.user, e.text, e.emotes, !e.event.empty())});
  return out;
}

}  // namespace hyped
