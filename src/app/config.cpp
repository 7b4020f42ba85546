#include "app/config.hpp"

#include "app/actions_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <type_traits>

namespace hyped {
namespace {

// One row per key: how to read it into AppConfig.
struct KeySpec {
  const char* section;
  const char* key;
  std::function<void(AppConfig&, const toml::node&, const std::string& where)> read;
};

std::string where_of(const std::string& name, const toml::node& n, const std::string& dotted) {
  std::ostringstream s;
  s << "'" << dotted << "' in " << name << " (line " << n.source().begin.line << ")";
  return s.str();
}

// The node's value when it is an integer. toml++'s value<int64_t>() also converts a float node, casting
// before it checks the range: undefined behaviour for 1e300.
std::optional<std::int64_t> integer_of(const toml::node& n) {
  if (const auto* i = n.as_integer()) return i->get();
  return std::nullopt;
}

auto number(double DetectorParams::*field) {
  return [field](AppConfig& c, const toml::node& n, const std::string& where) {
    const auto v = n.value<double>();  // integers are accepted as numbers
    if (!v || n.is_boolean()) throw ConfigError(where + " must be a number");
    c.detector.*field = *v;
  };
}

auto integer(int DetectorParams::*field) {
  return [field](AppConfig& c, const toml::node& n, const std::string& where) {
    // Checked before narrowing: 4294983296 must not wrap to 16000 and pass as a valid rate.
    const auto v = integer_of(n);
    if (!n.is_integer() || !v || *v < std::numeric_limits<int>::min() || *v > std::numeric_limits<int>::max())
      throw ConfigError(where + " must be an integer within +-2147483647");
    c.detector.*field = static_cast<int>(*v);
  };
}

auto cluster_number(double cluster::ClusterOptions::*field, double lo, double hi) {
  return [field, lo, hi](AppConfig& c, const toml::node& n, const std::string& where) {
    const auto v = n.value<double>();
    if (!v || n.is_boolean() || !(*v >= lo && *v <= hi))
      throw ConfigError(where + " must be a number in [" + std::to_string(lo).substr(0, 5) + ", " + std::to_string(hi).substr(0, 7) + "]");
    c.cluster.*field = *v;
  };
}

auto server_int(auto ServerOptions::*field, long long lo, long long hi) {
  return [field, lo, hi](AppConfig& c, const toml::node& n, const std::string& where) {
    const auto v = integer_of(n);
    if (!n.is_integer() || *v < lo || *v > hi)
      throw ConfigError(where + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    using T = std::remove_reference_t<decltype(c.server.*field)>;
    if constexpr (std::is_integral_v<T>) c.server.*field = static_cast<T>(*v);
    else c.server.*field = T(*v);
  };
}

auto server_strings(std::vector<std::string> ServerOptions::*field) {
  return [field](AppConfig& c, const toml::node& n, const std::string& where) {
    const toml::array* a = n.as_array();
    if (!a) throw ConfigError(where + " must be an array of strings");
    std::vector<std::string> out;
    for (const toml::node& e : *a) {
      if (!e.is_string()) throw ConfigError(where + " must be an array of strings");
      out.push_back(*e.value<std::string>());
    }
    c.server.*field = std::move(out);
  };
}

auto irc_number(double IrcClientOptions::*field, double lo, double hi) {
  return [field, lo, hi](AppConfig& c, const toml::node& n, const std::string& where) {
    const auto v = n.value<double>();
    if (!v || n.is_boolean() || !(*v >= lo && *v <= hi))
      throw ConfigError(where + " must be a number in [" + std::to_string(lo).substr(0, 5) + ", " + std::to_string(hi).substr(0, 7) + "]");
    c.irc.*field = *v;
  };
}

auto irc_string(std::string IrcClientOptions::*field) {
  return [field](AppConfig& c, const toml::node& n, const std::string& where) {
    if (!n.is_string()) throw ConfigError(where + " must be a string");
    c.irc.*field = *n.value<std::string>();
  };
}

auto discovery_string(std::string DiscoveryOptions::*field) {
  return [field](AppConfig& c, const toml::node& n, const std::string& where) {
    if (!n.is_string()) throw ConfigError(where + " must be a string");
    c.discovery.*field = *n.value<std::string>();
  };
}

auto discovery_url(std::string DiscoveryOptions::*field) {
  return [field](AppConfig& c, const toml::node& n, const std::string& where) {
    const auto v = n.value<std::string>();
    if (!n.is_string() || (v->rfind("https://", 0) != 0 && v->rfind("http://", 0) != 0))
      throw ConfigError(where + " must be an http(s) URL");
    c.discovery.*field = *v;
  };
}

const std::vector<KeySpec>& key_specs() {
  static const std::vector<KeySpec> specs = {
      {"audio", "sample_rate_hz", integer(&DetectorParams::sample_rate_hz)},
      {"audio", "frame_s", number(&DetectorParams::frame_s)},
      {"audio", "hop_s", number(&DetectorParams::hop_s)},
      {"audio", "silence_db", number(&DetectorParams::audio_silence_db)},
      {"audio", "quiet_db", number(&DetectorParams::audio_quiet_db)},
      {"stats", "z_mode",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         const auto v = n.value<std::string>();
         if (!n.is_string() || (*v != "global" && *v != "running"))
           throw ConfigError(where + " must be \"global\" or \"running\"");
         c.detector.z_mode = *v == "global" ? ZMode::Global : ZMode::Running;
       }},
      {"stats", "halflife_s", number(&DetectorParams::stats_halflife_s)},
      {"stats", "warmup_s", number(&DetectorParams::warmup_s)},
      {"stats", "z_eps", number(&DetectorParams::z_eps)},
      {"stats", "audio_min_std_db", number(&DetectorParams::audio_min_std_db)},
      {"stats", "audio_baseline_s", number(&DetectorParams::audio_baseline_s)},
      {"stats", "spectral_min_rel_std", number(&DetectorParams::spectral_min_rel_std)},
      {"spectral", "fft_size", integer(&DetectorParams::fft_size)},
      {"spectral", "high_band_hz", number(&DetectorParams::high_band_hz)},
      {"chat", "window_s", number(&DetectorParams::chat_window_s)},
      {"chat", "emote_weight", number(&DetectorParams::emote_weight)},
      {"chat", "other_weight", number(&DetectorParams::chat_other_weight)},
      {"chat", "user_window_s", number(&DetectorParams::chat_user_window_s)},
      {"chat", "copy_min_chars", integer(&DetectorParams::chat_copy_min_chars)},
      {"chat", "copies_kept", integer(&DetectorParams::chat_copies_kept)},
      {"chat", "copy_window_s", number(&DetectorParams::chat_copy_window_s)},
      {"chat", "prior", number(&DetectorParams::chat_prior)},
      {"chat", "box",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         const auto v = n.value<std::string>();
         if (!n.is_string() || (*v != "centred" && *v != "trailing"))
           throw ConfigError(where + " must be \"centred\" or \"trailing\"");
         c.chat.box = *v;
       }},
      {"chat", "event_weight",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         const auto v = n.value<double>();
         if (!v || n.is_boolean()) throw ConfigError(where + " must be a number");
         c.chat.event_weight = *v;
       }},
      {"chat", "keywords",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         const toml::table* t = n.as_table();
         if (!t) throw ConfigError(where + " must be a table of word = weight");
         c.chat.keywords.clear();
         for (const auto& [word, w] : *t) {
           const auto v = w.value<double>();
           if (!v || w.is_boolean() || word.str().empty() || word.str().find(' ') != std::string_view::npos)
             throw ConfigError(where + ": '" + std::string(word.str()) + "' must be one word with a number");
           c.chat.keywords.emplace_back(std::string(word.str()), *v);
         }
       }},
      {"chat", "close_delay_s",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         const auto v = n.value<double>();
         if (!v || n.is_boolean() || !(*v >= 0 && *v <= 60)) throw ConfigError(where + " must be a number in [0, 60]");
         c.chat.close_delay_s = *v;
       }},
      {"fusion", "w_audio", number(&DetectorParams::w_audio)},
      {"fusion", "w_chat", number(&DetectorParams::w_chat)},
      {"fusion", "w_flux", number(&DetectorParams::w_flux)},
      {"fusion", "w_hf", number(&DetectorParams::w_hf)},
      {"fusion", "threshold", number(&DetectorParams::threshold)},
      {"fusion", "target_per_hour", number(&DetectorParams::target_per_hour)},
      {"fusion", "rate_window_s", number(&DetectorParams::rate_window_s)},
      {"fusion", "start_threshold", number(&DetectorParams::start_threshold)},
      {"fusion", "reason_z", number(&DetectorParams::reason_z)},
      {"peaks", "refractory_s", number(&DetectorParams::refractory_s)},
      {"peaks", "pre_s", number(&DetectorParams::pre_s)},
      {"peaks", "post_s", number(&DetectorParams::post_s)},
      {"export", "edl_fps",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         const auto v = n.value<double>();
         if (!v || n.is_boolean() || *v <= 0 || *v > 120) throw ConfigError(where + " must be a frame rate in (0, 120]");
         c.exports.edl_fps = *v;
       }},
      {"server", "token",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         if (!n.is_string()) throw ConfigError(where + " must be a string");
         c.server.token = *n.value<std::string>();
       }},
      {"server", "allowed_origins", server_strings(&ServerOptions::allowed_origins)},
      {"server", "webhooks",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         // "https://…" (hyped format) or {url = "https://…", format = "discord"}
         const toml::array* a = n.as_array();
         if (!a) throw ConfigError(where + " must be an array of URLs or {url = ..., format = ...} tables");
         std::vector<WebhookTarget> out;
         for (const toml::node& e : *a) {
           if (e.is_string()) {
             out.emplace_back(*e.value<std::string>());
             continue;
           }
           const toml::table* t = e.as_table();
           if (!t) throw ConfigError(where + " must be an array of URLs or {url = ..., format = ...} tables");
           WebhookTarget w;
           for (const auto& [k, v] : *t) {
             if (!v.is_string() || (k.str() != "url" && k.str() != "format"))
               throw ConfigError(where + ": a webhook table holds url and format (strings), not '" +
                                 std::string(k.str()) + "'");
             (k.str() == "url" ? w.url : w.format) = *v.value<std::string>();
           }
           out.push_back(std::move(w));
         }
         c.server.webhooks = std::move(out);
       }},
      {"server", "webhook_ca_file",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         if (!n.is_string()) throw ConfigError(where + " must be a string");
         c.server.webhook_ca_file = *n.value<std::string>();
       }},
      {"server", "webhook_attempts", server_int(&ServerOptions::webhook_attempts, 1, 100)},
      {"server", "client_queue_limit", server_int(&ServerOptions::client_queue_limit, 4, 1000000)},
      {"server", "max_message_bytes", server_int(&ServerOptions::max_message_bytes, 64, 16 * 1024 * 1024)},
      {"server", "idle_timeout_s", server_int(&ServerOptions::idle_timeout, 2, 86400)},
      {"server", "io_threads", server_int(&ServerOptions::io_threads, 0, 64)},
      {"server", "history_limit", server_int(&ServerOptions::history_limit, 1, 10000000)},
      {"cluster", "url",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         if (!n.is_string() || n.value<std::string>()->rfind("nats://", 0) != 0)
           throw ConfigError(where + " must be a nats://HOST:PORT URL");
         c.cluster.url = *n.value<std::string>();
       }},
      {"cluster", "lease_s", cluster_number(&cluster::ClusterOptions::lease_s, 1, 3600)},
      {"cluster", "retention_h", cluster_number(&cluster::ClusterOptions::retention_h, 0.01, 24 * 365)},
      {"cluster", "publish_buffer",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         const auto v = integer_of(n);
         if (!n.is_integer() || *v < 1 || *v > 10000000) throw ConfigError(where + " must be an integer in [1, 10000000]");
         c.cluster.publish_buffer = static_cast<std::size_t>(*v);
       }},
      {"cluster", "min_cpu_headroom", cluster_number(&cluster::ClusterOptions::min_cpu_headroom, 0, 1)},
      {"cluster", "handover",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         if (!n.is_boolean()) throw ConfigError(where + " must be true or false");
         c.cluster.handover = *n.value<bool>();
       }},
      {"cluster", "handover_warmup_s", cluster_number(&cluster::ClusterOptions::handover_warmup_s, -1, 3600)},
      {"irc", "host", irc_string(&IrcClientOptions::host)},
      {"irc", "port",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         const auto v = integer_of(n);
         if (!n.is_integer() || *v < 1 || *v > 65535) throw ConfigError(where + " must be a port number");
         c.irc.port = static_cast<int>(*v);
       }},
      {"irc", "tls",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         if (!n.is_boolean()) throw ConfigError(where + " must be true or false");
         c.irc.tls = *n.value<bool>();
       }},
      {"irc", "ca_file", irc_string(&IrcClientOptions::ca_file)},
      {"irc", "nick", irc_string(&IrcClientOptions::nick)},
      {"irc", "token", irc_string(&IrcClientOptions::token)},
      {"irc", "join_limit",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         const auto v = integer_of(n);
         if (!n.is_integer() || *v < 1 || *v > 100000) throw ConfigError(where + " must be an integer in [1, 100000]");
         c.irc.join_limit = static_cast<int>(*v);
       }},
      {"irc", "join_window_s", irc_number(&IrcClientOptions::join_window_s, 0, 3600)},
      {"irc", "channels_per_connection",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         const auto v = n.value<std::int64_t>();
         if (!n.is_integer() || *v < 1 || *v > 100000) throw ConfigError(where + " must be an integer in [1, 100000]");
         c.irc.channels_per_connection = static_cast<int>(*v);
       }},
      {"irc", "connect_timeout_s", irc_number(&IrcClientOptions::connect_timeout_s, 0.1, 3600)},
      {"irc", "ping_interval_s", irc_number(&IrcClientOptions::ping_interval_s, 0.1, 3600)},
      {"irc", "ping_timeout_s", irc_number(&IrcClientOptions::ping_timeout_s, 0.1, 3600)},
      {"irc", "backoff_min_s", irc_number(&IrcClientOptions::backoff_min_s, 0.01, 3600)},
      {"irc", "backoff_max_s", irc_number(&IrcClientOptions::backoff_max_s, 0.01, 3600)},
      {"discovery", "client_id", discovery_string(&DiscoveryOptions::client_id)},
      {"discovery", "api_url", discovery_url(&DiscoveryOptions::api_url)},
      {"discovery", "id_url", discovery_url(&DiscoveryOptions::id_url)},
      {"discovery", "interval_s",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         const auto v = n.value<double>();
         if (!v || n.is_boolean() || !(*v >= 1 && *v <= 86400))
           throw ConfigError(where + " must be a number of seconds in [1, 86400]");
         c.discovery.interval_s = *v;
       }},
      {"discovery", "max_pages",
       [](AppConfig& c, const toml::node& n, const std::string& where) {
         const auto v = integer_of(n);
         if (!n.is_integer() || *v < 1 || *v > 1000) throw ConfigError(where + " must be an integer in [1, 1000]");
         c.discovery.max_pages = static_cast<int>(*v);
       }},
  };
  return specs;
}

// [channel.NAME] target_per_hour = N: a channel of `hyped live` that should fire more or less often.
void read_channel_overrides(AppConfig& cfg, const toml::node& node, const std::string& name) {
  const toml::table* channels = node.as_table();
  if (!channels) throw ConfigError("'channel' in " + name + " must hold tables: [channel.NAME] target_per_hour = N");
  for (const auto& [channel, settings] : *channels) {
    const std::string prefix = "channel." + std::string(channel.str());
    const toml::table* t = settings.as_table();
    if (!t) throw ConfigError(where_of(name, settings, prefix) + " must be a table: [" + prefix + "]");
    for (const auto& [key, value] : *t) {
      const std::string dotted = prefix + "." + std::string(key.str());
      if (key.str() != "target_per_hour")
        throw ConfigError("unknown key " + where_of(name, value, dotted) + ": a channel may set target_per_hour");
      const auto v = value.value<double>();
      if (!v || value.is_boolean() || !(*v >= 0 && std::isfinite(*v)))
        throw ConfigError(where_of(name, value, dotted) + " must be a number >= 0");
      cfg.channel_target_per_hour[std::string(channel.str())] = *v;
    }
  }
}

// toml++ 3.3 (Debian 12) reaches __builtin_unreachable() — undefined behaviour — when it asks whether some
// non-ASCII characters are whitespace: those its generated table maps to no branch. It asks this of
// characters outside strings and comments (also inside what a damaged file only seems to quote: in
// `x = 0"é"` the parser reads `0"é"` as one bare value), and of the first one after a line-ending
// backslash in a multi-line basic string. So the text is first parsed with every non-ASCII byte made
// '~', which TOML allows in strings and comments only: a file that passes has them nowhere else, and in
// a valid file a scan for that last place is exact.
bool toml_whitespace_test_is_undefined(char32_t c) {
  if (c <= U'\xA0' || c > U'\uFEFF' || c == U'\u3000' || c == U'\uFEFF') return false;
  const auto child = (static_cast<std::uint64_t>(c) - 0xA0u) / 0x3FAu;  // the library's own table
  return ((1ull << child) & 0x7FFFFFFFFFFFF75Eull) == 0 && child != 5 && child != 7;
}

// What toml++ skips as whitespace beyond ASCII: after a line-ending backslash it goes on skipping past
// these, so the character after one is asked about too.
bool toml_non_ascii_horizontal_whitespace(char32_t c) {
  return c == U'\xA0' || c == U'\u1680' || c == U'\u180E' || (c >= U'\u2000' && c <= U'\u200B') || c == U'\u202F' ||
         (c >= U'\u205F' && c <= U'\u2060') || c == U'\u3000' || c == U'\uFEFF';
}

std::string outside_strings_error(const std::string& name, std::size_t line, char32_t c) {
  std::ostringstream s;
  s << name << " line " << line << ": character U+" << std::hex << std::uppercase << static_cast<std::uint32_t>(c)
    << " is only allowed in a string or a comment";
  return s.str();
}

// The code point starting at text[i] (invalid UTF-8: the byte itself) and its length in bytes.
std::pair<char32_t, std::size_t> code_point_at(std::string_view text, std::size_t i) {
  const auto b = static_cast<unsigned char>(text[i]);
  const std::size_t len = b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  if (len == 1 || i + len > text.size()) return {b, 1};
  char32_t c = b & (0x7Fu >> len);
  for (std::size_t k = 1; k < len; ++k) {
    const auto cb = static_cast<unsigned char>(text[i + k]);
    if ((cb & 0xC0) != 0x80) return {b, 1};
    c = (c << 6) | (cb & 0x3Fu);
  }
  return {c, len};
}

void refuse_non_ascii_the_parser_cannot_test(std::string_view text, const std::string& name) {
  enum class In { Toml, Comment, Basic, Literal, MultiBasic, MultiLiteral } in = In::Toml;
  bool after_line_ending_backslash = false;  // in a multi-line basic string, whitespace being skipped
  int line = 1;
  for (std::size_t i = 0; i < text.size();) {
    const char ch = text[i];
    const std::string_view rest = text.substr(i);
    const bool checked = in == In::Toml || (in == In::MultiBasic && after_line_ending_backslash);
    if (checked && static_cast<unsigned char>(ch) >= 0x80) {
      const auto [c, len] = code_point_at(text, i);
      if (toml_whitespace_test_is_undefined(c)) throw ConfigError(outside_strings_error(name, line, c));
      if (!toml_non_ascii_horizontal_whitespace(c)) after_line_ending_backslash = false;
      i += len;
      continue;
    }
    std::size_t step = 1;
    switch (in) {
      case In::Toml:
        if (ch == '#')
          in = In::Comment;
        else if (rest.starts_with(R"(""")"))
          in = In::MultiBasic, step = 3;
        else if (rest.starts_with("'''"))
          in = In::MultiLiteral, step = 3;
        else if (ch == '"')
          in = In::Basic;
        else if (ch == '\'')
          in = In::Literal;
        break;
      case In::Comment:
        if (ch == '\n') in = In::Toml;
        break;
      case In::Basic:
        if (ch == '\\')
          step = 2;
        else if (ch == '"' || ch == '\n')
          in = In::Toml;
        break;
      case In::Literal:
        if (ch == '\'' || ch == '\n') in = In::Toml;
        break;
      case In::MultiBasic:
        if (after_line_ending_backslash && ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
          after_line_ending_backslash = false;
        if (rest.starts_with(R"(""")")) {
          in = In::Toml, step = 3;
        } else if (ch == '\\') {
          const std::size_t next = text.find_first_not_of(" \t\r", i + 1);
          if (next != std::string_view::npos && text[next] == '\n')
            after_line_ending_backslash = true;
          else
            step = 2;
        }
        break;
      case In::MultiLiteral:
        if (rest.starts_with("'''")) in = In::Toml, step = 3;
        break;
    }
    for (std::size_t k = 0; k < step && i < text.size(); ++k, ++i)
      if (text[i] == '\n') ++line;
  }
}

void refuse_text_the_parser_cannot_take(std::string_view text, const std::string& name) {
  std::string probe(text);
  for (char& ch : probe)
    if (static_cast<unsigned char>(ch) >= 0x80) ch = '~';
  try {
    (void)toml::parse(probe, name);
  } catch (const toml::parse_error& e) {
    const auto [line, column] = e.source().begin;
    std::size_t at = 0;  // the byte the parser stopped at: columns count characters, one byte each in the probe
    for (std::size_t l = 1; l < line && at < text.size(); ++l) {
      const std::size_t nl = text.find('\n', at);
      at = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    at += column > 0 ? column - 1 : 0;
    if (at < text.size() && static_cast<unsigned char>(text[at]) >= 0x80)
      throw ConfigError(outside_strings_error(name, line, code_point_at(text, at).first));
    std::ostringstream s;
    s << name << " line " << line << ": " << e.description();
    throw ConfigError(s.str());
  }
  refuse_non_ascii_the_parser_cannot_test(text, name);
}

const KeySpec* find_spec(std::string_view section, std::string_view key) {
  for (const KeySpec& s : key_specs())
    if (section == s.section && key == s.key) return &s;
  return nullptr;
}

}  // namespace

AppConfig default_config() {
  AppConfig c;
  if (const char* token = std::getenv("HYPED_TOKEN"); token && *token) c.server.token = token;
  return c;
}

ChatWeights chat_weights(const AppConfig& c) {
  return ChatWeights{c.detector.emote_weight, c.chat.event_weight, c.chat.keywords};
}

std::vector<std::string> config_keys() {
  std::vector<std::string> keys;
  for (const KeySpec& s : key_specs()) keys.push_back(std::string(s.section) + "." + s.key);
  return keys;
}

AppConfig parse_config(const std::string& text, const std::string& name) {
  refuse_text_the_parser_cannot_take(text, name);
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    std::ostringstream s;
    s << name << " line " << e.source().begin.line << ": " << e.description();
    throw ConfigError(s.str());
  }
  AppConfig cfg = default_config();
  for (const auto& [section, node] : root) {
    const std::string sec(section.str());
    if (sec == "channel") {
      read_channel_overrides(cfg, node, name);
      continue;
    }
    if (sec == "actions") {
      read_actions_config(cfg.actions, node, name);
      continue;
    }
    const toml::table* table = node.as_table();
    if (!table)
      throw ConfigError("unknown key " + where_of(name, node, sec) +
                        ": settings live in [audio], [stats], [spectral], [chat], [fusion], [peaks], [export], [server], "
                        "[irc], [discovery], [actions], [cluster] and [channel.NAME]");
    for (const auto& [key, value] : *table) {
      const std::string dotted = sec + "." + std::string(key.str());
      if (dotted == "discovery.client_secret")
        throw ConfigError(where_of(name, value, dotted) +
                          ": the secret is read from $HYPED_TWITCH_CLIENT_SECRET only, so configs can be shared");
      const KeySpec* spec = find_spec(sec, key.str());
      if (!spec) throw ConfigError("unknown key " + where_of(name, value, dotted));
      spec->read(cfg, value, where_of(name, value, dotted));
    }
  }
  for (const WebhookTarget& w : cfg.server.webhooks) {
    if (w.url.rfind("http://", 0) != 0 && w.url.rfind("https://", 0) != 0)
      throw ConfigError(name + ": server.webhooks: '" + w.url + "' must be an http:// or https:// URL");
    if (w.format != "hyped" && w.format != "discord" && w.format != "slack")
      throw ConfigError(name + ": server.webhooks: format '" + w.format + "' must be hyped, discord or slack");
  }
  try {
    validate(cfg.detector);
    for (const auto& [channel, n] : cfg.channel_target_per_hour) {
      DetectorParams p = cfg.detector;
      p.target_per_hour = n;
      validate(p);
    }
  } catch (const std::invalid_argument& e) {
    throw ConfigError(name + ": " + e.what());
  }
  return cfg;
}

AppConfig load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read config '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path);
}

}  // namespace hyped
